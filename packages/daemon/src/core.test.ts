import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_STREAM_WINDOW, ErrorCode, Groups, RemoteAgentError } from '@remote-agent/contracts';
import { InMemoryHub, ManualClock, memoryLogger } from '@remote-agent/transport';
import { createDaemonCore, type DaemonCoreOptions } from './core.js';
import { FakeExecutor, settle } from './testing/fake-executor.js';

const D = 'd1';

async function setup(overrides: Partial<DaemonCoreOptions> = {}) {
  const clock = new ManualClock();
  const hub = new InMemoryHub();
  const logger = memoryLogger('debug');
  let n = 0;
  const connection = hub.connect(D);
  const core = await createDaemonCore({
    daemonId: D,
    connection,
    registry: { refreshIntervalMs: 1_000, suspectAfterMs: 100, offlineAfterMs: 300, inventoryLogIntervalMs: 500 },
    requests: { outputMaxBytes: 1024, retain: 100 },
    logger,
    clock,
    newId: () => `req-${++n}`,
    cancelWaitMs: 2_000,
    controlWaitMs: 3_000,
    minProbeGapMs: 50,
    window: 4,
    ...overrides,
  });
  const exec = new FakeExecutor(hub, 'a', clock, { tags: { os: 'linux' } });
  await exec.start();
  await settle();
  return { clock, hub, logger, core, exec, connection };
}

function isError(code: string, pattern?: RegExp) {
  return (err: unknown) => err instanceof RemoteAgentError && err.code === code && (!pattern || pattern.test(err.message));
}

describe('DaemonCore presence', () => {
  it('joins its groups, probes at start, and lists an announced executor', async () => {
    const { hub, core, logger } = await setup();
    assert.ok(hub.members(Groups.presence).includes(D));
    assert.ok(hub.members(Groups.daemon(D)).includes(D));
    assert.ok(logger.lines.some((l) => l.includes('discovery probe published')));
    const [view] = core.listExecutors();
    assert.equal(view?.executorId, 'a');
    assert.equal(view?.status, 'online');
    assert.equal(core.getExecutor('a').hostname, 'a.example');
    await core.close();
  });

  it('finds an executor that started before the daemon through the start probe', async () => {
    const clock = new ManualClock();
    const hub = new InMemoryHub();
    const early = new FakeExecutor(hub, 'early', clock);
    await early.start(false);
    const core = await createDaemonCore({
      daemonId: D,
      connection: hub.connect(D),
      registry: { refreshIntervalMs: 1_000, suspectAfterMs: 100, offlineAfterMs: 300, inventoryLogIntervalMs: 500 },
      requests: { outputMaxBytes: 1024, retain: 10 },
      logger: memoryLogger(),
      clock,
    });
    await settle();
    assert.deepEqual(core.listExecutors().map((e) => e.executorId), ['early']);
    await core.close();
  });

  it('probes again every refresh interval and logs the inventory', async () => {
    const { clock, core, logger } = await setup({
      registry: { refreshIntervalMs: 1_000, suspectAfterMs: 10_000, offlineAfterMs: 20_000, inventoryLogIntervalMs: 500 },
    });
    const probes = () => logger.lines.filter((l) => l.includes('discovery probe published')).length;
    assert.equal(probes(), 1);
    clock.advance(500);
    assert.ok(logger.lines.some((l) => / inventory online=1 suspect=0 offline=0 total=1 executors=a:online$/.test(l)));
    clock.advance(500);
    await settle();
    assert.equal(probes(), 2);
    assert.equal(core.getExecutor('a').lastSeenAt, clock.now(), 'the executor answered the probe');
    await core.close();
  });

  it('goes suspect then offline without news, and back online on a heartbeat', async () => {
    const { clock, core, exec } = await setup();
    clock.advance(100);
    assert.equal(core.getExecutor('a').status, 'suspect');
    clock.advance(200);
    assert.equal(core.getExecutor('a').status, 'offline');
    await exec.heartbeat();
    await settle();
    assert.equal(core.getExecutor('a').status, 'online');
    await core.close();
  });

  it('probes (once) when heartbeats come from an executor it does not know', async () => {
    const { clock, hub, core, logger } = await setup();
    const stranger = new FakeExecutor(hub, 'stranger', clock);
    await stranger.start(false);
    await stranger.heartbeat();
    await stranger.heartbeat();
    await settle();
    const probes = () => logger.lines.filter((l) => l.includes('discovery probe published')).length;
    assert.equal(probes(), 1);
    clock.advance(50);
    await settle();
    assert.equal(probes(), 2);
    assert.equal(core.getExecutor('stranger').status, 'online');
    await core.close();
  });

  it('drops a presence message whose sender does not match the executor it names', async () => {
    const { hub, clock, core, logger } = await setup();
    const liar = new FakeExecutor(hub, 'liar', clock);
    liar.info = { ...liar.info, executorId: 'a', hostname: 'evil' };
    await liar.start();
    await settle();
    assert.equal(core.getExecutor('a').hostname, 'a.example');
    assert.ok(logger.lines.some((l) => l.includes('mismatched sender')));
    await core.close();
  });

  it('drops invalid envelopes and keeps working', async () => {
    const { core, exec, logger } = await setup();
    await exec.sendRaw(D, 'not json');
    await exec.sendRaw(D, { v: 1, type: 'request.result', body: {} });
    await settle();
    assert.ok(logger.lines.some((l) => l.includes('dropped invalid message')));
    const view = core.submit('a', 'run', { command: 'true' });
    const submit = await exec.next('request.submit');
    assert.equal(submit.requestId, view.requestId);
    await core.close();
  });
});

