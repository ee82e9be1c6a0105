export * from './connection.js';
export * from './emitter.js';
export * from './in-memory.js';
export * from './logger.js';
export * from './clock.js';
export * from './bus.js';
