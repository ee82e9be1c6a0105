import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SendMessageError } from '@azure/web-pubsub-client';
import { startRelay, type RelayOptions, type RelayServer } from '@remote-agent/relay';
import { ManualClock, memoryLogger } from '@remote-agent/transport';
import { registerCoreSdkChecks } from '../helpers/relay-sdk-checks.js';
import { handMadeToken, hubSocketUrl, RawClient, SdkClient, tokenUrl, upgradeStatus, type HubTarget } from '../helpers/web-pubsub-test-clients.js';

const logger = memoryLogger('debug');
const accessKey = randomBytes(32).toString('base64');
let relay: RelayServer;

function targetOf(r: RelayServer, hub = 'rexec'): HubTarget {
  return { connectionString: r.connectionString(), hub };
}

async function withRelay<T>(options: Partial<RelayOptions>, body: (r: RelayServer) => Promise<T>): Promise<T> {
  const r = await startRelay({ accessKey: randomBytes(32).toString('base64'), logger: memoryLogger('debug'), ...options });
  try {
    return await body(r);
  } finally {
    await r.close();
  }
}

type EventListener = (e: Record<string, unknown>) => void;

/** Resolves on the first relay event of that kind matching `predicate`. */
function relayEvent(
  r: RelayServer,
  event: 'connected' | 'disconnected' | 'session-ended',
  predicate: (e: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const on = r.on.bind(r) as (event: string, listener: EventListener) => () => void;
  return new Promise((resolve) => {
    const off = on(event, (e) => {
      if (!predicate(e)) return;
      off();
      resolve(e);
    });
  });
}

before(async () => {
  relay = await startRelay({ accessKey, logger });
});

after(async () => {
  await relay.close();
  const all = logger.lines.join('\n');
  assert.ok(!all.includes(accessKey), 'the access key never reaches a log line');
  assert.ok(!/access_token=(?!\[redacted\])/.test(all), 'tokens never reach a log line');
});

registerCoreSdkChecks('built-in relay: core Web PubSub behaviour', () => targetOf(relay));

describe('built-in relay: its own behaviour', () => {
  it('recovers a receiver whose socket drops mid-stream: same connection, nothing lost, in order', async () => {
    const target = targetOf(relay);
    const recv = await SdkClient.connect(target, { userId: 'recv', groups: ['stream'] });
    const send = await SdkClient.connect(target, { userId: 'send', roles: ['webpubsub.sendToGroup.stream'] });
    try {
      const recovered = relayEvent(relay, 'connected', (e) => e.connectionId === recv.connectionId && e.recovered === true);
      const sending = (async () => {
        for (let i = 0; i < 400; i++) await send.client.sendToGroup('stream', { i }, 'json');
      })();
      await recv.inbox.waitFor(150);
      assert.ok(relay.dropConnection(recv.connectionId));
      await sending;
      await recovered;
      const got = await recv.inbox.waitFor(400);
      assert.deepEqual(
        got.map((m) => (m.data as { i: number }).i),
        Array.from({ length: 400 }, (_, i) => i),
      );
      assert.deepEqual(recv.connectedIds, [recv.connectionId], 'the SDK kept its connection (no new one)');
      assert.equal(recv.disconnects, 0);
    } finally {
      await Promise.all([recv.stop(), send.stop()]);
    }
  });

  it('recovers a sender whose socket drops mid-stream: its retry is answered Duplicate, never delivered twice', async () => {
    const target = targetOf(relay);
    const recv = await SdkClient.connect(target, { userId: 'recv', groups: ['upstream'] });
    const send = await SdkClient.connect(target, {
      userId: 'send',
      roles: ['webpubsub.sendToGroup.upstream'],
      options: { messageRetryOptions: { maxRetries: 5, retryDelayInMs: 100 } },
    });
    try {
      for (let i = 0; i < 200; i++) {
        const sent = send.client.sendToGroup('upstream', { i }, 'json', { ackId: 1000 + i });
        if (i === 100) assert.ok(relay.dropConnection(send.connectionId));
        await sent;
      }
      await send.client.sendToGroup('upstream', { i: 'end' }, 'json', { ackId: 5000 });
      assert.deepEqual(
        (await recv.inbox.waitFor(201)).map((m) => (m.data as { i: number | string }).i),
        [...Array.from({ length: 200 }, (_, i) => i), 'end'],
      );
      assert.deepEqual(send.connectedIds, [send.connectionId]);
    } finally {
      await Promise.all([recv.stop(), send.stop()]);
    }
  });

  it('refuses a frame over 1 MB with an ack and keeps the connection usable', async () => {
    const target = targetOf(relay);
    const recv = await SdkClient.connect(target, { userId: 'recv', groups: ['big'] });
    const send = await SdkClient.connect(target, { userId: 'send', roles: ['webpubsub.sendToGroup.big'] });
    try {
      await assert.rejects(send.client.sendToGroup('big', 'x'.repeat(1024 * 1024 + 1), 'text'), (err: unknown) => {
        assert.ok(err instanceof SendMessageError);
        assert.equal(err.errorDetail?.name, 'BadRequest');
        assert.match(err.errorDetail?.message ?? '', /over the 1048576-byte limit/);
        return true;
      });
      const justUnder = 'y'.repeat(1024 * 1024 - 200);
      await send.client.sendToGroup('big', justUnder, 'text');
      const got = await recv.inbox.waitFor(1);
      assert.equal((got[0]!.data as string).length, justUnder.length);
      assert.deepEqual(send.connectedIds, [send.connectionId]);
    } finally {
      await Promise.all([recv.stop(), send.stop()]);
    }
  });

  it('closes a connection only past the socket limit (2 MB), with 1009', async () => {
    const t = targetOf(relay);
    const { client } = await RawClient.connect(tokenUrl(t, handMadeToken(t, {})));
    client.send('z'.repeat(3 * 1024 * 1024));
    assert.equal((await client.closed).code, 1009);
  });

  it('survives malformed frames: error acks where there is an ackId, the connection stays', async () => {
    const t = targetOf(relay);
    const { client } = await RawClient.connect(tokenUrl(t, handMadeToken(t, { roles: ['webpubsub.joinLeaveGroup.m'] })));
    try {
      client.send('not json at all');
      client.send('[1,2,3]');
      client.send({ type: 'joinGroup' });
      client.send({ type: 'sendToGroup', group: 'm', ackId: 'x', data: 1 });
      client.send({ type: 'teleport', ackId: 5 });
      client.send({ type: 'joinGroup', ackId: 6 });
      client.ws.send(Buffer.from([0xff, 0x00, 0x7b]), { binary: true });
      client.send({ type: 'sendToGroup', group: 'm', ackId: 7, dataType: 'binary', data: '***' });
      client.send({ type: 'joinGroup', group: 'm', ackId: 8 });
      const [a5, a6, a7, a8] = [
        await client.next((f) => f.type === 'ack'),
        await client.next((f) => f.type === 'ack'),
        await client.next((f) => f.type === 'ack'),
        await client.next((f) => f.type === 'ack'),
      ];
      assert.deepEqual([a5, a6, a7].map((a) => [a!.ackId, (a!.error as { name: string }).name]), [
        [5, 'BadRequest'],
        [6, 'BadRequest'],
        [7, 'BadRequest'],
      ]);
      assert.deepEqual(a8, { type: 'ack', ackId: 8, success: true });
    } finally {
      client.close();
    }
  });

  it('speaks the plain JSON subprotocol too: no reconnection token, no sequence ids', async () => {
    const t = targetOf(relay);
    const token = handMadeToken(t, { roles: ['webpubsub.joinLeaveGroup.plain', 'webpubsub.sendToGroup.plain'] });
    const { client, reconnectionToken } = await RawClient.connect(tokenUrl(t, token), 'json.webpubsub.azure.v1');
    try {
      assert.equal(reconnectionToken, undefined);
      client.send({ type: 'joinGroup', group: 'plain', ackId: 1 });
      client.send({ type: 'sendToGroup', group: 'plain', dataType: 'json', data: { p: 1 } });
      const msg = await client.next((f) => f.type === 'message');
      assert.deepEqual(msg, { type: 'message', from: 'group', group: 'plain', dataType: 'json', data: { p: 1 }, fromUserId: 'hand-made' });
    } finally {
      client.close();
    }
  });

  it('serves its status on / and /healthz, 404 elsewhere, 426 on a client path without upgrade', async () => {
    for (const path of ['/', '/healthz']) {
      const res = await fetch(`${relay.url}${path}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.status, 'ok');
      assert.equal(typeof body.version, 'string');
      assert.equal(typeof body.connections, 'number');
      assert.equal(typeof body.groups, 'number');
    }
    assert.equal((await fetch(`${relay.url}/nope`)).status, 404);
    assert.equal((await fetch(`${relay.url}/client/hubs/rexec`)).status, 426);
  });

  it('refuses a hub it does not serve, and an unsupported subprotocol', async () => {
    await withRelay({ hubs: ['rexec'] }, async (r) => {
      const other = targetOf(r, 'other');
      assert.equal(await upgradeStatus(tokenUrl(other, handMadeToken(other, {}))), 403);
      const t = targetOf(r);
      assert.equal(await upgradeStatus(tokenUrl(t, handMadeToken(t, {})), 'mqtt.webpubsub.azure.v1'), 400);
    });
  });

  it('ends a dropped session after the recovery window; recovering it then gets 1008', async () => {
    const clock = new ManualClock(Date.now());
    await withRelay({ clock, limits: { recoveryWindowMs: 30_000, keepAliveIntervalMs: 0 } }, async (r) => {
      const t = targetOf(r);
      const { client, connectionId, reconnectionToken } = await RawClient.connect(tokenUrl(t, handMadeToken(t, {})));
      const recoverUrl = `${hubSocketUrl(t)}?awps_connection_id=${connectionId}&awps_reconnection_token=${reconnectionToken}`;

      const dropped = relayEvent(r, 'disconnected', (e) => e.connectionId === connectionId);
      r.dropConnection(connectionId);
      await dropped;
      await client.closed;
      clock.advance(29_000);
      const again = await RawClient.connect(recoverUrl);
      assert.equal(again.connectionId, connectionId, 'within the window the session comes back');

      const droppedAgain = relayEvent(r, 'disconnected', (e) => e.connectionId === connectionId);
      r.dropConnection(connectionId);
      await droppedAgain;
      const ended = relayEvent(r, 'session-ended', (e) => e.connectionId === connectionId);
      clock.advance(30_001);
      assert.equal((await ended).reason, 'expired');
      const late = await RawClient.open(recoverUrl);
      assert.equal((await late.closed).code, 1008);

      const forged = await RawClient.open(`${hubSocketUrl(t)}?awps_connection_id=${connectionId}&awps_reconnection_token=wrong`);
      assert.equal((await forged.closed).code, 1008);
    });
  });

  it('drops a connection over its un-acked bound with 1008, as the service does', async () => {
    await withRelay({ limits: { maxUnackedMessages: 20 } }, async (r) => {
      const t = targetOf(r);
      const { client } = await RawClient.connect(tokenUrl(t, handMadeToken(t, { roles: ['webpubsub.joinLeaveGroup.flood'] })));
      client.send({ type: 'joinGroup', group: 'flood', ackId: 1 });
      await client.next((f) => f.type === 'ack');
      const send = await SdkClient.connect(t, { userId: 'send', roles: ['webpubsub.sendToGroup.flood'] });
      try {
        for (let i = 0; i < 25; i++) await send.client.sendToGroup('flood', { i }, 'json');
        const closed = await client.closed;
        assert.equal(closed.code, 1008);
        const sequenced = client.frames.items.filter((f) => f.type === 'message');
        assert.equal(sequenced.length, 20, 'it held exactly its bound');
        assert.ok(client.frames.items.some((f) => f.type === 'system' && f.event === 'disconnected'));
      } finally {
        await send.stop();
      }
    });
  });

  it('remembers ackIds across a recovery: a resend of a processed message is answered Duplicate', async () => {
    const t = targetOf(relay);
    const recv = await SdkClient.connect(t, { userId: 'recv', groups: ['resend'] });
    const { client, connectionId, reconnectionToken } = await RawClient.connect(
      tokenUrl(t, handMadeToken(t, { roles: ['webpubsub.sendToGroup.resend'] })),
    );
    try {
      client.send({ type: 'sendToGroup', group: 'resend', ackId: 7, dataType: 'text', data: 'once' });
      assert.deepEqual(await client.next((f) => f.type === 'ack'), { type: 'ack', ackId: 7, success: true });
      const dropped = relayEvent(relay, 'disconnected', (e) => e.connectionId === connectionId);
      relay.dropConnection(connectionId);
      await dropped;
      const again = await RawClient.connect(`${hubSocketUrl(t)}?awps_connection_id=${connectionId}&awps_reconnection_token=${reconnectionToken}`);
      try {
        again.client.send({ type: 'sendToGroup', group: 'resend', ackId: 7, dataType: 'text', data: 'once' });
        const ack = await again.client.next((f) => f.type === 'ack');
        assert.equal((ack.error as { name: string }).name, 'Duplicate');
        again.client.send({ type: 'sendToGroup', group: 'resend', ackId: 8, dataType: 'text', data: 'next' });
        assert.deepEqual((await recv.inbox.waitFor(2)).map((m) => m.data), ['once', 'next']);
      } finally {
        again.client.close();
      }
    } finally {
      await recv.stop();
    }
  });

  it('acknowledged messages are not sent again on recovery', async () => {
    const t = targetOf(relay);
    const { client, connectionId, reconnectionToken } = await RawClient.connect(
      tokenUrl(t, handMadeToken(t, { roles: ['webpubsub.joinLeaveGroup.acked'] })),
    );
    client.send({ type: 'joinGroup', group: 'acked', ackId: 1 });
    await client.next((f) => f.type === 'ack');
    const send = await SdkClient.connect(t, { userId: 'send', roles: ['webpubsub.sendToGroup.acked'] });
    try {
      for (let i = 1; i <= 5; i++) await send.client.sendToGroup('acked', { i }, 'json');
      const fifth = await client.next((f) => f.type === 'message' && (f.data as { i: number }).i === 5);
      client.send({ type: 'sequenceAck', sequenceId: Number(fifth.sequenceId) - 2 });
      client.send({ type: 'ping' });
      await client.next((f) => f.type === 'pong');
      const dropped = relayEvent(relay, 'disconnected', (e) => e.connectionId === connectionId);
      relay.dropConnection(connectionId);
      await dropped;
      await send.client.sendToGroup('acked', { i: 6 }, 'json');
      const again = await RawClient.connect(`${hubSocketUrl(t)}?awps_connection_id=${connectionId}&awps_reconnection_token=${reconnectionToken}`);
      try {
        const resent = await again.client.frames.waitFor(4);
        assert.deepEqual(
          resent.slice(1).map((f) => (f.data as { i: number }).i),
          [4, 5, 6],
        );
      } finally {
        again.client.close();
      }
    } finally {
      await send.stop();
    }
  });
});