describe('DaemonCore submit', () => {
  it('refuses an unknown executor, naming the known ones', async () => {
    const { core } = await setup();
    assert.throws(() => core.submit('nope', 'run', { command: 'ls' }), isError(ErrorCode.UnknownExecutor, /"nope".*known executors: a/));
    assert.throws(() => core.getExecutor('nope'), isError(ErrorCode.UnknownExecutor));
    await core.close();
  });

  it('refuses an offline executor', async () => {
    const { core, clock } = await setup();
    clock.advance(300);
    assert.throws(() => core.submit('a', 'run', { command: 'ls' }), isError(ErrorCode.ExecutorOffline, /executor a is offline/));
    await core.close();
  });

  it('refuses bad run parameters at once, saying what is wrong', async () => {
    const { core } = await setup();
    assert.throws(() => core.submit('a', 'run', { command: '  ' }), isError(ErrorCode.BadRequest, /command is empty/));
    assert.throws(() => core.submit('a', 'run', { command: 'ls', timeoutMs: -5 }), isError(ErrorCode.BadRequest, /timeoutMs/));
    assert.throws(() => core.submit('a', '', {}), isError(ErrorCode.BadRequest, /kind/));
    await core.close();
  });

  it('routes a run to the executor and follows it to completion', async () => {
    const { core, exec, clock } = await setup();
    const started = core.submit('a', 'run', { command: 'echo hi', cwd: '/tmp' });
    assert.equal(started.state, 'queued');
    assert.equal(started.requestId, 'req-1');
    const submit = await exec.next('request.submit');
    assert.equal(submit.requestId, 'req-1');
    assert.deepEqual(submit.from, { role: 'daemon', id: D });
    assert.deepEqual(submit.body, { kind: 'run', params: { command: 'echo hi', cwd: '/tmp' }, window: 4 });
    await settle();
    assert.equal(core.getRequest('req-1').state, 'dispatched');

    await exec.accept(D, 'req-1', 'queued');
    await settle();
    assert.equal(core.getRequest('req-1').state, 'accepted');
    await exec.state(D, 'req-1', { state: 'running' });
    await exec.output(D, 'req-1', { stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('hi\n') });
    await exec.output(D, 'req-1', { stream: 'stderr', seq: 1, offset: 0, data: Buffer.from('warn\n') });
    await settle();
    const running = core.getRequest('req-1');
    assert.equal(running.state, 'running');
    assert.equal(running.stdout, 'hi\n');
    assert.equal(running.stderr, 'warn\n');

    const waiting = core.waitForRequest('req-1', { maxWaitMs: 10_000 });
    clock.advance(5);
    await exec.result(D, 'req-1', { outcome: 'exited', ok: false, exitCode: 3, stdoutBytes: 3, stderrBytes: 5, chunks: 2 });
    const done = await waiting;
    assert.equal(done.state, 'completed');
    assert.equal(done.outcome, 'exited');
    assert.equal(done.ok, false);
    assert.equal(done.exitCode, 3);
    assert.equal(done.stdout, 'hi\n');
    assert.equal(done.stderr, 'warn\n');
    assert.equal(done.truncated, false);
    assert.equal(done.durationMs, 5);
    await core.close();
  });

  it('ignores duplicate replies and replies from another executor', async () => {
    const { core, exec, hub, clock } = await setup();
    const other = new FakeExecutor(hub, 'b', clock);
    await other.start();
    const { requestId } = core.submit('a', 'run', { command: 'x' });
    await exec.next('request.submit');
    const out = { stream: 'stdout' as const, seq: 0, offset: 0, data: Buffer.from('once') };
    await exec.output(D, requestId, out);
    await exec.output(D, requestId, out);
    await other.result(D, requestId, { exitCode: 9, ok: false });
    await exec.result(D, requestId, { exitCode: 0, stdoutBytes: 4 });
    await exec.result(D, requestId, { exitCode: 1, ok: false });
    await settle();
    const view = core.getRequest(requestId);
    assert.equal(view.stdout, 'once');
    assert.equal(view.exitCode, 0);
    assert.equal(view.ok, true);
    await core.close();
  });

  it('caps the output it holds and flags it truncated', async () => {
    const { core, exec } = await setup({ requests: { outputMaxBytes: 4, retain: 10 } });
    const { requestId } = core.submit('a', 'run', { command: 'yes' });
    await exec.next('request.submit');
    await exec.output(D, requestId, { stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('abcdefgh') });
    await exec.result(D, requestId, { stdoutBytes: 8 });
    await settle();
    const view = core.getRequest(requestId);
    assert.equal(view.stdout, 'abcd');
    assert.equal(view.stdoutBytes, 8);
    assert.equal(view.truncated, true);
    await core.close();
  });

  it('grants output credit as it consumes chunks', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'seq 100' });
    await exec.next('request.submit');
    const credit = exec.next('request.credit');
    for (let seq = 0; seq < 2; seq++) {
      await exec.output(D, requestId, { stream: 'stdout', seq, offset: seq, data: Buffer.from('x') });
    }
    const granted = await credit;
    assert.equal(granted.requestId, requestId);
    assert.deepEqual(granted.body, { through: 6 }, 'two chunks settled plus a window of four');
    await core.close();
  });

  it('grants again when the executor says it waits for credit, counting chunks that never arrived', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'seq 100' });
    await exec.next('request.submit');
    await exec.output(D, requestId, { stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('x') });
    const credit = exec.next('request.credit');
    await exec.state(D, requestId, { state: 'running', sentChunks: 4 });
    assert.deepEqual((await credit).body, { through: 8 });
    await core.close();
  });

  it('sends its credit again when the executor says hello and when its own connection comes back', async () => {
    const { core, exec, connection } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'seq 100' });
    await exec.next('request.submit');
    for (let seq = 0; seq < 2; seq++) {
      await exec.output(D, requestId, { stream: 'stdout', seq, offset: seq, data: Buffer.from('x') });
    }
    await exec.next('request.credit');
    const again = exec.next('request.credit');
    await exec.hello('probe');
    assert.deepEqual((await again).body, { through: 6 });
    connection.drop();
    const afterReconnect = exec.next('request.credit');
    await connection.start();
    assert.deepEqual((await afterReconnect).body, { through: 6 });
    await core.close();
  });

  it('takes the output a result carries as the request output, stream by stream, with no read of the log', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'x' });
    await exec.next('request.submit');
    await exec.output(D, requestId, { stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('aa') });
    const output = [
      { stream: 'stderr' as const, seq: 1, offset: 0, base64: Buffer.from('oops').toString('base64') },
      { stream: 'stdout' as const, seq: 2, offset: 2, base64: Buffer.from('bb\xff').toString('base64') },
    ];
    await exec.result(D, requestId, { stdoutBytes: 5, stderrBytes: 4, chunks: 3, output });
    await settle();
    const view = core.getRequest(requestId);
    assert.equal(view.state, 'completed');
    assert.equal(view.stdout, Buffer.from('aabb\xff').toString('utf8'));
    assert.equal(view.stderr, 'oops');
    assert.equal(view.truncated, false);
    assert.equal('output' in view, false, 'the carried output is not part of the result');
    assert.equal(exec.received.filter((e) => e.type === 'request.submit').length, 1, 'nothing read back from the log');
    await core.close();
  });

  it('reads a lost chunk back from the executor log before completing, so the output is whole', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'x' });
    await exec.next('request.submit');
    await exec.output(D, requestId, { stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('aa') });
    await exec.output(D, requestId, { stream: 'stdout', seq: 2, offset: 4, data: Buffer.from('cc') });
    assert.equal(core.getRequest(requestId).truncated, true);
    const read = exec.next('request.submit');
    await exec.result(D, requestId, { stdoutBytes: 6, chunks: 3 });
    const readEnv = await read;
    assert.deepEqual(readEnv.body.params, { targetRequestId: requestId, stream: 'stdout', offset: 2, length: 2 });
    assert.equal(core.getRequest(requestId).state, 'running', 'the result waits for the lost bytes');
    await exec.result(D, readEnv.requestId, {
      kind: 'output.read',
      outcome: 'done',
      result: { stream: 'stdout', data: 'bb', encoding: 'utf8', offset: 2, nextOffset: 4, totalBytes: 6, discardedBytes: 0, complete: true },
    });
    await settle();
    const view = core.getRequest(requestId);
    assert.equal(view.state, 'completed');
    assert.equal(view.stdout, 'aabbcc');
    assert.equal(view.truncated, false);
    await core.close();
  });

  it('completes with the output flagged truncated when the log cannot give the lost bytes back', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'x' });
    await exec.next('request.submit');
    await exec.output(D, requestId, { stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('aa') });
    const read = exec.next('request.submit');
    await exec.result(D, requestId, { stdoutBytes: 4, chunks: 2 });
    const readEnv = await read;
    await exec.result(D, readEnv.requestId, {
      kind: 'output.read',
      outcome: 'failed',
      ok: false,
      error: { code: ErrorCode.NotFound, message: 'no output kept' },
    });
    await settle();
    const view = core.getRequest(requestId);
    assert.equal(view.state, 'completed');
    assert.equal(view.stdout, 'aa');
    assert.equal(view.truncated, true);
    await core.close();
  });

  it('uses the default stream window when none is given', async () => {
    const { core, exec } = await setup({ window: undefined });
    core.submit('a', 'run', { command: 'x' });
    const submit = await exec.next('request.submit');
    assert.equal(submit.body.window, DEFAULT_STREAM_WINDOW);
    await core.close();
  });

  it('reports a rejected request with the executor error', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'fs.read', { path: '/x' });
    await exec.next('request.submit');
    await exec.result(D, requestId, {
      kind: 'fs.read',
      outcome: 'rejected',
      ok: false,
      exitCode: null,
      error: { code: 'UNSUPPORTED_KIND', message: 'fs.read is not supported by this executor' },
    });
    const view = await core.waitForRequest(requestId, { maxWaitMs: 1_000 });
    assert.equal(view.outcome, 'rejected');
    assert.equal(view.error?.code, 'UNSUPPORTED_KIND');
    await core.close();
  });

  it('waitForRequest returns the running view after maxWaitMs', async () => {
    const { core, exec, clock } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'sleep 30' });
    await exec.next('request.submit');
    await exec.accept(D, requestId, 'running');
    await exec.output(D, requestId, { stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('partial') });
    await settle();
    const progress: string[] = [];
    const waiting = core.waitForRequest(requestId, { maxWaitMs: 50, onProgress: (v) => progress.push(v.stdout) });
    await exec.output(D, requestId, { stream: 'stdout', seq: 1, offset: 7, data: Buffer.from('+') });
    await settle();
    clock.advance(50);
    const view = await waiting;
    assert.equal(view.state, 'running');
    assert.equal(view.stdout, 'partial+');
    assert.deepEqual(progress, ['partial+']);
    assert.throws(() => core.getRequest('missing'), isError(ErrorCode.UnknownRequest));
    await assert.rejects(core.waitForRequest('missing', { maxWaitMs: 1 }), isError(ErrorCode.UnknownRequest));
    await core.close();
  });

  it('ends a request as failed when the relay will not take it', async () => {
    const { core, connection } = await setup();
    connection.drop();
    await assert.doesNotReject(async () => {
      const { requestId } = core.submit('a', 'run', { command: 'x' });
      await settle();
      const view = core.getRequest(requestId);
      assert.equal(view.state, 'completed');
      assert.equal(view.outcome, 'failed');
      assert.equal(view.error?.code, ErrorCode.NotConnected);
    });
    await core.close();
  });
});

