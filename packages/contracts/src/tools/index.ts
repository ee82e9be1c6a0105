export * from './names.js';
export * from './executors.js';
export * from './remote.js';
export * from './files.js';
export * from './artifacts.js';
