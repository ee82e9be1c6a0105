export { startRelay } from './server.js';
export type { RelayOptions, RelayServer, RelayStats, HubStats, RelayEvents, SessionEndReason } from './server.js';
export { DEFAULT_RELAY_LIMITS, type RelayLimits } from './limits.js';
export { relayConfigFromEnv, DEFAULT_RELAY_PORT, type RelayConfig } from './config.js';
export { compileGroupPattern, Permissions } from './permissions.js';
export { RELIABLE_PROTOCOL, JSON_PROTOCOL } from './json-protocol.js';
export { SUBPROTOCOLS, type Subprotocol } from './subprotocols.js';
