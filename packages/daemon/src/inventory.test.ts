import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExecutorInfo } from '@remote-agent/contracts';
import { ManualClock } from '@remote-agent/transport';
import { Inventory, type RestartEvent, type StatusChange } from './inventory.js';
import { executorInfoFixture } from './testing/executor-info.js';

function info(executorId: string, extra: Partial<ExecutorInfo> = {}): ExecutorInfo {
  return executorInfoFixture(executorId, 0, { bootId: 'boot-1', ...extra });
}

function setup() {
  const clock = new ManualClock();
  const inventory = new Inventory({ clock, suspectAfterMs: 100, offlineAfterMs: 300 });
  const changes: StatusChange[] = [];
  const restarts: RestartEvent[] = [];
  inventory.on('status', (c) => changes.push(c));
  inventory.on('restarted', (r) => restarts.push(r));
  return { clock, inventory, changes, restarts };
}

describe('Inventory', () => {
  it('moves an executor online -> suspect -> offline as time passes without news', () => {
    const { clock, inventory, changes } = setup();
    inventory.applyHello(info('a'));
    assert.equal(inventory.status('a'), 'online');
    clock.advance(99);
    assert.equal(inventory.status('a'), 'online');
    clock.advance(1);
    assert.equal(inventory.status('a'), 'suspect');
    clock.advance(199);
    assert.equal(inventory.status('a'), 'suspect');
    clock.advance(1);
    assert.equal(inventory.status('a'), 'offline');
    assert.deepEqual(
      changes.map((c) => `${c.from}->${c.to}`),
      ['null->online', 'online->suspect', 'suspect->offline'],
    );
    assert.equal(clock.pendingTimers(), 0);
  });

  it('a heartbeat keeps an executor online and brings a suspect one back', () => {
    const { clock, inventory } = setup();
    inventory.applyHello(info('a'));
    clock.advance(90);
    inventory.applyHeartbeat({ executorId: 'a', bootId: 'boot-1', running: 2, queued: 1, instructionUpdatedAt: null });
    clock.advance(90);
    assert.equal(inventory.status('a'), 'online');
    clock.advance(20);
    assert.equal(inventory.status('a'), 'suspect');
    inventory.applyHeartbeat({ executorId: 'a', bootId: 'boot-1', running: 0, queued: 0, instructionUpdatedAt: null });
    assert.equal(inventory.status('a'), 'online');
    assert.equal(inventory.get('a')?.lastSeenAt, clock.now());
    assert.equal(clock.pendingTimers(), 1, 'one liveness timer per executor');
  });

  it('an offline executor comes back online with its next hello', () => {
    const { clock, inventory } = setup();
    inventory.applyHello(info('a'));
    clock.advance(1000);
    assert.equal(inventory.status('a'), 'offline');
    inventory.applyHello(info('a'));
    assert.equal(inventory.status('a'), 'online');
    assert.equal(inventory.get('a')?.firstSeenAt, clock.now() - 1000);
  });

  it('reports a restart when the bootId changes, by hello or heartbeat', () => {
    const { inventory, restarts } = setup();
    inventory.applyHello(info('a'));
    inventory.applyHello(info('a'));
    assert.equal(restarts.length, 0);
    inventory.applyHello(info('a', { bootId: 'boot-2' }));
    const outcome = inventory.applyHeartbeat({ executorId: 'a', bootId: 'boot-3', running: 0, queued: 0, instructionUpdatedAt: null });
    assert.deepEqual(restarts, [
      { executorId: 'a', previousBootId: 'boot-1', bootId: 'boot-2' },
      { executorId: 'a', previousBootId: 'boot-2', bootId: 'boot-3' },
    ]);
    assert.equal(outcome.wantsHello, true);
  });

  it('asks for a hello on a heartbeat from an unknown executor or with a newer instruction', () => {
    const { inventory } = setup();
    const hb = { executorId: 'a', bootId: 'boot-1', running: 0, queued: 0, instructionUpdatedAt: null };
    assert.equal(inventory.applyHeartbeat(hb).wantsHello, true);
    assert.equal(inventory.get('a'), undefined, 'a heartbeat alone does not invent an executor');
    inventory.applyHello(info('a'));
    assert.equal(inventory.applyHeartbeat(hb).wantsHello, false);
    assert.equal(inventory.applyHeartbeat({ ...hb, instructionUpdatedAt: 5 }).wantsHello, true);
  });

  it('goes offline at once on goodbye, but not on a goodbye from an older process', () => {
    const { inventory } = setup();
    inventory.applyHello(info('a', { bootId: 'boot-2' }));
    inventory.applyGoodbye({ executorId: 'a', bootId: 'boot-1', reason: 'old' });
    assert.equal(inventory.status('a'), 'online');
    inventory.applyGoodbye({ executorId: 'a', bootId: 'boot-2', reason: 'SIGTERM' });
    assert.equal(inventory.status('a'), 'offline');
  });

  it('finds by tags, status and text', () => {
    const { clock, inventory } = setup();
    inventory.applyHello(info('gpu-1', { tags: { gpu: 'a100', zone: 'eu' }, instruction: 'Training box' }));
    inventory.applyHello(info('win-1', { os: 'Windows_NT', platform: 'win32', tags: { zone: 'eu' } }));
    clock.advance(150);
    inventory.applyHello(info('mac-1', { os: 'Darwin', hostname: 'Studio.local', tags: { zone: 'us' } }));
    const ids = (q: Parameters<Inventory['list']>[0]) => inventory.list(q).map((v) => v.executorId);
    assert.deepEqual(ids({}), ['gpu-1', 'mac-1', 'win-1']);
    assert.deepEqual(ids({ tags: { zone: 'eu' } }), ['gpu-1', 'win-1']);
    assert.deepEqual(ids({ tags: { zone: 'eu', gpu: 'a100' } }), ['gpu-1']);
    assert.deepEqual(ids({ status: ['online'] }), ['mac-1']);
    assert.deepEqual(ids({ status: ['suspect', 'offline'] }), ['gpu-1', 'win-1']);
    assert.deepEqual(ids({ text: 'TRAINING' }), ['gpu-1']);
    assert.deepEqual(ids({ text: 'studio' }), ['mac-1']);
    assert.deepEqual(ids({ text: 'win32' }), ['win-1']);
    assert.deepEqual(ids({ text: 'gpu=a100' }), ['gpu-1']);
    assert.deepEqual(ids({ text: 'nothing' }), []);
    assert.deepEqual(inventory.counts(), { online: 1, suspect: 2, offline: 0 });
  });

  it('records an instruction change ahead of the next hello', () => {
    const { inventory } = setup();
    inventory.applyHello(info('a'));
    inventory.updateInstruction('a', 'builds only', 42);
    assert.equal(inventory.get('a')?.instruction, 'builds only');
    assert.equal(inventory.get('a')?.instructionUpdatedAt, 42);
  });

  it('hands out copies, so callers cannot change the inventory', () => {
    const { inventory } = setup();
    inventory.applyHello(info('a', { tags: { k: 'v' } }));
    const view = inventory.get('a')!;
    view.tags.k = 'changed';
    assert.equal(inventory.get('a')?.tags.k, 'v');
  });

  it('close cancels every timer', () => {
    const { clock, inventory } = setup();
    inventory.applyHello(info('a'));
    inventory.applyHello(info('b'));
    inventory.close();
    assert.equal(clock.pendingTimers(), 0);
  });
});
