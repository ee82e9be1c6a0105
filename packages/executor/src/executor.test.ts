import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { FS_KINDS, Groups, PROTOCOL_VERSION, type EnvelopeOf } from '@remote-agent/contracts';
import { memoryLogger } from '@remote-agent/transport';
import { startHarness, type Harness } from './test-support/harness.js';
import { waitUntil } from './test-support/wait.js';

const opts = { timeout: 15_000 };
const command = 'echo hi';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function hellos(harness: Harness): Array<EnvelopeOf<'executor.hello'>> {
  return harness.daemon.received.filter((env): env is EnvelopeOf<'executor.hello'> => env.type === 'executor.hello');
}

describe('presence', () => {
  test('announces itself at start with its identity, tags and capabilities', opts, async () => {
    const logger = memoryLogger('info');
    h = await startHarness({ logger, env: { EXECUTOR_TAGS: 'gpu=a100, os=linux', EXECUTOR_HOSTNAME: 'box-7' } });
    const hello = (await h.daemon.waitForType('executor.hello')) as EnvelopeOf<'executor.hello'>;
    assert.equal(hello.body.reason, 'startup');
    const info = hello.body.info;
    assert.equal(info.executorId, 'exec-1');
    assert.equal(info.hostname, 'box-7');
    assert.deepEqual(info.tags, { gpu: 'a100', os: 'linux' });
    assert.deepEqual(info.capabilities, ['run', 'instruction.set', 'output.read', ...FS_KINDS, 'artifact.upload', 'artifact.download']);
    assert.equal(info.protocolVersion, PROTOCOL_VERSION);
    assert.equal(info.bootId, h.executor.bootId);
    assert.equal(info.instruction, '');
    assert.equal(info.instructionUpdatedAt, null);
    assert.deepEqual(h.hub.members(Groups.exec('exec-1')), ['exec-1']);
    assert.deepEqual(h.hub.members(Groups.discovery), ['exec-1']);
    assert.ok(logger.lines.some((line) => line.includes('hello published')));
  });

  test('answers every discovery probe with a hello', opts, async () => {
    h = await startHarness();
    await h.daemon.probe();
    await h.daemon.probe();
    await h.daemon.waitForCount((env) => env.type === 'executor.hello' && env.body.reason === 'probe', 2);
    assert.equal(hellos(h).filter((env) => env.body.reason === 'probe').length, 2);
  });

  test('sends a heartbeat every interval', opts, async () => {
    h = await startHarness({ env: { EXECUTOR_HEARTBEAT_INTERVAL_MS: '5000' } });
    h.clock.advance(4999);
    h.clock.advance(1);
    const first = (await h.daemon.waitForType('executor.heartbeat')) as EnvelopeOf<'executor.heartbeat'>;
    assert.deepEqual(first.body, { executorId: 'exec-1', bootId: h.executor.bootId, running: 0, queued: 0, instructionUpdatedAt: null });
    h.clock.advance(10_000);
    await h.daemon.waitForCount((env) => env.type === 'executor.heartbeat', 3);
    assert.equal(h.daemon.received.filter((env) => env.type === 'executor.heartbeat').length, 3);
  });

  test('says hello again after a reconnect that lost the session, and goodbye when stopped', opts, async () => {
    h = await startHarness();
    await h.daemon.waitForType('executor.hello');
    h.connection.drop();
    await h.connection.start();
    const again = await h.daemon.waitFor((env) => env.type === 'executor.hello' && env.body.reason === 'reconnect');
    assert.equal(again.type === 'executor.hello' && again.body.info.bootId, h.executor.bootId);
    await h.executor.stop('maintenance');
    const goodbye = (await h.daemon.waitForType('executor.goodbye')) as EnvelopeOf<'executor.goodbye'>;
    assert.deepEqual(goodbye.body, { executorId: 'exec-1', bootId: h.executor.bootId, reason: 'maintenance' });
    assert.deepEqual(h.hub.members(Groups.exec('exec-1')), []);
  });
});

