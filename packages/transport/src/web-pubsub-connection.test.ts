import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError, WirePieces } from '@remote-agent/contracts';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { GroupMessage, RelayConnection } from './connection.js';
import { memoryLogger, silentLogger, type Logger } from './logger.js';
import { encodeDownstream, decodeUpstream, PROTOBUF_RELIABLE_PROTOCOL, type ProtoData, type Upstream } from './protobuf/web-pubsub-proto.js';
import { createWebPubSubConnection } from './web-pubsub-connection.js';

const JSON_RELIABLE = 'json.reliable.webpubsub.azure.v1';
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Collects items and lets a test wait for a count; the timeout only bounds a failing test. */
class Inbox<T> {
  readonly items: T[] = [];
  private cursor = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => (this.items.length >= w.count ? (w.resolve(), false) : true));
  }

  async waitFor(count: number, timeoutMs = 5_000): Promise<T[]> {
    if (this.items.length >= count) return this.items;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.waiters.push({ count, resolve })),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`expected ${count} items, got ${this.items.length}`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    return this.items;
  }

  /** The next item, past those an earlier call returned or skipped, that matches. */
  async next(match: (item: T) => boolean, timeoutMs = 5_000): Promise<T> {
    for (;;) {
      const items = await this.waitFor(this.cursor + 1, timeoutMs);
      const item = items[this.cursor++]!;
      if (match(item)) return item;
    }
  }
}

interface Received {
  subprotocol: string;
  binary: boolean;
  /** Protobuf frames decoded with the codec; JSON frames as parsed, with their text beside. */
  message: Upstream | { type: string; [key: string]: unknown };
  text?: string;
}

/**
 * Just enough of a Web PubSub relay, in both reliable subprotocols, to see the frames the connection writes
 * and to send it frames of our choosing: acks (Forbidden for groups named so), group fan-out with sequence ids.
 */
