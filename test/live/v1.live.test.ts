import { randomBytes } from 'node:crypto';
import { registerV1Suite } from '../helpers/v1-suite.js';

/**
 * The v1 end-to-end suite against real Azure Web PubSub: the same processes and checks as
 * test/e2e/v1.test.ts, with the service instead of the built-in relay (`npm run test:integration`).
 */
const connectionString = process.env.REMOTE_AGENT_LIVE_WEB_PUBSUB_CONNECTION_STRING?.trim();
const hub = process.env.REMOTE_AGENT_LIVE_WEB_PUBSUB_HUB?.trim() || 'rexec_live';
const run = randomBytes(3).toString('hex');

registerV1Suite({
  title: 'remote-agent v1 end to end on Azure Web PubSub (live)',
  skip: connectionString
    ? false
    : 'REMOTE_AGENT_LIVE_WEB_PUBSUB_CONNECTION_STRING is not set: set it (and optionally REMOTE_AGENT_LIVE_WEB_PUBSUB_HUB) to run the v1 suite against Azure Web PubSub',
  executorIds: { a: `live-${run}-a`, b: `live-${run}-b` },
  async relay() {
    return { connectionString: connectionString ?? '', hub, stop: async () => {} };
  },
});
