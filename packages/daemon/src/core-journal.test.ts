import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryHub, ManualClock, memoryLogger } from '@remote-agent/transport';
import { createDaemonCore, type LocalDaemonCore } from './core.js';
import { InMemoryRequestJournal, type RequestJournal } from './requests/journal.js';
import { FakeExecutor, settle } from './testing/fake-executor.js';

const D = 'd1';

/** One daemon run on the shared hub and journal; each run names its requests apart so a restart is visible. */
async function startDaemon(hub: InMemoryHub, clock: ManualClock, journal: RequestJournal, run: string): Promise<LocalDaemonCore> {
  let n = 0;
  return createDaemonCore({
    daemonId: D,
    connection: hub.connect(D),
    registry: { refreshIntervalMs: 60_000, suspectAfterMs: 10_000, offlineAfterMs: 30_000, inventoryLogIntervalMs: 60_000 },
    requests: { outputMaxBytes: 1024, retain: 100 },
    logger: memoryLogger('debug'),
    clock,
    newId: () => `${run}-${++n}`,
    controlWaitMs: 3_000,
    journal,
  });
}

/** A hub with executor `a` online, a journal, and a daemon on them named by `run`. */
async function daemonWithJournal(run: string) {
  const clock = new ManualClock();
  const hub = new InMemoryHub();
  const journal = new InMemoryRequestJournal(100);
  const exec = new FakeExecutor(hub, 'a', clock);
  await exec.start(false);
  const core = await startDaemon(hub, clock, journal, run);
  await settle();
  return { clock, hub, journal, exec, core };
}

/** A daemon that ran one request to completion and left a second one running when it stopped. */
async function daemonStoppedWithRequestInFlight() {
  const { clock, hub, journal, exec, core: first } = await daemonWithJournal('first');

  const finished = first.submit('a', 'run', { command: 'echo one' }).requestId;
  await exec.next('request.submit');
  await exec.output(D, finished, { stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('one\n') });
  clock.advance(7);
  await exec.result(D, finished, { exitCode: 0, stdoutBytes: 4, chunks: 1 });
  await settle();
  assert.equal(first.getRequest(finished).state, 'completed');

  const running = first.submit('a', 'run', { command: 'sleep 1; echo done' }).requestId;
  await exec.next('request.submit');
  await exec.accept(D, running);
  await settle();
  assert.equal(first.getRequest(running).state, 'running');
  await first.close();
  return { clock, hub, journal, exec, finished, running };
}

describe('DaemonCore with a request journal', () => {
  it('answers for requests completed before a restart, output and outcome included', async () => {
    const { clock, hub, journal, exec, finished } = await daemonStoppedWithRequestInFlight();
    const before = journal.load().find((e) => e.requestId === finished)?.completed;
    assert.ok(before, 'the completion was journaled');

    const second = await startDaemon(hub, clock, journal, 'second');
    await settle();
    const view = second.getRequest(finished);
    assert.deepEqual(view, before);
    assert.equal(view.stdout, 'one\n');
    assert.equal(view.ok, true);
    assert.equal(view.durationMs, 5);
    assert.equal(exec.received.filter((e) => e.type === 'request.query' && e.requestId === finished).length, 0);
    await second.close();
  });

  it('asks the executor about a request left in flight once it is online, and completes it from the replayed result', async () => {
    const { clock, hub, journal, exec, running } = await daemonStoppedWithRequestInFlight();
    const query = exec.next('request.query');
    const second = await startDaemon(hub, clock, journal, 'second');
    assert.equal(second.getRequest(running).state, 'dispatched');
    assert.equal((await query).requestId, running);

    const read = exec.next('request.submit');
    await exec.state(D, running, {
      state: 'completed',
      result: { kind: 'run', outcome: 'exited', ok: true, exitCode: 0, signal: null, durationMs: 1000, stdoutBytes: 5, stderrBytes: 0, chunks: 1 },
    });
    const readEnv = await read;
    assert.deepEqual(readEnv.body.params, { targetRequestId: running, stream: 'stdout', offset: 0, length: 5 });
    await exec.result(D, readEnv.requestId, {
      kind: 'output.read',
      outcome: 'done',
      result: { stream: 'stdout', data: 'done\n', encoding: 'utf8', offset: 0, nextOffset: 5, totalBytes: 5, discardedBytes: 0, complete: true },
    });
    await settle();
    const view = second.getRequest(running);
    assert.equal(view.state, 'completed');
    assert.equal(view.ok, true);
    assert.equal(view.stdout, 'done\n');
    assert.equal(view.truncated, false);
    assert.equal(journal.load().find((e) => e.requestId === running)?.completed?.stdout, 'done\n', 'the completion is journaled');
    await second.close();
  });

  it('ends a request left in flight as lost when its executor has no record of it', async () => {
    const { clock, hub, journal, exec, running } = await daemonStoppedWithRequestInFlight();
    const query = exec.next('request.query');
    const second = await startDaemon(hub, clock, journal, 'second');
    await query;
    await exec.state(D, running, { state: 'unknown' });
    await settle();
    const view = second.getRequest(running);
    assert.equal(view.state, 'completed');
    assert.equal(view.outcome, 'lost');
    assert.match(view.error?.message ?? '', /no record/);
    assert.equal(exec.received.filter((e) => e.type === 'request.query').length, 1, 'asked once');
    await second.close();
  });

  it('journals each submitted request and each completion', async () => {
    const { journal, finished, running } = await daemonStoppedWithRequestInFlight();
    const entries = journal.load();
    assert.deepEqual(entries.map((e) => [e.requestId, e.completed?.state ?? null]), [
      [finished, 'completed'],
      [running, null],
    ]);
    assert.equal(entries[1]?.kind, 'run');
    assert.equal(entries[1]?.executorId, 'a');
  });

  it('journals a completion after the turn that delivered it, so the reply goes first, and at close at the latest', async () => {
    const { journal, exec, core } = await daemonWithJournal('only');
    const submitted = core.submit('a', 'run', { command: 'true' }).requestId;
    assert.equal(journal.load()[0]?.requestId, submitted, 'the submission is journaled at once');
    await exec.next('request.submit');
    const waited = core.waitForRequest(submitted, { maxWaitMs: 10_000 });
    await exec.result(D, submitted, { exitCode: 0, stdoutBytes: 0, chunks: 0 });
    const view = await waited;
    assert.equal(view.state, 'completed');
    assert.equal(journal.load()[0]?.completed, null, 'not yet journaled in the turn the waiter was answered');
    await core.close();
    assert.deepEqual(journal.load()[0]?.completed, view, 'written by close at the latest');
  });
});
