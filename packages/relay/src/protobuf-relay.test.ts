import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  clientHubUrl,
  decodeDownstream,
  encodeUpstream,
  memoryLogger,
  PROTOBUF_PROTOCOL,
  PROTOBUF_RELIABLE_PROTOCOL,
  ProtoWriter,
  signClientToken,
  type Downstream,
  type Upstream,
} from '@remote-agent/transport';
import { JSON_PROTOCOL, RELIABLE_PROTOCOL } from './json-protocol.js';
import { startRelay, type RelayEvents, type RelayServer } from './server.js';

/** Collects what a socket receives; a test takes items out by predicate, in arrival order. */
class Received<T> {
  readonly all: T[] = [];
  private readonly pending: T[] = [];
  private wake: (() => void) | null = null;

  push(item: T): void {
    this.all.push(item);
    this.pending.push(item);
    this.wake?.();
  }

  /** The oldest item not yet taken that matches (already received or to come). */
  async next(predicate: (item: T) => boolean, timeoutMs = 5_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${show(this.all.slice(-5))}`)), timeoutMs);
    });
    try {
      for (;;) {
        const at = this.pending.findIndex(predicate);
        if (at >= 0) return this.pending.splice(at, 1)[0]!;
        await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), timedOut]);
      }
    } finally {
      clearTimeout(timer);
      this.wake = null;
    }
  }
}

function show(items: unknown[]): string {
  return JSON.stringify(items, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' ? `<${(v as { data: number[] }).data.length} bytes>` : v));
}

type Sendable = Exclude<Upstream, { type: 'unknown' }>;

/** A client speaking a protobuf subprotocol with the transport's codec. */
class ProtoClient {
  readonly frames = new Received<Downstream>();
  readonly textFrames: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.frames.push(decodeDownstream(data));
      else this.textFrames.push(String(data));
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, protocol = PROTOBUF_RELIABLE_PROTOCOL): Promise<ProtoClient> {
    const client = new ProtoClient(new WebSocket(url, protocol));
    await once(client.ws, 'open');
    return client;
  }

  /** Opens and waits for the `connected` system message. */
  static async connect(url: string, protocol?: string): Promise<{ client: ProtoClient; connected: Extract<Downstream, { type: 'connected' }> }> {
    const client = await ProtoClient.open(url, protocol);
    const first = await client.frames.next(() => true);
    if (first.type !== 'connected') throw new Error(`expected a connected message, got ${show([first])}`);
    return { client, connected: first };
  }

  send(msg: Sendable): void {
    this.ws.send(encodeUpstream(msg));
  }

  sendRaw(bytes: Buffer | string): void {
    this.ws.send(bytes);
  }

  ack(ackId: number): Promise<Downstream> {
    return this.frames.next((f) => f.type === 'ack' && f.ackId === ackId);
  }

  data(): Promise<Extract<Downstream, { type: 'data' }>> {
    return this.frames.next((f) => f.type === 'data') as Promise<Extract<Downstream, { type: 'data' }>>;
  }

  close(): void {
    this.ws.close();
  }
}

type JsonFrame = Record<string, unknown>;

/** A client speaking a JSON subprotocol. */
class JsonClient {
  readonly frames = new Received<JsonFrame>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(String(data)) as JsonFrame));
  }

  static async connect(url: string, protocol = RELIABLE_PROTOCOL): Promise<JsonClient> {
    const client = new JsonClient(new WebSocket(url, protocol));
    await once(client.ws, 'open');
    await client.frames.next((f) => f.event === 'connected');
    return client;
  }

  send(frame: JsonFrame): void {
    this.ws.send(JSON.stringify(frame));
  }

  close(): void {
    this.ws.close();
  }
}

const accessKey = randomBytes(32).toString('base64');
const logger = memoryLogger('debug');
let relay: RelayServer;

function url(userId: string, roles: string[], groups: string[] = []): string {
  const token = signClientToken({ accessKey, audience: clientHubUrl(relay.url, 'rexec'), userId, roles, groups, now: Date.now(), lifetimeSeconds: 600 });
  return `${clientHubUrl(relay.url, 'rexec').replace(/^http/, 'ws')}?access_token=${token}`;
}

function recoveryUrl(connectionId: string, reconnectionToken: string): string {
  return `${clientHubUrl(relay.url, 'rexec').replace(/^http/, 'ws')}?awps_connection_id=${connectionId}&awps_reconnection_token=${reconnectionToken}`;
}

function relayEvent<E extends keyof RelayEvents>(event: E, predicate: (e: Parameters<RelayEvents[E]>[0]) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const off = relay.on(event, ((e: Parameters<RelayEvents[E]>[0]) => {
      if (!predicate(e)) return;
      off();
      resolve();
    }) as RelayEvents[E]);
  });
}

const text = (s: string) => ({ kind: 'text' as const, bytes: Buffer.from(s) });

before(async () => {
  relay = await startRelay({ accessKey, logger, limits: { keepAliveIntervalMs: 0, maxFrameBytes: 64 * 1024, socketMaxPayloadBytes: 256 * 1024 } });
});

after(async () => {
  await relay.close();
  assert.ok(!logger.lines.join('\n').includes(accessKey), 'the access key never reaches a log line');
});

describe('protobuf subprotocols', () => {
  it('a reliable client joins, sends, is acked, gets numbered messages, acks them and recovers the rest after a drop', async () => {
    const { client, connected } = await ProtoClient.connect(url('p1', ['webpubsub.joinLeaveGroup.rel', 'webpubsub.sendToGroup.rel']));
    assert.equal(connected.userId, 'p1');
    assert.ok(connected.reconnectionToken, 'the reliable protocol gets a reconnection token');
    const { connectionId, reconnectionToken } = connected as { connectionId: string; reconnectionToken: string };

    client.send({ type: 'joinGroup', group: 'rel', ackId: 1 });
    assert.deepEqual(await client.ack(1), { type: 'ack', ackId: 1, success: true });
    for (let i = 1; i <= 4; i++) client.send({ type: 'sendToGroup', group: 'rel', ackId: 10 + i, noEcho: false, stream: false, data: text(`m${i}`) });
    for (let i = 1; i <= 4; i++) assert.deepEqual(await client.ack(10 + i), { type: 'ack', ackId: 10 + i, success: true });
    const got = [await client.data(), await client.data(), await client.data(), await client.data()];
    assert.deepEqual(
      got.map((m) => [m.from, m.group, m.data?.kind, m.data?.bytes.toString(), m.sequenceId]),
      [1, 2, 3, 4].map((i) => ['group', 'rel', 'text', `m${i}`, i]),
    );
    client.send({ type: 'sequenceAck', sequenceId: 2 });
    client.send({ type: 'ping' });
    await client.frames.next((f) => f.type === 'pong');
    assert.deepEqual(client.textFrames, [], 'a protobuf client only ever gets binary frames');

    const dropped = relayEvent('disconnected', (e) => e.connectionId === connectionId);
    assert.ok(relay.dropConnection(connectionId));
    await dropped;
    const again = await ProtoClient.connect(recoveryUrl(connectionId, reconnectionToken));
    try {
      assert.equal(again.connected.connectionId, connectionId, 'the same connection comes back');
      const resent = [await again.client.data(), await again.client.data()];
      assert.deepEqual(resent.map((m) => [m.sequenceId, m.data?.bytes.toString()]), [[3, 'm3'], [4, 'm4']]);
      again.client.send({ type: 'sendToGroup', group: 'rel', ackId: 14, noEcho: false, stream: false, data: text('again') });
      const duplicate = await again.client.ack(14);
      assert.equal(duplicate.type === 'ack' && duplicate.error?.name, 'Duplicate');
      again.client.send({ type: 'sendToGroup', group: 'rel', ackId: 15, noEcho: false, stream: false, data: text('m5') });
      const fifth = await again.client.data();
      assert.deepEqual([fifth.sequenceId, fifth.data?.bytes.toString()], [5, 'm5']);
    } finally {
      again.client.close();
    }
  });

  it('the plain protobuf protocol has no reconnection token and no sequence ids', async () => {
    const { client, connected } = await ProtoClient.connect(url('p2', ['webpubsub.sendToGroup.plain'], ['plain']), PROTOBUF_PROTOCOL);
    try {
      assert.equal(connected.reconnectionToken, undefined);
      client.send({ type: 'sendToGroup', group: 'plain', noEcho: false, stream: false, data: { kind: 'binary', bytes: Buffer.from([9, 8, 7]) } });
      const msg = await client.data();
      assert.deepEqual(msg, { type: 'data', from: 'group', group: 'plain', data: { kind: 'binary', bytes: Buffer.from([9, 8, 7]) }, sequenceId: undefined });
    } finally {
      client.close();
    }
  });

  it('enforces permissions: Forbidden acks for join and send', async () => {
    const { client } = await ProtoClient.connect(url('p3', ['webpubsub.joinLeaveGroup.mine']));
    try {
      client.send({ type: 'joinGroup', group: 'theirs', ackId: 1 });
      client.send({ type: 'sendToGroup', group: 'mine', ackId: 2, noEcho: false, stream: false, data: text('x') });
      client.send({ type: 'joinGroup', group: 'mine', ackId: 3 });
      const [a1, a2, a3] = [await client.ack(1), await client.ack(2), await client.ack(3)];
      assert.deepEqual(a1, { type: 'ack', ackId: 1, success: false, error: { name: 'Forbidden', message: 'the connection has no permission to join or leave group theirs' } });
      assert.deepEqual(a2, { type: 'ack', ackId: 2, success: false, error: { name: 'Forbidden', message: 'the connection has no permission to send to group mine' } });
      assert.deepEqual(a3, { type: 'ack', ackId: 3, success: true });
    } finally {
      client.close();
    }
  });

  it('refuses malformed protobuf, text frames, streams, unknown members and oversize frames without closing', async () => {
    const { client } = await ProtoClient.connect(url('p4', ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup']));
    try {
      const sendToGroup = (build: (m: ProtoWriter) => void) => new ProtoWriter().messageField(1, build).finish();
      client.sendRaw(Buffer.from([0xff, 0xff, 0xff]));
      client.sendRaw('{"type":"joinGroup","group":"g","ackId":1}');
      client.sendRaw(sendToGroup((m) => m.stringField(1, 'g').varintField(2, 2).messageField(3, (d) => d.bytesField(1, Buffer.from([0xc3, 0x28])))));
      client.sendRaw(sendToGroup((m) => m.stringField(1, 'g').varintField(2, 3).messageField(3, (d) => d.bytesField(4, Buffer.from('{"a":')))));
      client.sendRaw(sendToGroup((m) => m.stringField(1, 'g').varintField(2, 4).messageField(7, (s) => s.stringField(1, 'stream-1'))));
      client.sendRaw(new ProtoWriter().messageField(3, (m) => m.varintField(2, 5)).finish());
      client.send({ type: 'sendToGroup', group: '', ackId: 6, noEcho: false, stream: false, data: text('x') });
      client.send({ type: 'sendToGroup', group: 'g', ackId: 7, noEcho: false, stream: false });
      client.send({ type: 'sendToGroup', group: 'g', ackId: 8, noEcho: false, stream: false, data: { kind: 'binary', bytes: Buffer.alloc(64 * 1024) } });
      client.sendRaw(sendToGroup((m) => m.stringField(1, 'g').varintField(2, 9).bytesField(3, Buffer.from([0x0a, 0x05, 0x41]))));
      client.send({ type: 'joinGroup', group: 'g', ackId: 10 });
      const acks = [];
      for (let i = 0; i < 8; i++) acks.push(await client.frames.next((f) => f.type === 'ack'));
      const summary = acks.map((a) => (a.type === 'ack' ? [a.ackId, a.success, a.error?.name, a.error?.message] : null));
      assert.deepEqual(
        summary.map((s) => s!.slice(0, 3)),
        [
          [2, false, 'BadRequest'],
          [3, false, 'BadRequest'],
          [4, false, 'BadRequest'],
          [6, false, 'BadRequest'],
          [7, false, 'BadRequest'],
          [8, false, 'BadRequest'],
          [9, false, 'BadRequest'],
          [10, true, undefined],
        ],
        'only frames with a readable ackId are answered; the connection stays',
      );
      const messages = summary.map((s) => String(s![3]));
      assert.match(messages[0]!, /not UTF-8/);
      assert.match(messages[1]!, /json_data is not valid JSON/);
      assert.match(messages[2]!, /sendToGroup with stream.*not supported/);
      assert.match(messages[3]!, /group/);
      assert.match(messages[4]!, /needs data/);
      assert.match(messages[5]!, /over the 65536-byte limit/);
      assert.match(messages[6]!, /cut short|says \d+ bytes/);
      const warnings = logger.lines.filter((l) => l.includes('refused malformed frame') && l.includes('userId=p4'));
      assert.equal(warnings.length, 1, 'one warning per connection and kind');
      assert.ok(logger.lines.some((l) => l.includes('refused unsupported message') && l.includes('userId=p4')));
    } finally {
      client.close();
    }
  });

  it('refuses a recovery with another subprotocol than the session was made with', async () => {
    const { client, connected } = await ProtoClient.connect(url('p5', []));
    const { connectionId, reconnectionToken } = connected as { connectionId: string; reconnectionToken: string };
    const dropped = relayEvent('disconnected', (e) => e.connectionId === connectionId);
    relay.dropConnection(connectionId);
    await dropped;
    await client.closed;

    const json = new WebSocket(recoveryUrl(connectionId, reconnectionToken), RELIABLE_PROTOCOL);
    const [data] = (await once(json, 'message')) as [Buffer];
    const [code] = (await once(json, 'close')) as [number];
    assert.equal(code, 1008);
    const disconnected = JSON.parse(String(data)) as { event: string; message: string };
    assert.equal(disconnected.event, 'disconnected');
    assert.match(disconnected.message, /made with protobuf\.reliable\.webpubsub\.azure\.v1 and cannot be recovered with json\.reliable\.webpubsub\.azure\.v1/);

    const plain = await ProtoClient.open(recoveryUrl(connectionId, reconnectionToken), PROTOBUF_PROTOCOL);
    assert.match(JSON.stringify(await plain.frames.next(() => true)), /cannot be recovered with protobuf\.webpubsub\.azure\.v1/);
    assert.equal((await plain.closed).code, 1008);

    const same = await ProtoClient.connect(recoveryUrl(connectionId, reconnectionToken));
    assert.equal(same.connected.connectionId, connectionId, 'the right subprotocol still recovers it');
    same.client.close();
  });
});

describe('JSON and protobuf clients in one group', () => {
  it('a JSON sender reaches a protobuf receiver: json and text as text_data, binary and protobuf as bytes', async () => {
    const receiver = await ProtoClient.connect(url('pr', [], ['mixed.a']));
    const sender = await JsonClient.connect(url('js', ['webpubsub.sendToGroup.mixed.a']));
    try {
      const bytes = randomBytes(300);
      sender.send({ type: 'sendToGroup', group: 'mixed.a', ackId: 1, dataType: 'json', data: { a: [1, 'x'], s: 'é' } });
      sender.send({ type: 'sendToGroup', group: 'mixed.a', ackId: 2, dataType: 'text', data: 'héllo "q" \n' });
      sender.send({ type: 'sendToGroup', group: 'mixed.a', ackId: 3, dataType: 'binary', data: bytes.toString('base64') });
      sender.ws.send(`{"type":"sendToGroup","group":"mixed.a","ackId":4,"dataType":"protobuf","data":"\\u0041QID"}`);
      const got = [await receiver.client.data(), await receiver.client.data(), await receiver.client.data(), await receiver.client.data()];
      assert.deepEqual(got.map((m) => [m.from, m.group, m.sequenceId]), [1, 2, 3, 4].map((i) => ['group', 'mixed.a', i]));
      assert.deepEqual(got.map((m) => m.data), [
        { kind: 'text', bytes: Buffer.from('{"a":[1,"x"],"s":"é"}') },
        { kind: 'text', bytes: Buffer.from('héllo "q" \n') },
        { kind: 'binary', bytes },
        { kind: 'protobuf', bytes: Buffer.from([1, 2, 3]) },
      ]);
    } finally {
      receiver.client.close();
      sender.close();
    }
  });

  it('a protobuf sender reaches a JSON receiver: text, json, binary and protobuf as the JSON protocol carries them', async () => {
    const receiver = await JsonClient.connect(url('jr', [], ['mixed.b']));
    const { client: sender } = await ProtoClient.connect(url('ps', ['webpubsub.sendToGroup.mixed.b']));
    try {
      const bytes = randomBytes(300);
      sender.send({ type: 'sendToGroup', group: 'mixed.b', ackId: 1, noEcho: false, stream: false, data: text('héllo "q"') });
      sender.send({ type: 'sendToGroup', group: 'mixed.b', ackId: 2, noEcho: false, stream: false, data: { kind: 'json', bytes: Buffer.from('{"k":[true,null]}') } });
      sender.send({ type: 'sendToGroup', group: 'mixed.b', ackId: 3, noEcho: false, stream: false, data: { kind: 'binary', bytes } });
      sender.send({ type: 'sendToGroup', group: 'mixed.b', ackId: 4, noEcho: false, stream: false, data: { kind: 'protobuf', bytes: Buffer.from([1, 2]) } });
      for (let i = 1; i <= 4; i++) assert.deepEqual(await sender.ack(i), { type: 'ack', ackId: i, success: true });
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await receiver.frames.next((f) => f.type === 'message'));
      const base = { type: 'message', from: 'group', group: 'mixed.b', fromUserId: 'ps' };
      assert.deepEqual(got, [
        { ...base, sequenceId: 1, dataType: 'text', data: 'héllo "q"' },
        { ...base, sequenceId: 2, dataType: 'json', data: { k: [true, null] } },
        { ...base, sequenceId: 3, dataType: 'binary', data: bytes.toString('base64') },
        { ...base, sequenceId: 4, dataType: 'protobuf', data: 'AQI=' },
      ]);
    } finally {
      receiver.close();
      sender.close();
    }
  });

  it('one send reaches JSON and protobuf members alike, each in its own format and numbering', async () => {
    const jsonPlain = await JsonClient.connect(url('j1', [], ['mixed.c']), JSON_PROTOCOL);
    const jsonReliable = await JsonClient.connect(url('j2', ['webpubsub.sendToGroup.mixed.c'], ['mixed.c']));
    const protoPlain = await ProtoClient.connect(url('q1', [], ['mixed.c']), PROTOBUF_PROTOCOL);
    const protoReliable = await ProtoClient.connect(url('q2', ['webpubsub.sendToGroup.mixed.c'], ['mixed.c']));
    try {
      protoReliable.client.send({ type: 'sendToGroup', group: 'mixed.c', ackId: 1, noEcho: true, stream: false, data: { kind: 'binary', bytes: Buffer.from('bulk') } });
      jsonReliable.send({ type: 'sendToGroup', group: 'mixed.c', dataType: 'binary', data: Buffer.from('more').toString('base64'), noEcho: true });
      const j1 = [await jsonPlain.frames.next((f) => f.type === 'message'), await jsonPlain.frames.next((f) => f.type === 'message')];
      assert.deepEqual(j1.map((f) => [f.sequenceId, f.dataType, Buffer.from(String(f.data), 'base64').toString(), f.fromUserId]), [
        [undefined, 'binary', 'bulk', 'q2'],
        [undefined, 'binary', 'more', 'j2'],
      ]);
      const j2 = await jsonReliable.frames.next((f) => f.type === 'message');
      assert.deepEqual([j2.sequenceId, Buffer.from(String(j2.data), 'base64').toString()], [1, 'bulk']);
      const q1 = [await protoPlain.client.data(), await protoPlain.client.data()];
      assert.deepEqual(q1.map((m) => [m.sequenceId, m.data?.bytes.toString()]), [[undefined, 'bulk'], [undefined, 'more']]);
      const q2 = await protoReliable.client.data();
      assert.deepEqual([q2.sequenceId, q2.data?.kind, q2.data?.bytes.toString()], [1, 'binary', 'more'], 'noEcho kept its own send away');
    } finally {
      jsonPlain.close();
      jsonReliable.close();
      protoPlain.client.close();
      protoReliable.client.close();
    }
  });
});