class FakeRelay {
  readonly received = new Inbox<Received>();
  readonly sockets: WebSocket[] = [];
  private readonly members = new Map<string, Set<WebSocket>>();
  private readonly sequence = new Map<WebSocket, number>();
  private nextConnection = 0;

  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(): Promise<FakeRelay> {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (offered) => (offered.has(PROTOBUF_RELIABLE_PROTOCOL) ? PROTOBUF_RELIABLE_PROTOCOL : offered.has(JSON_RELIABLE) ? JSON_RELIABLE : false),
    });
    await once(server, 'listening');
    return new FakeRelay(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/client/hubs/rexec?access_token=test`;
  }

  /** A group message to `socket` with the next sequence id (or the one given), in the socket's subprotocol. */
  sendGroupData(socket: WebSocket, group: string, data: ProtoData, sequenceId = this.nextSequence(socket)): void {
    if (socket.protocol === PROTOBUF_RELIABLE_PROTOCOL) {
      socket.send(encodeDownstream({ type: 'data', from: 'group', group, data, sequenceId }));
      return;
    }
    const payload = data.kind === 'json' ? JSON.parse(data.bytes.toString()) : data.kind === 'text' ? data.bytes.toString() : data.bytes.toString('base64');
    socket.send(JSON.stringify({ type: 'message', from: 'group', fromUserId: 'peer', group, dataType: data.kind, data: payload, sequenceId }));
  }

  async close(): Promise<void> {
    for (const socket of this.server.clients) socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private nextSequence(socket: WebSocket): number {
    const next = (this.sequence.get(socket) ?? 0) + 1;
    this.sequence.set(socket, next);
    return next;
  }

  private accept(socket: WebSocket): void {
    this.sockets.push(socket);
    const connectionId = `conn-${++this.nextConnection}`;
    const protobuf = socket.protocol === PROTOBUF_RELIABLE_PROTOCOL;
    socket.send(
      protobuf
        ? encodeDownstream({ type: 'connected', connectionId, userId: 'u1', reconnectionToken: 'tok' })
        : JSON.stringify({ type: 'system', event: 'connected', connectionId, userId: 'u1', reconnectionToken: 'tok' }),
    );
    socket.on('message', (raw: RawData, binary: boolean) => {
      const frame = raw as Buffer;
      const received: Received = protobuf
        ? { subprotocol: socket.protocol, binary, message: decodeUpstream(frame) }
        : { subprotocol: socket.protocol, binary, message: JSON.parse(frame.toString()) as Received['message'], text: frame.toString() };
      this.received.push(received);
      this.answer(socket, received.message);
    });
  }

  private answer(socket: WebSocket, message: Received['message']): void {
    const m = message as { type: string; group?: string; ackId?: number; noEcho?: boolean; data?: unknown; dataType?: string };
    if (m.type === 'joinGroup') {
      let set = this.members.get(m.group!);
      if (!set) this.members.set(m.group!, (set = new Set()));
      set.add(socket);
    }
    if (m.ackId !== undefined) {
      const forbidden = m.group?.startsWith('forbidden') === true;
      const ack = forbidden ? { ackId: m.ackId, success: false, error: { name: 'Forbidden', message: 'no role' } } : { ackId: m.ackId, success: true };
      socket.send(socket.protocol === PROTOBUF_RELIABLE_PROTOCOL ? encodeDownstream({ type: 'ack', ...ack }) : JSON.stringify({ type: 'ack', ...ack }));
      if (forbidden) return;
    }
    if (m.type !== 'sendToGroup') return;
    for (const member of this.members.get(m.group!) ?? []) {
      if (m.noEcho && member === socket) continue;
      this.sendGroupData(member, m.group!, this.dataOf(m));
    }
  }

  private dataOf(m: { data?: unknown; dataType?: string }): ProtoData {
    if ((m.data as ProtoData | undefined)?.bytes instanceof Buffer) return m.data as ProtoData;
    if (m.dataType === 'binary') return { kind: 'binary', bytes: Buffer.from(m.data as string, 'base64') };
    if (m.dataType === 'text') return { kind: 'text', bytes: utf8(m.data as string) };
    return { kind: 'json', bytes: utf8(JSON.stringify(m.data)) };
  }
}

let relay: FakeRelay;

before(async () => {
  relay = await FakeRelay.start();
});

after(async () => {
  await relay.close();
});

interface Peer {
  conn: RelayConnection;
  inbox: Inbox<GroupMessage>;
  socket: WebSocket;
}

async function connect(protocol: 'protobuf' | 'json' | undefined, logger: Logger = silentLogger): Promise<Peer> {
  const conn = createWebPubSubConnection({
    access: { mode: 'client-access-url', url: relay.url },
    userId: 'u1',
    role: 'executor',
    logger,
    keepAliveIntervalMs: 0,
    keepAliveTimeoutMs: 0,
    messageRetries: 0,
    ...(protocol === undefined ? {} : { protocol }),
  });
  const inbox = new Inbox<GroupMessage>();
  conn.on('message', (m) => inbox.push(m));
  const accepted = relay.sockets.length;
  await conn.start();
  return { conn, inbox, socket: relay.sockets[accepted]! };
}

function sendsToGroup(group: string) {
  return (r: Received): boolean => r.message.type === 'sendToGroup' && (r.message as { group?: string }).group === group;
}

describe('WebPubSubConnection in protobuf mode (the default)', () => {
  it('speaks protobuf.reliable.webpubsub.azure.v1 and says so once connected', async () => {
    const logger = memoryLogger('debug');
    const { conn, socket } = await connect(undefined, logger);
    assert.equal(socket.protocol, PROTOBUF_RELIABLE_PROTOCOL);
    const connected = logger.lines.filter((line) => line.includes('relay connected'));
    assert.equal(connected.length, 1);
    assert.match(connected[0]!, /protobuf\.reliable\.webpubsub\.azure\.v1/);
    await conn.stop();
  });

  it('writes joins, acked JSON values and text through the SDK, and bulk Buffers straight to the socket as binary frames', async () => {
    const { conn } = await connect('protobuf');
    await conn.joinGroup('g-write');
    const join = await relay.received.next((r) => r.message.type === 'joinGroup');
    assert.deepEqual(join.message, { type: 'joinGroup', group: 'g-write', ackId: (join.message as { ackId: number }).ackId });
    assert.equal(join.binary, true);

    await conn.sendToGroup('g-write', { v: 1, list: [1, 'two'] });
    const json = await relay.received.next(sendsToGroup('g-write'));
    const jsonMsg = json.message as Extract<Upstream, { type: 'sendToGroup' }>;
    assert.ok(jsonMsg.ackId !== undefined && jsonMsg.ackId >= 2 ** 32, 'our ackIds start above the SDK counter');
    assert.deepEqual(jsonMsg.data, { kind: 'text', bytes: utf8('{"v":1,"list":[1,"two"]}') });

    await conn.sendToGroup('g-write', 'plain text', { noEcho: true });
    const text = (await relay.received.next(sendsToGroup('g-write'))).message as Extract<Upstream, { type: 'sendToGroup' }>;
    assert.deepEqual([text.noEcho, text.data], [true, { kind: 'text', bytes: utf8('plain text') }]);

    const bulk = Buffer.alloc(200 * 1024);
    for (let i = 0; i < bulk.length; i++) bulk[i] = i % 251;
    await conn.sendToGroup('g-write', bulk.subarray(10), { fireAndForget: true, noEcho: true });
    const direct = await relay.received.next(sendsToGroup('g-write'));
    assert.equal(direct.binary, true);
    assert.deepEqual(direct.message, { type: 'sendToGroup', group: 'g-write', ackId: undefined, noEcho: true, data: { kind: 'binary', bytes: bulk.subarray(10) }, stream: false });

    await conn.sendToGroup('g-write', new WirePieces([Buffer.from('head:'), bulk.subarray(0, 70_000)]), { fireAndForget: true });
    const pieces = (await relay.received.next(sendsToGroup('g-write'))).message as Extract<Upstream, { type: 'sendToGroup' }>;
    assert.deepEqual(pieces.data, { kind: 'binary', bytes: Buffer.concat([Buffer.from('head:'), bulk.subarray(0, 70_000)]) });

    await conn.sendToGroup('g-write', Uint8Array.from([1, 2, 3]));
    const acked = (await relay.received.next(sendsToGroup('g-write'))).message as Extract<Upstream, { type: 'sendToGroup' }>;
    assert.ok(acked.ackId !== undefined);
    assert.deepEqual(acked.data, { kind: 'binary', bytes: Buffer.from([1, 2, 3]) });

    await conn.sendToGroup('g-write', new WirePieces([Buffer.from([9]), Buffer.from([8, 7])]));
    const ackedPieces = (await relay.received.next(sendsToGroup('g-write'))).message as Extract<Upstream, { type: 'sendToGroup' }>;
    assert.ok(ackedPieces.ackId !== undefined, 'pieces sent with an ack take the SDK path, joined');
    assert.deepEqual(ackedPieces.data, { kind: 'binary', bytes: Buffer.from([9, 8, 7]) });
    await conn.stop();
  });

  it('delivers text as a string, bytes as a Buffer and json_data as its value, once each, and acknowledges them', async () => {
    const { conn, inbox, socket } = await connect('protobuf');
    relay.sendGroupData(socket, 'g-read', { kind: 'text', bytes: utf8('hello') }, 1);
    relay.sendGroupData(socket, 'g-read', { kind: 'text', bytes: utf8('hello again') }, 1);
    relay.sendGroupData(socket, 'g-read', { kind: 'binary', bytes: Buffer.from([0, 255]) }, 2);
    relay.sendGroupData(socket, 'g-read', { kind: 'json', bytes: utf8('{"a":[1,null]}') }, 3);
    const got = await inbox.waitFor(3);
    assert.equal(got[0]!.data, 'hello');
    assert.ok(Buffer.isBuffer(got[1]!.data));
    assert.deepEqual([...(got[1]!.data as Buffer)], [0, 255]);
    assert.deepEqual(got[2]!.data, { a: [1, null] });
    assert.deepEqual(got.map((m) => [m.group, m.fromUserId]), Array(3).fill(['g-read', undefined]));

    const ack = await relay.received.next((r) => r.message.type === 'sequenceAck' && (r.message as { sequenceId: number }).sequenceId === 3);
    assert.equal(ack.binary, true);
    assert.equal(inbox.items.length, 3, 'the repeated sequence id was dropped as a duplicate');
    await conn.stop();
  });

  it('acknowledges after 32 messages without waiting for a timer', async () => {
    const { conn, inbox, socket } = await connect('protobuf');
    for (let i = 1; i <= 32; i++) relay.sendGroupData(socket, 'g-burst', { kind: 'binary', bytes: Buffer.from([i]) }, i);
    await inbox.waitFor(32);
    await relay.received.next((r) => r.message.type === 'sequenceAck' && (r.message as { sequenceId: number }).sequenceId === 32);
    await conn.stop();
  });

  it('turns a Forbidden ack into RemoteAgentError FORBIDDEN', async () => {
    const { conn } = await connect('protobuf');
    await assert.rejects(conn.joinGroup('forbidden-join'), (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.Forbidden && /join group forbidden-join/.test(err.message));
    await assert.rejects(conn.sendToGroup('forbidden-send', { x: 1 }), (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.Forbidden);
    await conn.stop();
  });

  it('drops a frame it cannot read, says so, and goes on', async () => {
    const logger = memoryLogger('debug');
    const { conn, inbox, socket } = await connect('protobuf', logger);
    socket.send(Buffer.from('0a05', 'hex'));
    socket.send('{"type":"ack","ackId":1,"success":true}');
    relay.sendGroupData(socket, 'g-after', { kind: 'text', bytes: utf8('still here') }, 1);
    assert.equal((await inbox.waitFor(1))[0]!.data, 'still here');
    assert.equal(logger.lines.filter((line) => line.includes('dropped a frame from the relay')).length, 2, logger.lines.join('\n'));
    assert.equal(conn.state, 'connected');
    await conn.stop();
  });
});

describe('WebPubSubConnection in JSON mode', () => {
  it('speaks json.reliable.webpubsub.azure.v1 and sends a bulk Buffer straight to the socket as a base64 text frame', async () => {
    const logger = memoryLogger('debug');
    const { conn, inbox, socket } = await connect('json', logger);
    assert.equal(socket.protocol, JSON_RELIABLE);
    assert.ok(logger.lines.some((line) => line.includes('relay connected') && line.includes(JSON_RELIABLE)), logger.lines.join('\n'));
    await conn.joinGroup('g-json');
    const bulk = Buffer.from([0, 1, 2, 250, 251, 252]);
    await conn.sendToGroup('g-json', bulk, { fireAndForget: true });
    const direct = await relay.received.next(sendsToGroup('g-json'));
    assert.equal(direct.binary, false);
    assert.equal(direct.text, `{"type":"sendToGroup","group":"g-json","noEcho":false,"dataType":"binary","data":"${bulk.toString('base64')}"}`);
    assert.ok(Buffer.isBuffer((await inbox.waitFor(1))[0]!.data));
    assert.deepEqual([...(inbox.items[0]!.data as Buffer)], [...bulk]);

    await conn.sendToGroup('g-json', new WirePieces([bulk.subarray(0, 2), bulk.subarray(2)]), { fireAndForget: true });
    const joined = await relay.received.next(sendsToGroup('g-json'));
    assert.equal(joined.text, direct.text, 'pieces are sent as the one payload they make');

    await conn.sendToGroup('g-json', { v: 2 }, { fireAndForget: true });
    const value = await relay.received.next(sendsToGroup('g-json'));
    assert.deepEqual(value.message, { type: 'sendToGroup', group: 'g-json', noEcho: false, dataType: 'json', data: { v: 2 } });
    assert.deepEqual((await inbox.waitFor(3))[2]!.data, { v: 2 });
    await conn.stop();
  });
});
