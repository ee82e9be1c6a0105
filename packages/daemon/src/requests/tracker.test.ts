import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { ManualClock, silentLogger } from '@remote-agent/transport';
import { RequestTracker } from './tracker.js';

function setup(retain = 3) {
  const clock = new ManualClock();
  const tracker = new RequestTracker({ clock, logger: silentLogger, outputMaxBytes: 1024, retain });
  return { clock, tracker };
}

const exited = { kind: 'run', outcome: 'exited' as const, ok: true, exitCode: 0, signal: null, durationMs: 7 };

describe('TrackedRequest states', () => {
  it('moves forward only', () => {
    const { clock, tracker } = setup();
    const req = tracker.create('r1', 'a', 'run');
    assert.equal(req.state, 'queued');
    assert.equal(req.markDispatched(), true);
    assert.equal(req.markAccepted({ kind: 'run', state: 'queued' }, clock.now()), true);
    assert.equal(req.state, 'accepted');
    clock.advance(10);
    assert.equal(req.markRunning(clock.now()), true);
    assert.equal(req.markDispatched(), false, 'a late ack does not move back');
    assert.equal(req.state, 'running');
    clock.advance(5);
    assert.equal(req.view(clock.now()).durationMs, 5);
    assert.equal(req.complete(exited, clock.now()), true);
    assert.equal(req.complete({ ...exited, exitCode: 3 }, clock.now()), false, 'a second result is ignored');
    const view = req.view(clock.now());
    assert.equal(view.state, 'completed');
    assert.equal(view.exitCode, 0);
    assert.equal(view.durationMs, 7);
    assert.equal(view.startedAt, clock.now() - 5);
  });

  it('output after completion is dropped', () => {
    const { clock, tracker } = setup();
    const req = tracker.create('r1', 'a', 'run');
    req.complete(exited, clock.now());
    req.addOutput({ stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('late') }, clock.now());
    assert.equal(req.view(clock.now()).stdout, '');
  });
});

describe('RequestTracker', () => {
  it('indexes in-flight requests per executor and retires them on completion', () => {
    const { clock, tracker } = setup();
    const r1 = tracker.create('r1', 'a', 'run');
    tracker.create('r2', 'a', 'run');
    tracker.create('r3', 'b', 'run');
    assert.deepEqual(tracker.inFlightOn('a').map((r) => r.requestId), ['r1', 'r2']);
    r1.complete(exited, clock.now());
    assert.deepEqual(tracker.inFlightOn('a').map((r) => r.requestId), ['r2']);
    assert.equal(tracker.inFlight().length, 2);
  });

  it('forgets the oldest completed requests beyond the retention bound, never in-flight ones', () => {
    const { clock, tracker } = setup(2);
    const reqs = ['r1', 'r2', 'r3', 'r4'].map((id) => tracker.create(id, 'a', 'run'));
    for (const r of reqs.slice(0, 3)) r.complete(exited, clock.now());
    assert.equal(tracker.get('r1'), undefined);
    assert.ok(tracker.get('r2') && tracker.get('r3') && tracker.get('r4'));
    assert.throws(
      () => tracker.require('r1'),
      (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.UnknownRequest && /r1/.test(err.message),
    );
  });

  it('refuses a request id already in use', () => {
    const { tracker } = setup();
    tracker.create('r1', 'a', 'run');
    assert.throws(() => tracker.create('r1', 'a', 'run'), /already in use/);
  });

  it('wait returns the running view at the deadline and leaves nothing behind', async () => {
    const { clock, tracker } = setup();
    const req = tracker.create('r1', 'a', 'run');
    req.markRunning(clock.now());
    const progress: string[] = [];
    const waiting = tracker.wait(req, { maxWaitMs: 1000, onProgress: (v) => progress.push(v.stdout) });
    req.addOutput({ stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('tick') }, clock.now());
    clock.advance(1000);
    const view = await waiting;
    assert.equal(view.state, 'running');
    assert.equal(view.stdout, 'tick');
    assert.deepEqual(progress, ['tick']);
    assert.equal(tracker.pendingWaits(), 0);
    assert.equal(clock.pendingTimers(), 0);
    req.addOutput({ stream: 'stdout', seq: 1, offset: 4, data: Buffer.from('more') }, clock.now());
    assert.deepEqual(progress, ['tick'], 'no listener remains after the wait');
  });

  it('wait resolves at completion, on abort, and at close', async () => {
    const { clock, tracker } = setup();
    const r1 = tracker.create('r1', 'a', 'run');
    const w1 = tracker.wait(r1, { maxWaitMs: 60_000 });
    r1.complete(exited, clock.now());
    assert.equal((await w1).state, 'completed');

    const r2 = tracker.create('r2', 'a', 'run');
    const abort = new AbortController();
    const w2 = tracker.wait(r2, { maxWaitMs: 60_000, signal: abort.signal });
    abort.abort();
    assert.equal((await w2).state, 'queued');

    const r3 = tracker.create('r3', 'a', 'run');
    const w3 = tracker.wait(r3, { maxWaitMs: 60_000 });
    tracker.close();
    assert.equal((await w3).state, 'queued');
    assert.equal(tracker.pendingWaits(), 0);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('a throwing progress callback does not break the wait', async () => {
    const { clock, tracker } = setup();
    const req = tracker.create('r1', 'a', 'run');
    const waiting = tracker.wait(req, {
      maxWaitMs: 100,
      onProgress: () => {
        throw new Error('boom');
      },
    });
    req.markRunning(clock.now());
    req.complete(exited, clock.now());
    assert.equal((await waiting).ok, true);
  });
});