describe('requests', () => {
  test('an unknown kind is rejected without being accepted', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'teleport', {});
    const result = await h.daemon.result('r1');
    assert.equal(result.outcome, 'rejected');
    assert.equal(result.ok, false);
    assert.equal(result.error?.code, 'UNSUPPORTED_KIND');
    assert.match(result.error?.message ?? '', /teleport.*run, instruction\.set, output\.read/);
    assert.equal(h.daemon.messagesFor('r1').length, 1);
  });

  test('invalid params are rejected with BAD_REQUEST naming the field', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'run', { command: '   ' });
    await h.daemon.submit('exec-1', 'r2', 'run', { command: 'true', timeoutMs: -5 });
    const [empty, badTimeout] = await Promise.all([h.daemon.result('r1'), h.daemon.result('r2')]);
    assert.equal(empty.outcome, 'rejected');
    assert.equal(empty.error?.code, 'BAD_REQUEST');
    assert.match(empty.error?.message ?? '', /command: command is empty/);
    assert.match(badTimeout.error?.message ?? '', /timeoutMs/);
  });

  test('malformed messages are dropped and the executor keeps working', opts, async () => {
    const logger = memoryLogger('debug');
    h = await startHarness({ logger });
    const intruder = h.hub.connect('intruder');
    await intruder.start();
    await intruder.sendToGroup(Groups.exec('exec-1'), 'not json at all');
    await intruder.sendToGroup(Groups.exec('exec-1'), { v: 1, type: 'request.submit', body: { kind: 'run' } });
    await intruder.sendToGroup(Groups.exec('exec-1'), { v: 99, type: 'nonsense' });
    await h.daemon.submit('exec-1', 'r1', 'run', { command });
    const result = await h.daemon.result('r1');
    assert.equal(result.ok, true);
    assert.ok(logger.lines.some((line) => line.includes('dropped invalid message')));
  });

  test('requests from another executor are ignored', opts, async () => {
    h = await startHarness();
    const peer = h.hub.connect('exec-2');
    await peer.start();
    await peer.sendToGroup(Groups.exec('exec-1'), {
      v: 1,
      type: 'request.submit',
      id: 'm1',
      from: { role: 'executor', id: 'exec-2' },
      ts: 0,
      requestId: 'sneaky',
      body: { kind: 'run', params: { command: 'true' } },
    });
    await h.daemon.submit('exec-1', 'r1', 'run', { command });
    await h.daemon.result('r1');
    await h.daemon.send('exec-1', 'request.query', {}, 'sneaky');
    const state = await h.daemon.waitForType('request.state', 'sneaky');
    assert.equal(state.body.state, 'unknown');
  });

  test('query and cancel of an unknown request answer unknown', opts, async () => {
    h = await startHarness();
    await h.daemon.send('exec-1', 'request.query', {}, 'ghost');
    await h.daemon.send('exec-1', 'request.cancel', {}, 'ghost');
    const states = await h.daemon.waitForCount((env) => env.type === 'request.state' && env.requestId === 'ghost', 2);
    for (const env of states) assert.equal(env.type === 'request.state' && env.body.state, 'unknown');
  });
});

describe('instruction', () => {
  test('is set, re-announced, and survives a restart', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'i1', 'instruction.set', { instruction: 'GPU box for CUDA builds' });
    const result = await h.daemon.result('i1');
    assert.equal(result.outcome, 'done');
    assert.deepEqual(result.result, { instruction: 'GPU box for CUDA builds', instructionUpdatedAt: h.clock.now() });
    const changed = await h.daemon.waitFor((env) => env.type === 'executor.hello' && env.body.reason === 'changed');
    assert.equal(changed.type === 'executor.hello' && changed.body.info.instruction, 'GPU box for CUDA builds');

    const restarted = await h.restart();
    assert.notEqual(restarted.bootId, h.executor.bootId);
    assert.equal(restarted.info().instruction, 'GPU box for CUDA builds');
    const startup = await h.daemon.waitFor(
      (env) => env.type === 'executor.hello' && env.body.reason === 'startup' && env.body.info.bootId === restarted.bootId,
    );
    assert.equal(startup.type === 'executor.hello' && startup.body.info.instructionUpdatedAt, h.clock.now());
  });

  test('an instruction over the limit is rejected', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'i1', 'instruction.set', { instruction: 'x'.repeat(9000) });
    const result = await h.daemon.result('i1');
    assert.equal(result.outcome, 'rejected');
    assert.match(result.error?.message ?? '', /instruction/);
  });
});

describe('journal', () => {
  test('replays a finished result after a restart', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'run', { command });
    const result = await h.daemon.result('r1');
    await h.restart();
    await h.daemon.send('exec-1', 'request.query', {}, 'r1');
    const state = await h.daemon.waitForType('request.state', 'r1');
    assert.equal(state.body.state, 'completed');
    assert.deepEqual(state.body.result, result);
  });

  test('a request the previous process never finished is reported lost', opts, async () => {
    h = await startHarness();
    await h.executor.stop('crash');
    writeFileSync(
      join(h.config.stateDir, 'journal.jsonl'),
      JSON.stringify({ t: 'a', id: 'half', kind: 'run', daemon: 'daemon-1', at: 1 }) + '\n{"t":"r","id":"torn',
    );
    await h.restart();
    await h.daemon.send('exec-1', 'request.query', {}, 'half');
    const state = await h.daemon.waitForType('request.state', 'half');
    assert.equal(state.body.state, 'completed');
    assert.equal(state.body.result?.outcome, 'lost');
    assert.equal(state.body.result?.error?.code, 'LOST');
  });

  test('a result that could not be sent is sent again after reconnecting', { ...opts, skip: process.platform === 'win32' }, async () => {
    const logger = memoryLogger('debug');
    h = await startHarness({ logger });
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'echo started; sleep 30', timeoutMs: 1000 });
    await h.daemon.waitForType('request.output', 'r1');
    h.connection.drop();
    h.clock.advance(1000);
    await waitUntil(() => logger.lines.some((line) => line.includes('result not delivered')), 'the failed result send');
    assert.equal(h.daemon.messagesFor('r1').some((env) => env.type === 'request.result'), false);
    await h.connection.start();
    const result = await h.daemon.result('r1');
    assert.equal(result.outcome, 'timed_out');
  });
});
