export * from './version.js';
export * from './errors.js';
export * from './schemas.js';
export * from './groups.js';
export * from './limits.js';
export * from './presence.js';
export * from './requests.js';
export * from './envelope.js';