describe('DaemonCore lost requests', () => {
  it('ends in-flight requests as lost when their executor goes offline', async () => {
    const { core, exec, clock } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'sleep 100' });
    await exec.next('request.submit');
    await exec.accept(D, requestId, 'running');
    await settle();
    const waiting = core.waitForRequest(requestId, { maxWaitMs: 10_000 });
    clock.advance(300);
    const view = await waiting;
    assert.equal(view.state, 'completed');
    assert.equal(view.outcome, 'lost');
    assert.equal(view.ok, false);
    assert.equal(view.exitCode, null);
    assert.equal(view.error?.code, ErrorCode.Lost);
    assert.match(view.error?.message ?? '', /executor a went offline/);
    await core.close();
  });

  it('ends in-flight requests as lost at once on goodbye', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'sleep 100' });
    await exec.next('request.submit');
    await exec.goodbye();
    await settle();
    assert.equal(core.getRequest(requestId).outcome, 'lost');
    await core.close();
  });

  it('asks a restarted executor about its requests: unknown ones are lost, finished ones complete', async () => {
    const { core, exec } = await setup();
    const r1 = core.submit('a', 'run', { command: 'one' }).requestId;
    const r2 = core.submit('a', 'run', { command: 'two' }).requestId;
    await exec.next('request.submit');
    await exec.next('request.submit');
    await exec.accept(D, r1);
    await exec.accept(D, r2);
    exec.info = { ...exec.info, bootId: 'a-boot-2' };
    const q1 = exec.next('request.query');
    const q2 = exec.next('request.query');
    await exec.hello('startup');
    assert.deepEqual([(await q1).requestId, (await q2).requestId].sort(), [r1, r2].sort());
    await exec.state(D, r1, { state: 'unknown' });
    await exec.state(D, r2, {
      state: 'completed',
      result: { kind: 'run', outcome: 'exited', ok: true, exitCode: 0, signal: null, durationMs: 1 },
    });
    await settle();
    assert.equal(core.getRequest(r1).outcome, 'lost');
    assert.match(core.getRequest(r1).error?.message ?? '', /no record/);
    assert.equal(core.getRequest(r2).outcome, 'exited');
    assert.equal(core.getRequest(r2).ok, true);
    await core.close();
  });

  it('after a reconnect on a new connection, probes and queries in-flight requests', async () => {
    const { core, exec, connection, logger } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'x' });
    await exec.next('request.submit');
    await settle();
    const query = exec.next('request.query');
    connection.drop();
    await connection.start();
    assert.equal((await query).requestId, requestId);
    assert.ok(logger.lines.some((l) => l.includes('relay reconnected')));
    await core.close();
  });
});

