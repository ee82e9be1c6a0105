import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, fromWire, RemoteAgentError } from '@remote-agent/contracts';
import { startRelay, type RelayServer } from '@remote-agent/relay';
import {
  formatConnectionString,
  memoryLogger,
  PROTOBUF_RELIABLE_PROTOCOL,
  silentLogger,
  type Logger,
  type RelayAccess,
  type RelaySubprotocol,
} from '@remote-agent/transport';
import { connectionPeer, type ConnectionPeer } from '../helpers/web-pubsub-test-clients.js';

const accessKey = randomBytes(32).toString('base64');
let relay: RelayServer;

function peer(userId: string, role: 'executor' | 'daemon', protocol: RelaySubprotocol, logger: Logger = silentLogger): ConnectionPeer {
  const access: RelayAccess = { mode: 'connection-string', connectionString: formatConnectionString({ endpoint: relay.url, accessKey }), hub: 'rexec', tokenLifetimeMinutes: 5 };
  return connectionPeer({ access, userId, role, protocol, logger });
}

/** The application's reading of a payload (contracts' fromWire): JSON text parsed, anything else as it came. */
function valueOf(data: unknown): unknown {
  const read = fromWire(data);
  assert.ok(read.ok, read.ok ? '' : read.error);
  return read.value;
}

function patterned(size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 7) % 256;
  return buf;
}

before(async () => {
  relay = await startRelay({ accessKey, logger: silentLogger });
});

after(async () => {
  await relay.close();
});

describe('WebPubSubConnection in protobuf mode against the built-in relay', () => {
  it('connects with the protobuf subprotocol, joins, and carries JSON values, text, and a 200 KB Buffer on the direct path', async () => {
    const logger = memoryLogger('debug');
    const exec = peer('e-pb1', 'executor', 'protobuf', logger);
    const daemon = peer('d-pb1', 'daemon', 'protobuf');
    try {
      await Promise.all([exec.conn.start(), daemon.conn.start()]);
      assert.ok(logger.lines.some((line) => line.includes('relay connected') && line.includes(PROTOBUF_RELIABLE_PROTOCOL)), logger.lines.join('\n'));
      await daemon.conn.joinGroup('ra.daemon.d-pb1');

      const bulk = patterned(200 * 1024);
      await exec.conn.sendToGroup('ra.daemon.d-pb1', { v: 1, list: [1, 'two'], s: 'quote " and \\ and é' });
      await exec.conn.sendToGroup('ra.daemon.d-pb1', 'plain text');
      await exec.conn.sendToGroup('ra.daemon.d-pb1', bulk, { fireAndForget: true });
      await exec.conn.sendToGroup('ra.daemon.d-pb1', Uint8Array.from([1, 2, 3]));
      const got = await daemon.inbox.waitFor(4);

      // The protobuf protocol has no JSON member the service accepts: a JSON value crosses as its JSON text.
      assert.equal(typeof got[0]!.data, 'string');
      assert.deepEqual(valueOf(got[0]!.data), { v: 1, list: [1, 'two'], s: 'quote " and \\ and é' });
      assert.equal(got[1]!.data, 'plain text');
      assert.ok(Buffer.isBuffer(got[2]!.data));
      assert.ok((got[2]!.data as Buffer).equals(bulk), 'the 200 KB payload arrived byte for byte');
      assert.deepEqual([...(got[3]!.data as Buffer)], [1, 2, 3]);
      assert.deepEqual(got.map((m) => m.group), Array(4).fill('ra.daemon.d-pb1'));
    } finally {
      await Promise.all([exec.conn.stop(), daemon.conn.stop()]);
    }
  });

  it('a JSON-mode and a protobuf-mode connection in the same groups exchange messages both ways', async () => {
    const exec = peer('e-mix', 'executor', 'json');
    const daemon = peer('d-mix', 'daemon', 'protobuf');
    try {
      await Promise.all([exec.conn.start(), daemon.conn.start()]);
      const bytes = patterned(70_000);

      await daemon.conn.sendToGroup('ra.exec.e-mix', { probe: 1 });
      await daemon.conn.sendToGroup('ra.exec.e-mix', 'from protobuf');
      await daemon.conn.sendToGroup('ra.exec.e-mix', bytes, { fireAndForget: true });
      const atExec = await exec.inbox.waitFor(3);
      assert.deepEqual(valueOf(atExec[0]!.data), { probe: 1 });
      assert.equal(atExec[1]!.data, 'from protobuf');
      assert.ok(Buffer.isBuffer(atExec[2]!.data) && atExec[2]!.data.equals(bytes));
      assert.equal(atExec[0]!.fromUserId, 'd-mix', 'the JSON protocol names the sender');

      await exec.conn.sendToGroup('ra.daemon.d-mix', { reply: [2, null] });
      await exec.conn.sendToGroup('ra.daemon.d-mix', 'from json');
      await exec.conn.sendToGroup('ra.daemon.d-mix', bytes, { fireAndForget: true });
      const atDaemon = await daemon.inbox.waitFor(3);
      assert.equal(typeof atDaemon[0]!.data, 'string');
      assert.deepEqual(valueOf(atDaemon[0]!.data), { reply: [2, null] });
      assert.equal(atDaemon[1]!.data, 'from json');
      assert.ok(Buffer.isBuffer(atDaemon[2]!.data) && atDaemon[2]!.data.equals(bytes));
    } finally {
      await Promise.all([exec.conn.stop(), daemon.conn.stop()]);
    }
  });

  it('a Forbidden ack surfaces as RemoteAgentError FORBIDDEN', async () => {
    const exec = peer('e-pb-forbidden', 'executor', 'protobuf');
    try {
      await exec.conn.start();
      const forbidden = (err: unknown): boolean => err instanceof RemoteAgentError && err.code === ErrorCode.Forbidden && /Forbidden/.test(err.message);
      await assert.rejects(exec.conn.joinGroup('ra.presence'), forbidden);
      await assert.rejects(exec.conn.sendToGroup('ra.exec.someone-else', { x: 1 }), forbidden);
      await assert.rejects(exec.conn.sendToGroup('ra.exec.someone-else', Buffer.from([1])), forbidden);
      assert.equal(exec.conn.state, 'connected');
    } finally {
      await exec.conn.stop();
    }
  });

  it('a dropped socket is recovered invisibly: same connection, nothing lost, in order', async () => {
    const exec = peer('e-pb2', 'executor', 'protobuf');
    const daemon = peer('d-pb2', 'daemon', 'protobuf');
    try {
      await Promise.all([exec.conn.start(), daemon.conn.start()]);
      const sending = (async () => {
        for (let i = 0; i < 300; i++) {
          await daemon.conn.sendToGroup('ra.exec.e-pb2', i % 2 === 0 ? { i } : Buffer.from(String(i)));
        }
      })();
      await exec.inbox.waitFor(100);
      assert.ok(relay.dropConnection(exec.connected.items[0]!.connectionId));
      await sending;
      const got = await exec.inbox.waitFor(300);
      assert.deepEqual(
        got.map((m) => (Buffer.isBuffer(m.data) ? Number(m.data.toString()) : (valueOf(m.data) as { i: number }).i)),
        Array.from({ length: 300 }, (_, i) => i),
      );
      assert.deepEqual(exec.disconnected.items, []);
      assert.equal(exec.connected.items.length, 1);
    } finally {
      await Promise.all([exec.conn.stop(), daemon.conn.stop()]);
    }
  });
});
