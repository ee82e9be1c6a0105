import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDownstream, PROTOBUF_RELIABLE_PROTOCOL, type Downstream } from '@remote-agent/transport';
import { MAX_FREE_SLABS, SLAB_BYTES, SlabPool } from './frame-arena.js';
import { GroupMessage } from './group-message.js';
import { RELIABLE_PROTOCOL, JSON_PROTOCOL } from './json-protocol.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from './limits.js';
import { Permissions } from './permissions.js';
import { Session, type RelaySocket } from './session.js';
import { subprotocolNamed } from './subprotocols.js';
import { UnackedQueue } from './unacked-queue.js';
import { RecentIds } from './recent-ids.js';
import type { Frame } from './wire-codec.js';

class FakeSocket implements RelaySocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  readonly binary: Buffer[] = [];
  send(data: Frame, options: { binary: boolean }): void {
    if (options.binary) this.binary.push(Buffer.from(data));
    else this.sent.push(data.toString());
  }
  close(): void {
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
  ping(): void {}
}

function session(reliable: boolean | string, limits: Partial<RelayLimits> = {}, slabs = new SlabPool(SLAB_BYTES, MAX_FREE_SLABS)): Session {
  const name = typeof reliable === 'string' ? reliable : reliable ? RELIABLE_PROTOCOL : JSON_PROTOCOL;
  return new Session({
    connectionId: 'c1',
    hub: 'h',
    userId: 'u',
    protocol: subprotocolNamed(name)!,
    permissions: Permissions.fromRoles([]),
    reconnectionToken: 't',
    limits: { ...DEFAULT_RELAY_LIMITS, ...limits },
    slabs,
  });
}

/** A group message whose data is `{"n":n}`. */
const msg = (n: number): GroupMessage => new GroupMessage('g', { format: 'json', dataType: 'json', json: Buffer.from(`{"n":${n}}`) }, 'u');

const seqOf = (frame: string): number => (JSON.parse(frame) as { sequenceId: number }).sequenceId;
const nOf = (frame: string): number => (JSON.parse(frame) as { data: { n: number } }).data.n;

test('a reliable session numbers messages from 1 and keeps them until acknowledged', () => {
  const s = session(true);
  const ws = new FakeSocket();
  s.attach(ws);
  assert.deepEqual(JSON.parse(ws.sent[0]!), { type: 'system', event: 'connected', userId: 'u', connectionId: 'c1', reconnectionToken: 't' });
  for (let i = 0; i < 5; i++) assert.ok(s.deliver(msg(i)));
  assert.deepEqual(ws.sent.slice(1).map(seqOf), [1, 2, 3, 4, 5]);
  assert.deepEqual(JSON.parse(ws.sent[1]!), { sequenceId: 1, type: 'message', from: 'group', group: 'g', dataType: 'json', data: { n: 0 }, fromUserId: 'u' });
  assert.equal(s.unackedCount, 5);
  s.acknowledge(3);
  assert.equal(s.unackedCount, 2);
  s.acknowledge(99);
  assert.equal(s.unackedCount, 0, 'an ack past the last id frees everything, nothing more');
  assert.ok(s.deliver(msg(5)));
  assert.deepEqual(seqOf(ws.sent.at(-1)!), 6);
});

test('after a drop, un-acked and queued messages are sent again in order on the new socket', () => {
  const s = session(true);
  const first = new FakeSocket();
  s.attach(first);
  s.deliver(msg(1));
  s.deliver(msg(2));
  s.acknowledge(1);
  assert.ok(s.detach(first));
  s.deliver(msg(3));
  const second = new FakeSocket();
  s.attach(second);
  assert.equal(JSON.parse(second.sent[0]!).event, 'connected');
  assert.deepEqual(second.sent.slice(1).map(seqOf), [2, 3]);
  assert.deepEqual(second.sent.slice(1).map(nOf), [2, 3]);
  assert.equal(s.detach(first), false, 'a replaced socket no longer detaches the session');
});

test('bounds: message count and bytes', () => {
  const byCount = session(true, { maxUnackedMessages: 3 });
  byCount.attach(new FakeSocket());
  assert.deepEqual([1, 2, 3, 4].map((n) => byCount.deliver(msg(n))), [true, true, true, false]);
  const frameBytes = Buffer.byteLength('{"sequenceId":1,"type":"message","from":"group","group":"g","dataType":"json","data":{"n":1},"fromUserId":"u"}');
  const byBytes = session(true, { maxUnackedBytes: 2 * frameBytes - 1 });
  byBytes.attach(new FakeSocket());
  assert.deepEqual([byBytes.deliver(msg(1)), byBytes.deliver(msg(2))], [true, false], 'queued frames count their own bytes');
});

test('a plain (non-reliable) session sends unnumbered and bounds the socket buffer instead', () => {
  const s = session(false, { maxUnackedBytes: 100 });
  const ws = new FakeSocket();
  s.attach(ws);
  assert.equal(JSON.parse(ws.sent[0]!).reconnectionToken, undefined);
  assert.ok(s.deliver(msg(1)));
  assert.equal(ws.sent[1], '{"type":"message","from":"group","group":"g","dataType":"json","data":{"n":1},"fromUserId":"u"}');
  ws.bufferedAmount = 101;
  assert.equal(s.deliver(msg(2)), false);
});

