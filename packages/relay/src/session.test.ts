import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from './limits.js';
import { Permissions } from './permissions.js';
import { Session, type RelaySocket } from './session.js';
import { UnackedQueue } from './unacked-queue.js';
import { RecentIds } from './recent-ids.js';

class FakeSocket implements RelaySocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  send(data: string | Buffer, options?: { binary?: boolean }): void {
    assert.notEqual(options?.binary, true, 'every frame is text');
    this.sent.push(data.toString());
  }
  close(): void {
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
  ping(): void {}
}

function session(reliable: boolean, limits: Partial<RelayLimits> = {}): Session {
  return new Session({
    connectionId: 'c1',
    hub: 'h',
    userId: 'u',
    reliable,
    permissions: Permissions.fromRoles([]),
    reconnectionToken: 't',
    limits: { ...DEFAULT_RELAY_LIMITS, ...limits },
  });
}

const parts = (body: string): Buffer[] => [Buffer.from(body)];

const seqOf = (frame: string): number => (JSON.parse(frame) as { sequenceId: number }).sequenceId;

test('a reliable session numbers messages from 1 and keeps them until acknowledged', () => {
  const s = session(true);
  const ws = new FakeSocket();
  s.attach(ws, 'hello');
  for (let i = 0; i < 5; i++) assert.ok(s.deliver(parts(`"type":"message","data":${i}}`), 10));
  assert.deepEqual(ws.sent.slice(1).map(seqOf), [1, 2, 3, 4, 5]);
  assert.equal(s.unackedCount, 5);
  s.acknowledge(3);
  assert.equal(s.unackedCount, 2);
  s.acknowledge(99);
  assert.equal(s.unackedCount, 0, 'an ack past the last id frees everything, nothing more');
  assert.ok(s.deliver(parts('"data":5}'), 10));
  assert.deepEqual(seqOf(ws.sent.at(-1)!), 6);
});

test('after a drop, un-acked and queued messages are sent again in order on the new socket', () => {
  const s = session(true);
  const first = new FakeSocket();
  s.attach(first, 'hello');
  s.deliver(parts('"n":1}'), 5);
  s.deliver(parts('"n":2}'), 5);
  s.acknowledge(1);
  assert.ok(s.detach(first));
  s.deliver(parts('"n":3}'), 5);
  const second = new FakeSocket();
  s.attach(second, 'again');
  assert.deepEqual(second.sent[0], 'again');
  assert.deepEqual(second.sent.slice(1).map(seqOf), [2, 3]);
  assert.equal(s.detach(first), false, 'a replaced socket no longer detaches the session');
});

test('bounds: message count and bytes', () => {
  const byCount = session(true, { maxUnackedMessages: 3 });
  byCount.attach(new FakeSocket(), 'x');
  assert.deepEqual([1, 2, 3, 4].map(() => byCount.deliver(parts('"d":1}'), 1)), [true, true, true, false]);
  const byBytes = session(true, { maxUnackedBytes: 100 });
  byBytes.attach(new FakeSocket(), 'x');
  assert.deepEqual([byBytes.deliver(parts('"d":1}'), 60), byBytes.deliver(parts('"d":1}'), 60)], [true, false]);
});

test('a plain (non-reliable) session sends unnumbered and bounds the socket buffer instead', () => {
  const s = session(false, { maxUnackedBytes: 100 });
  const ws = new FakeSocket();
  s.attach(ws, 'x');
  assert.ok(s.deliver(parts('"d":1}'), 6));
  assert.equal(ws.sent[1], '{"d":1}');
  ws.bufferedAmount = 101;
  assert.equal(s.deliver(parts('"d":2}'), 6), false);
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
  for (let i = 1; i <= 5000; i++) q.push(i, Buffer.from(`f${i}`), 2);
  q.acknowledge(4000);
  assert.equal(q.count, 1000);
  assert.equal(q.bytes, 2000);
  assert.deepEqual([...q.frames()].slice(0, 2).map(String), ['f4001', 'f4002']);
  q.acknowledge(5000);
  assert.equal(q.count, 0);
  assert.equal(q.bytes, 0);
});