describe('DaemonCore cancel', () => {
  it('sends cancel and resolves with the cancelled result', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'sleep 30' });
    await exec.next('request.submit');
    await exec.accept(D, requestId);
    const cancelSeen = exec.next('request.cancel');
    const cancelling = core.cancel(requestId, 'user asked');
    const cancel = await cancelSeen;
    assert.deepEqual(cancel.body, { reason: 'user asked' });
    await exec.result(D, requestId, { outcome: 'cancelled', ok: false, exitCode: null, signal: 'SIGTERM' });
    const view = await cancelling;
    assert.equal(view.state, 'completed');
    assert.equal(view.ok, false);
    assert.equal(view.exitCode, null);
    assert.equal(view.outcome, 'cancelled');
    await core.close();
  });

  it('sends cancel for a request not yet accepted, after its submit', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'x' });
    const cancelling = core.cancel(requestId);
    await exec.next('request.cancel');
    assert.deepEqual(exec.received.map((e) => e.type), ['request.submit', 'request.cancel']);
    await exec.state(D, requestId, { state: 'unknown' });
    const view = await cancelling;
    assert.equal(view.outcome, 'cancelled');
    assert.equal(view.exitCode, null);
    await core.close();
  });

  it('returns the current view when the executor does not answer in time', async () => {
    const { core, exec, clock } = await setup({ registry: { refreshIntervalMs: 60_000, suspectAfterMs: 10_000, offlineAfterMs: 20_000, inventoryLogIntervalMs: 60_000 } });
    const { requestId } = core.submit('a', 'run', { command: 'x' });
    await exec.next('request.submit');
    await exec.accept(D, requestId);
    await settle();
    const cancelling = core.cancel(requestId);
    await exec.next('request.cancel');
    await settle();
    clock.advance(2_000);
    const view = await cancelling;
    assert.equal(view.state, 'running');
    await core.close();
  });

  it('returns a completed request as it is, without asking the executor', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'x' });
    await exec.next('request.submit');
    await exec.result(D, requestId);
    await settle();
    const view = await core.cancel(requestId);
    assert.equal(view.ok, true);
    await settle();
    assert.equal(exec.received.filter((e) => e.type === 'request.cancel').length, 0);
    await core.close();
  });
});