test('ackIds are remembered up to a bound, oldest forgotten first', () => {
  const ids = new RecentIds(2);
  ids.add(1);
  ids.add(2);
  ids.add(3);
  assert.deepEqual([ids.has(1), ids.has(2), ids.has(3)], [false, true, true]);
});

test('each kind of warning is reported once', () => {
  const s = session(true);
  assert.deepEqual([s.firstWarning('a'), s.firstWarning('a'), s.firstWarning('b')], [true, false, true]);
});

test('the unacked queue compacts and keeps byte counts exact', () => {
  const q = new UnackedQueue();
  const released: number[] = [];
  for (let i = 1; i <= 5000; i++) q.push({ sequenceId: i, frame: Buffer.from(`f${i % 10}`), slab: null });
  q.acknowledge(4000, (e) => released.push(e.sequenceId));
  assert.equal(q.count, 1000);
  assert.equal(q.bytes, 2000);
  assert.equal(released.length, 4000);
  assert.deepEqual([...q.pending()].slice(0, 2).map((e) => e.sequenceId), [4001, 4002]);
  q.acknowledge(5000, (e) => released.push(e.sequenceId));
  assert.equal(q.count, 0);
  assert.equal(q.bytes, 0);
  assert.deepEqual(released, Array.from({ length: 5000 }, (_, i) => i + 1), 'every message released once, in order');
});

test('a protobuf session speaks binary frames only: greeting, numbered group messages, acks, pong', () => {
  const s = session(PROTOBUF_RELIABLE_PROTOCOL);
  const ws = new FakeSocket();
  s.attach(ws);
  s.deliver(msg(1));
  s.deliver(new GroupMessage('g', { format: 'protobuf', data: { kind: 'binary', bytes: Buffer.from([0, 1, 2]) } }, 'u'));
  s.sendAck(4);
  s.sendAck(5, { name: 'Forbidden', message: 'no' });
  s.sendPong();
  s.sendDisconnected('bye');
  assert.deepEqual(ws.sent, [], 'no text frame at all');
  const frames: Downstream[] = ws.binary.map((b) => decodeDownstream(b));
  assert.deepEqual(frames, [
    { type: 'connected', connectionId: 'c1', userId: 'u', reconnectionToken: 't' },
    { type: 'data', from: 'group', group: 'g', data: { kind: 'text', bytes: Buffer.from('{"n":1}') }, sequenceId: 1 },
    { type: 'data', from: 'group', group: 'g', data: { kind: 'binary', bytes: Buffer.from([0, 1, 2]) }, sequenceId: 2 },
    { type: 'ack', ackId: 4, success: true },
    { type: 'ack', ackId: 5, success: false, error: { name: 'Forbidden', message: 'no' } },
    { type: 'pong' },
    { type: 'disconnected', reason: 'bye' },
  ]);
  const again = new FakeSocket();
  s.acknowledge(1);
  s.attach(again);
  assert.deepEqual(
    again.binary.map((b) => decodeDownstream(b)).map((f) => (f.type === 'data' ? f.sequenceId : f.type)),
    ['connected', 2],
    'un-acked protobuf frames are kept ready and sent again',
  );
});

test('bulk frames kept for recovery come from slabs that are reused only once acknowledged and written', () => {
  const slabs = new SlabPool(SLAB_BYTES, MAX_FREE_SLABS);
  const s = session(PROTOBUF_RELIABLE_PROTOCOL, {}, slabs);
  const written: Array<() => void> = [];
  const frames: Buffer[] = [];
  const ws: RelaySocket = {
    readyState: 1,
    bufferedAmount: 0,
    send: (data, _options, done) => {
      frames.push(Buffer.from(data));
      if (done) written.push(() => done());
    },
    close: () => {},
    terminate: () => {},
    ping: () => {},
  };
  s.attach(ws);
  const chunk = (fill: number): GroupMessage =>
    new GroupMessage('g', { format: 'protobuf', data: { kind: 'binary', bytes: Buffer.alloc(64 * 1024, fill) } }, 'u');
  assert.ok(s.deliver(chunk(1)));
  assert.ok(s.deliver(chunk(2)));
  const sent = frames.slice(1).map((f) => decodeDownstream(f));
  assert.deepEqual(sent.map((d) => (d.type === 'data' ? [d.sequenceId, d.data?.bytes[0]] : null)), [[1, 1], [2, 2]]);
  assert.equal(written.length, 2, 'each kept bulk frame is sent with a completion callback');
  s.acknowledge(2);
  s.end();
  assert.equal(slabs.freeCount, 0, 'acknowledged, but the writes have not completed: the slab stays out of the pool');
  for (const done of written) done();
  assert.equal(slabs.freeCount, 1);
});

test('a group message builds each format\'s body once, however many recipients', () => {
  const m = msg(1);
  assert.equal(m.jsonBody(), m.jsonBody());
  assert.equal(m.protobufBody(), m.protobufBody());
});
