import { registerV1Suite } from '../helpers/v1-suite.js';
import { freePort, loopbackConnectionString, startEntry } from '../helpers/spawn-entry.js';

registerV1Suite({
  title: 'remote-agent v1 end to end (built-in relay, two executors, MCP daemon as processes)',
  skip: false,
  executorIds: { a: 'e2e-a', b: 'e2e-b' },
  async relay() {
    const connectionString = loopbackConnectionString(await freePort());
    const relay = startEntry('relay', 'packages/relay/bin/ra-relay.js', { WEB_PUBSUB_CONNECTION_STRING: connectionString });
    await relay.waitForLine(/relay listening/);
    return { connectionString, hub: 'e2e', stop: () => relay.stop() };
  },
});