describe('DaemonCore instruction and output', () => {
  it('sets an instruction on the executor and shows it at once', async () => {
    const { core, exec } = await setup();
    const setting = core.setInstruction('a', 'GPU box for training');
    const submit = await exec.next('request.submit');
    assert.equal(submit.body.kind, 'instruction.set');
    assert.deepEqual(submit.body.params, { instruction: 'GPU box for training' });
    await exec.result(D, submit.requestId, {
      kind: 'instruction.set',
      outcome: 'done',
      ok: true,
      exitCode: null,
      result: { instruction: 'GPU box for training', instructionUpdatedAt: 123 },
    });
    const view = await setting;
    assert.equal(view.instruction, 'GPU box for training');
    assert.equal(view.instructionUpdatedAt, 123);
    assert.equal(core.getExecutor('a').instruction, 'GPU box for training');
    await core.close();
  });

  it('reports an executor that does not confirm the instruction', async () => {
    const { core, exec, clock } = await setup({ registry: { refreshIntervalMs: 60_000, suspectAfterMs: 10_000, offlineAfterMs: 20_000, inventoryLogIntervalMs: 60_000 } });
    const setting = core.setInstruction('a', 'x');
    await exec.next('request.submit');
    await settle();
    clock.advance(3_000);
    await assert.rejects(setting, isError(ErrorCode.TimedOut, /did not confirm the instruction/));
    await core.close();
  });

  it('refuses an instruction over the limit', async () => {
    const { core } = await setup();
    await assert.rejects(core.setInstruction('a', 'x'.repeat(9000)), isError(ErrorCode.BadRequest, /limit/));
    await core.close();
  });

  it('reads stored output from the executor that ran the request', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'x' });
    await exec.next('request.submit');
    await exec.result(D, requestId);
    const reading = core.readOutput(requestId, { stream: 'stdout', tailLines: 2 });
    const submit = await exec.next('request.submit');
    assert.equal(submit.body.kind, 'output.read');
    assert.deepEqual(submit.body.params, { targetRequestId: requestId, stream: 'stdout', tailLines: 2 });
    const page = { stream: 'stdout', data: 'l9\nl10\n', encoding: 'utf8', offset: 10, nextOffset: 17, totalBytes: 17, discardedBytes: 0, complete: true };
    await exec.result(D, submit.requestId, { kind: 'output.read', outcome: 'done', ok: true, exitCode: null, result: page });
    assert.deepEqual(await reading, page);
    await assert.rejects(core.readOutput('missing', { stream: 'stdout' }), isError(ErrorCode.UnknownRequest));
    await core.close();
  });

  it('passes on the executor error of a failed output read', async () => {
    const { core, exec } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'x' });
    await exec.next('request.submit');
    const reading = core.readOutput(requestId, { stream: 'stderr' });
    const submit = await exec.next('request.submit');
    await exec.result(D, submit.requestId, {
      kind: 'output.read',
      outcome: 'failed',
      ok: false,
      exitCode: null,
      error: { code: 'NOT_FOUND', message: 'no stored output for that request' },
    });
    await assert.rejects(reading, isError(ErrorCode.NotFound, /no stored output/));
    await core.close();
  });
});

describe('DaemonCore close', () => {
  it('stops every timer and resolves waits', async () => {
    const { core, exec, clock } = await setup();
    const { requestId } = core.submit('a', 'run', { command: 'x' });
    await exec.next('request.submit');
    const waiting = core.waitForRequest(requestId, { maxWaitMs: 60_000 });
    await core.close();
    assert.equal((await waiting).state, 'dispatched');
    assert.equal(clock.pendingTimers(), 0);
  });

  it('waitForExecutor resolves when the executor comes online, or null in time', async () => {
    const { core, hub, clock } = await setup();
    assert.equal((await core.waitForExecutor('a', 10))?.executorId, 'a');
    const waiting = core.waitForExecutor('late', 1_000);
    const late = new FakeExecutor(hub, 'late', clock);
    await late.start();
    assert.equal((await waiting)?.executorId, 'late');
    const never = core.waitForExecutor('never', 1_000);
    clock.advance(1_000);
    assert.equal(await never, null);
    await core.close();
  });
});
