import { registerCoreSdkChecks } from '../helpers/relay-sdk-checks.js';

/**
 * The same core checks as test/e2e/relay-sdk.test.ts, against real Azure Web PubSub, so the built-in relay
 * and the service cannot drift apart. Needs a connection string of a test instance (its hub is used as is:
 * every run uses fresh group and user names).
 */
const connectionString = process.env.REMOTE_AGENT_LIVE_WEB_PUBSUB_CONNECTION_STRING?.trim();
const hub = process.env.REMOTE_AGENT_LIVE_WEB_PUBSUB_HUB?.trim() || 'rexec_live';

const skip = connectionString
  ? false
  : 'REMOTE_AGENT_LIVE_WEB_PUBSUB_CONNECTION_STRING is not set: set it (and optionally REMOTE_AGENT_LIVE_WEB_PUBSUB_HUB) to run these checks against Azure Web PubSub';

registerCoreSdkChecks('Azure Web PubSub (live): core behaviour the built-in relay copies', () => ({ connectionString: connectionString ?? '', hub }), skip);
