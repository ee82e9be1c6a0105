import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PRODUCT_VERSION } from '@remote-agent/contracts';
import { STREAMING_HEAP_FLAGS } from '@remote-agent/transport/streaming-heap';
import { freePort, loopbackConnectionString, startEntry } from '../helpers/spawn-entry.js';
import { SdkClient } from '../helpers/web-pubsub-test-clients.js';

const MAIN = 'packages/relay/dist/main.js';
const BIN = 'packages/relay/bin/ra-relay.js';

describe('ra-relay as a process', () => {
  it('listens where the connection string says, serves SDK clients and its status, and stops on SIGTERM', async () => {
    const port = await freePort();
    const connectionString = loopbackConnectionString(port);
    const key = /AccessKey=([^;]+)/.exec(connectionString)![1]!;
    const relay = startEntry('ra-relay', BIN, { WEB_PUBSUB_CONNECTION_STRING: connectionString });
    try {
      const line = await relay.waitForLine(/relay listening/);
      assert.match(line, new RegExp(`url=http://127\\.0\\.0\\.1:${port}`));
      if (process.platform === 'linux') {
        // The bin re-executed itself in place: the pid the test started now runs Node.js with the heap flags.
        const cmdline = readFileSync(`/proc/${relay.child.pid}/cmdline`, 'utf8').split('\0');
        for (const flag of STREAMING_HEAP_FLAGS) assert.ok(cmdline.includes(flag), `${flag} missing from: ${cmdline.join(' ')}`);
      }

      const target = { connectionString, hub: 'rexec' };
      const recv = await SdkClient.connect(target, { userId: 'recv', groups: ['ra.presence'] });
      const send = await SdkClient.connect(target, { userId: 'send', roles: ['webpubsub.sendToGroup.ra.presence'] });
      await send.client.sendToGroup('ra.presence', { hello: 'process' }, 'json');
      assert.deepEqual((await recv.inbox.waitFor(1))[0]!.data, { hello: 'process' });

      const status = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Record<string, unknown>;
      assert.deepEqual([status.status, status.version, status.connections], ['ok', PRODUCT_VERSION, 2]);
      await Promise.all([recv.stop(), send.stop()]);

      await relay.stop('SIGTERM');
      assert.equal((await relay.exited).code, 0);
      await relay.waitForLine(/relay stopped/);
      assert.ok(!relay.lines.join('\n').includes(key), 'the access key never reaches the log');
    } finally {
      await relay.stop('SIGKILL');
    }
  });

  it('a bad setting is one clear line naming the variable, and exit code 2', async () => {
    const relay = startEntry('ra-relay', MAIN, { WEB_PUBSUB_CONNECTION_STRING: 'Endpoint=http://127.0.0.1;AccessKey=secret-key;', RELAY_PORT: 'eighty' });
    const { code } = await relay.exited;
    assert.equal(code, 2);
    const lines = relay.lines.filter((l) => l.trim() !== '');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^ra-relay: invalid configuration: RELAY_PORT must be a port number/);
    assert.ok(!lines[0]!.includes('secret-key'));
  });

  it('the bin launcher answers --version and --help', async () => {
    const version = startEntry('ra-relay', BIN, {}, ['--version']);
    assert.equal((await version.exited).code, 0);
    assert.deepEqual(version.stdout, [PRODUCT_VERSION]);
    const help = startEntry('ra-relay', BIN, {}, ['--help']);
    assert.equal((await help.exited).code, 0);
    assert.match(help.stdout.join('\n'), /RELAY_HOST/);
  });
});
