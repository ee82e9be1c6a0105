export * from './core-api.js';
export * from './config.js';
export * from './core.js';
export * from './inventory.js';
export * from './state-dir.js';
export * from './embedded-relay.js';
export * from './executor-command.js';
export { runPlainDaemon, type CliIo, EXIT_OK, EXIT_FAILED, EXIT_CONFIG } from './plain-daemon.js';
export * from './mcp/index.js';
