import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { startRelay, type RelayServer } from '@remote-agent/relay';
import {
  createWebPubSubConnection,
  formatConnectionString,
  ManualClock,
  memoryLogger,
  silentLogger,
  type RelayAccess,
} from '@remote-agent/transport';
import { connectionPeer, Inbox, type ConnectionPeer } from '../helpers/web-pubsub-test-clients.js';

const accessKey = randomBytes(32).toString('base64');
let relay: RelayServer;

function access(key = accessKey, r: RelayServer = relay): RelayAccess {
  return { mode: 'connection-string', connectionString: formatConnectionString({ endpoint: r.url, accessKey: key }), hub: 'rexec', tokenLifetimeMinutes: 5 };
}

/** JSON-mode peers: the protobuf subprotocol has its own suite (relay-protobuf.test.ts). */
function peer(userId: string, role: 'executor' | 'daemon', relayAccess: RelayAccess = access()): ConnectionPeer {
  return connectionPeer({ access: relayAccess, userId, role, protocol: 'json' });
}

before(async () => {
  relay = await startRelay({ accessKey, logger: silentLogger });
});

after(async () => {
  await relay.close();
});

describe('WebPubSubConnection against the built-in relay', () => {
  it('starts connected, maps text, binary and json, honours noEcho and fireAndForget, and stops', async () => {
    const exec = peer('e1', 'executor');
    const daemon = peer('d1', 'daemon');
    assert.equal(exec.conn.state, 'idle');
    await Promise.all([exec.conn.start(), daemon.conn.start()]);
    assert.equal(exec.conn.state, 'connected');
    assert.equal(exec.connected.items.length, 1);
    assert.equal(exec.connected.items[0]!.recovered, false);
    assert.ok(exec.connected.items[0]!.connectionId.length > 0);

    await daemon.conn.sendToGroup('ra.exec.e1', 'a string');
    await daemon.conn.sendToGroup('ra.exec.e1', Buffer.from([1, 2, 3]));
    await daemon.conn.sendToGroup('ra.exec.e1', { v: 1, list: [1, 'two'] }, { fireAndForget: true });
    const bulk = Buffer.alloc(200 * 1024, 0xa5);
    await daemon.conn.sendToGroup('ra.exec.e1', bulk.subarray(1), { fireAndForget: true });
    const got = await exec.inbox.waitFor(4);
    assert.equal(got[0]!.data, 'a string');
    assert.ok(Buffer.isBuffer(got[1]!.data));
    assert.deepEqual([...(got[1]!.data as Buffer)], [1, 2, 3]);
    assert.deepEqual(got[2]!.data, { v: 1, list: [1, 'two'] });
    assert.ok(Buffer.isBuffer(got[3]!.data) && got[3]!.data.equals(bulk.subarray(1)), 'a Buffer sent on the direct path (base64 text frame) arrives whole');
    assert.deepEqual(got.map((m) => [m.group, m.fromUserId]), Array(4).fill(['ra.exec.e1', 'd1']));

    await daemon.conn.joinGroup('ra.daemon.d1');
    await exec.conn.sendToGroup('ra.daemon.d1', 'reply');
    assert.equal((await daemon.inbox.waitFor(1))[0]!.data, 'reply');

    const stopped = new Promise<void>((resolve) => exec.conn.on('stopped', resolve));
    await exec.conn.stop();
    await stopped;
    assert.equal(exec.conn.state, 'stopped');
    await assert.rejects(exec.conn.sendToGroup('ra.daemon.d1', 'late'), (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.NotConnected);
    await daemon.conn.stop();
  });

  it('acknowledges promptly, so a receiver takes in data faster than the relay holds un-acknowledged (16 MB a second)', async () => {
    const sender = peer('e-fast', 'executor');
    const receiver = peer('d-fast', 'daemon');
    await Promise.all([sender.conn.start(), receiver.conn.start()]);
    await receiver.conn.joinGroup('ra.daemon.d-fast');
    const firstConnection = receiver.connected.items[0]!.connectionId;

    // A credit-windowed stream as the executor sends output: 32 chunks of 128 KiB, then wait until they
    // arrived. 48 MB cross loopback well within a second, the SDK's own acknowledgement period.
    const chunk = 'x'.repeat(128 * 1024);
    const window = 32;
    const batches = 12;
    for (let b = 0; b < batches; b++) {
      for (let i = 0; i < window; i++) {
        void sender.conn.sendToGroup('ra.daemon.d-fast', { seq: b * window + i, chunk }, { fireAndForget: true });
      }
      await receiver.inbox.waitFor((b + 1) * window, 10_000);
    }
    const seqs = receiver.inbox.items.map((m) => (m.data as { seq: number }).seq);
    assert.deepEqual(seqs, [...Array(window * batches).keys()]);
    assert.deepEqual(receiver.disconnected.items, [], 'the relay dropped the receiver');
    assert.deepEqual(receiver.connected.items.map((e) => e.connectionId), [firstConnection]);
    await Promise.all([sender.conn.stop(), receiver.conn.stop()]);
  });

  it('a dropped socket is recovered invisibly: no disconnect, nothing lost, in order', async () => {
    const exec = peer('e2', 'executor');
    const daemon = peer('d2', 'daemon');
    await Promise.all([exec.conn.start(), daemon.conn.start()]);
    const sending = (async () => {
      for (let i = 0; i < 300; i++) await daemon.conn.sendToGroup('ra.exec.e2', { i });
    })();
    await exec.inbox.waitFor(100);
    assert.ok(relay.dropConnection(exec.connected.items[0]!.connectionId));
    await sending;
    const got = await exec.inbox.waitFor(300);
    assert.deepEqual(
      got.map((m) => (m.data as { i: number }).i),
      Array.from({ length: 300 }, (_, i) => i),
    );
    assert.equal(exec.disconnected.items.length, 0);
    assert.equal(exec.connected.items.length, 1);
    await Promise.all([exec.conn.stop(), daemon.conn.stop()]);
  });

  it('after a relay restart it makes a new connection, rejoins, and messages flow again', async () => {
    const key = randomBytes(32).toString('base64');
    let own = await startRelay({ accessKey: key, logger: silentLogger });
    const port = own.port;
    const relayAccess = access(key, own);
    const exec = peer('e3', 'executor', relayAccess);
    const daemon = peer('d3', 'daemon', relayAccess);
    try {
      await Promise.all([exec.conn.start(), daemon.conn.start()]);
      await exec.conn.joinGroup('ra.discovery');
      const first = exec.connected.items[0]!.connectionId;
      await own.close();
      own = await startRelay({ accessKey: key, logger: silentLogger, port });
      await exec.disconnected.waitFor(1, 15_000);
      const [, again] = await exec.connected.waitFor(2, 15_000);
      await daemon.connected.waitFor(2, 15_000);
      assert.equal(again!.recovered, false);
      assert.notEqual(again!.connectionId, first);
      assert.equal(exec.conn.state, 'connected');
      await daemon.conn.sendToGroup('ra.discovery', { probe: 2 });
      assert.deepEqual((await exec.inbox.waitFor(1))[0]!.data, { probe: 2 });
    } finally {
      await Promise.all([exec.conn.stop(), daemon.conn.stop()]);
      await own.close();
    }
  });

  it('stop() while it is reconnecting really stops the SDK', { timeout: 10_000 }, async () => {
    const key = randomBytes(32).toString('base64');
    const own = await startRelay({ accessKey: key, logger: silentLogger });
    // A clock that never moves: stop() can only resolve because the SDK itself reported `stopped`.
    const conn = createWebPubSubConnection({
      access: access(key, own),
      userId: 'e6',
      role: 'executor',
      logger: silentLogger,
      clock: new ManualClock(),
      keepAliveIntervalMs: 0,
      keepAliveTimeoutMs: 0,
    });
    const disconnected = new Inbox<string>();
    conn.on('disconnected', (e) => disconnected.push(e.message));
    await conn.start();
    await own.close();
    await disconnected.waitFor(1);
    assert.equal(conn.state, 'reconnecting');
    await conn.stop();
    assert.equal(conn.state, 'stopped');
  });

  it('takes over the SDK\'s sockets, so bulk frames skip its JSON encoding (the seam exists in the pinned SDK)', async () => {
    const logger = memoryLogger('debug');
    const conn = createWebPubSubConnection({ access: access(), userId: 'e6', role: 'executor', logger, keepAliveIntervalMs: 0, keepAliveTimeoutMs: 0 });
    await conn.start();
    await conn.stop();
    assert.ok(logger.lines.some((line) => line.includes('relay connected')), logger.lines.join('\n'));
    assert.ok(!logger.lines.some((line) => line.includes('no socket factory')), logger.lines.join('\n'));
  });

  it('a key the relay does not know fails start with UNAUTHORIZED, never showing key or token', async () => {
    const wrongKey = randomBytes(32).toString('base64');
    const logger = memoryLogger('debug');
    const conn = createWebPubSubConnection({ access: access(wrongKey), userId: 'e4', role: 'executor', logger, keepAliveIntervalMs: 0, keepAliveTimeoutMs: 0 });
    await assert.rejects(conn.start(), (err: unknown) => {
      assert.ok(err instanceof RemoteAgentError);
      assert.equal(err.code, ErrorCode.Unauthorized);
      assert.match(err.message, /401/);
      assert.match(err.message, /client\/hubs\/rexec/);
      assert.ok(!err.message.includes(wrongKey) && !err.message.includes('access_token='));
      return true;
    });
    assert.ok(!logger.lines.join('\n').includes(wrongKey));
    await conn.stop();
    assert.equal(conn.state, 'stopped');
  });

  it('no relay listening fails start with NOT_CONNECTED', async () => {
    const gone = await startRelay({ accessKey, logger: silentLogger });
    const goneAccess = access(accessKey, gone);
    await gone.close();
    const conn = createWebPubSubConnection({ access: goneAccess, userId: 'e5', role: 'executor', logger: silentLogger, keepAliveIntervalMs: 0, keepAliveTimeoutMs: 0 });
    await assert.rejects(conn.start(), (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.NotConnected && /running and reachable/.test(err.message));
  });
});
