import assert from 'node:assert/strict';
import { spawn as nodeSpawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { SpawnFn } from '../process-tree.js';
import { startHarness, type Harness } from '../test-support/harness.js';
import { waitUntil } from '../test-support/wait.js';
import { mergeEnv } from './run.js';

const posix = process.platform !== 'win32';
const opts = { timeout: 15_000, skip: posix ? false : 'these tests use POSIX shell commands' };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    // A killed child whose parent is gone may linger as a zombie until reaped; it is no longer running.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * A spawn that sees what each child writes to stdout in the same event as the executor, which listens
 * after it: once `stdout` shows a line, the executor has taken it too.
 */
function watchedSpawn(): { spawn: SpawnFn; stdout: () => string; clear: () => void } {
  let read = '';
  const spawn: SpawnFn = (file, args, options) => {
    const child = nodeSpawn(file, args, options);
    child.stdout?.on('data', (data: Buffer) => (read += data.toString()));
    return child;
  };
  return { spawn, stdout: () => read, clear: () => (read = '') };
}

/** Killing is asynchronous in the kernel: the process disappears shortly after the signal. */
async function waitUntilGone(pid: number): Promise<void> {
  await waitUntil(() => !pidAlive(pid), `process ${pid} to be gone`);
}

describe('run', () => {
  test('echo: accepted running, stdout streamed, exit 0', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'echo hello' });
    const result = await h.daemon.result('r1');
    const accepted = await h.daemon.waitForType('request.accepted', 'r1');
    assert.deepEqual(accepted.body, { kind: 'run', state: 'running' });
    assert.equal(h.daemon.output('r1', 'stdout').toString(), 'hello\n');
    assert.equal(result.outcome, 'exited');
    assert.equal(result.ok, true);
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdoutBytes, 6);
    assert.equal(result.stderrBytes, 0);
    assert.equal(result.chunks, h.daemon.chunks('r1').length);
    const types = h.daemon.messagesFor('r1').map((env) => env.type);
    assert.equal(types[0], 'request.accepted');
    assert.equal(types.at(-1), 'request.result');
  });

  test('a run that ends within announceAfterMs is told by its result alone, its output inside; one still running then is announced once, and streams', opts, async () => {
    const watched = watchedSpawn();
    h = await startHarness({ deps: { announceAfterMs: 50, spawn: watched.spawn } });
    await h.daemon.submit('exec-1', 'quick', 'run', { command: 'echo hello; echo oops >&2' });
    const quick = await h.daemon.result('quick');
    assert.equal(quick.ok, true);
    assert.equal(h.daemon.output('quick', 'stdout').toString(), 'hello\n');
    assert.equal(h.daemon.output('quick', 'stderr').toString(), 'oops\n');
    assert.equal(quick.chunks, h.daemon.chunks('quick').length);
    assert.deepEqual(
      h.daemon.messagesFor('quick').map((env) => env.type),
      ['request.result'],
      'no announcement and no output message: the clock never reached announceAfterMs',
    );

    const logDir = join(h.config.stateDir, 'output');
    const logged = (): string[] => readdirSync(logDir).filter((f) => f.endsWith('.stdout.0.log'));
    const quickLogs = logged();
    assert.equal(quickLogs.length, 1, 'output that went with the result is logged just after it');
    assert.equal(readFileSync(join(logDir, quickLogs[0]!), 'utf8'), 'hello\n');

    const timers = h.clock.pendingTimers();
    watched.clear();
    await h.daemon.submit('exec-1', 'slow', 'run', { command: 'echo started; sleep 30' });
    await waitUntil(() => h!.clock.pendingTimers() > timers, 'the announcement to be scheduled');
    await waitUntil(() => watched.stdout() === 'started\n', 'the first output to be read');
    h.clock.advance(49);
    assert.deepEqual(h.daemon.messagesFor('slow').map((env) => env.type), [], 'output waits for the announcement');
    assert.equal(logged().length, 1, 'held output waits for the log too');
    h.clock.advance(1);
    const accepted = await h.daemon.waitForType('request.accepted', 'slow');
    assert.deepEqual(accepted.body, { kind: 'run', state: 'running' });
    await h.daemon.waitForType('request.output', 'slow');
    assert.equal(h.daemon.output('slow', 'stdout').toString(), 'started\n');
    assert.equal(logged().length, 2, 'the log takes held output once it streams');
    await h.daemon.send('exec-1', 'request.cancel', { reason: 'test' }, 'slow');
    assert.equal((await h.daemon.result('slow')).outcome, 'cancelled');
    h.clock.advance(1_000);
    assert.equal(h.daemon.messagesFor('slow').filter((env) => env.type === 'request.accepted').length, 1);
  });

  test('a run cancelled before its announcement sends its output inside the result, and logs it after', opts, async () => {
    const watched = watchedSpawn();
    h = await startHarness({ deps: { announceAfterMs: 50, spawn: watched.spawn } });
    await h.daemon.submit('exec-1', 'c', 'run', { command: 'echo started; sleep 30' });
    await waitUntil(() => watched.stdout() === 'started\n', 'the output to be read');
    await h.daemon.send('exec-1', 'request.cancel', { reason: 'test' }, 'c');
    assert.equal((await h.daemon.result('c')).outcome, 'cancelled');
    assert.deepEqual(h.daemon.messagesFor('c').map((env) => env.type), ['request.result']);
    assert.equal(h.daemon.output('c', 'stdout').toString(), 'started\n');
    const logDir = join(h.config.stateDir, 'output');
    const logs = readdirSync(logDir).filter((f) => f.endsWith('.stdout.0.log'));
    assert.deepEqual(logs.map((f) => readFileSync(join(logDir, f), 'utf8')), ['started\n']);
  });

  test('output past what a result carries streams before the announcement, and the log takes all of it', opts, async () => {
    h = await startHarness({ deps: { announceAfterMs: 50 } });
    await h.daemon.submit('exec-1', 'big', 'run', { command: "head -c 20000 /dev/zero | tr '\\0' x; sleep 30" });
    await waitUntil(() => h!.daemon.output('big', 'stdout').length === 20_000, 'all 20,000 bytes to stream');
    assert.ok(
      h.daemon.messagesFor('big').every((env) => env.type === 'request.output'),
      'output only: the clock never reached announceAfterMs',
    );
    const logDir = join(h.config.stateDir, 'output');
    const logged = (): number =>
      readdirSync(logDir)
        .filter((f) => f.includes('.stdout.'))
        .reduce((sum, f) => sum + statSync(join(logDir, f)).size, 0);
    await waitUntil(() => logged() === 20_000, 'the log to hold all 20,000 bytes');
    await h.daemon.send('exec-1', 'request.cancel', { reason: 'test' }, 'big');
    const result = await h.daemon.result('big');
    assert.equal(result.outcome, 'cancelled');
    assert.equal(result.stdoutBytes, 20_000);
  });

  test('stdout and stderr stay apart; a non-zero exit is not ok', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'echo out; echo err >&2; exit 3' });
    const result = await h.daemon.result('r1');
    assert.equal(h.daemon.output('r1', 'stdout').toString(), 'out\n');
    assert.equal(h.daemon.output('r1', 'stderr').toString(), 'err\n');
    assert.equal(result.outcome, 'exited');
    assert.equal(result.ok, false);
    assert.equal(result.exitCode, 3);
  });

  test('stdin, env and cwd reach the command', opts, async () => {
    h = await startHarness();
    mkdirSync(join(h.config.workDir, 'sub'));
    await h.daemon.submit('exec-1', 'in', 'run', { command: 'cat', stdin: 'from stdin' });
    await h.daemon.submit('exec-1', 'env', 'run', { command: 'printf %s "$GREETING"', env: { GREETING: 'hi there' } });
    await h.daemon.submit('exec-1', 'cwd', 'run', { command: 'pwd', cwd: 'sub' });
    await Promise.all(['in', 'env', 'cwd'].map((id) => h!.daemon.result(id)));
    assert.equal(h.daemon.output('in', 'stdout').toString(), 'from stdin');
    assert.equal(h.daemon.output('env', 'stdout').toString(), 'hi there');
    assert.equal(realpathSync(h.daemon.output('cwd', 'stdout').toString().trim()), realpathSync(join(h.config.workDir, 'sub')));
  });

  test('the command is told its executor and request, whatever the request sets', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'tagged', 'run', {
      command: 'printf "%s %s" "$REMOTE_AGENT_EXECUTOR_ID" "$REMOTE_AGENT_REQUEST_ID"',
      env: { REMOTE_AGENT_REQUEST_ID: 'spoofed' },
    });
    await h.daemon.result('tagged');
    assert.equal(h.daemon.output('tagged', 'stdout').toString(), 'exec-1 tagged');
  });

  test('a missing cwd fails with NOT_FOUND naming it', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'true', cwd: 'nope' });
    const result = await h.daemon.result('r1');
    assert.equal(result.outcome, 'failed');
    assert.equal(result.error?.code, 'NOT_FOUND');
    assert.match(result.error?.message ?? '', /nope.*does not exist/);
  });

  test('a shell that cannot start fails with SPAWN_FAILED', opts, async () => {
    h = await startHarness({ env: { EXECUTOR_SHELL: '/nonexistent/shell' } });
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'true' });
    const result = await h.daemon.result('r1');
    assert.equal(result.outcome, 'failed');
    assert.equal(result.error?.code, 'SPAWN_FAILED');
    assert.match(result.error?.message ?? '', /EXECUTOR_SHELL/);
  });

  test('timeoutMs stops the command: timed_out, exitCode null', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'echo started; sleep 30', timeoutMs: 1000 });
    await h.daemon.waitForType('request.output', 'r1');
    h.clock.advance(999);
    assert.equal(h.daemon.messagesFor('r1').some((env) => env.type === 'request.result'), false);
    h.clock.advance(1);
    const result = await h.daemon.result('r1');
    assert.equal(result.outcome, 'timed_out');
    assert.equal(result.ok, false);
    assert.equal(result.exitCode, null);
    assert.equal(result.signal, 'SIGTERM');
    assert.equal(result.error?.code, 'TIMED_OUT');
  });

  test('cancel kills the whole process tree', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'sleep 30 & echo $!; sleep 30' });
    await h.daemon.waitForType('request.output', 'r1');
    const backgroundPid = Number(h.daemon.output('r1', 'stdout').toString().trim());
    assert.ok(pidAlive(backgroundPid));
    await h.daemon.send('exec-1', 'request.cancel', { reason: 'test' }, 'r1');
    const result = await h.daemon.result('r1');
    assert.equal(result.outcome, 'cancelled');
    assert.equal(result.ok, false);
    assert.equal(result.exitCode, null);
    assert.equal(result.signal, 'SIGTERM');
    await waitUntilGone(backgroundPid);
  });

  test('a tree that ignores SIGTERM is killed after the grace period', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'run', { command: "trap '' TERM; echo ready; sleep 30" });
    await h.daemon.waitForType('request.output', 'r1');
    const timers = h.clock.pendingTimers();
    await h.daemon.send('exec-1', 'request.cancel', {}, 'r1');
    await waitUntil(() => h!.clock.pendingTimers() > timers, 'the kill escalation to be scheduled');
    h.clock.advance(h.config.killGraceMs - 1);
    assert.equal(h.daemon.messagesFor('r1').some((env) => env.type === 'request.result'), false);
    h.clock.advance(1);
    const result = await h.daemon.result('r1');
    assert.equal(result.outcome, 'cancelled');
    assert.equal(result.signal, 'SIGKILL');
  });

  test('a run ends when the command exits even if something it left running holds the pipes', opts, async () => {
    h = await startHarness();
    const before = h.clock.pendingTimers();
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'sleep 30 & echo $!' });
    await h.daemon.waitForType('request.output', 'r1');
    const orphan = Number(h.daemon.output('r1', 'stdout').toString().trim());
    try {
      await waitUntil(() => h!.clock.pendingTimers() > before, 'the pipe close grace timer');
      assert.equal(h.daemon.messagesFor('r1').some((env) => env.type === 'request.result'), false);
      h.clock.advance(h.config.pipeCloseGraceMs);
      const result = await h.daemon.result('r1');
      assert.equal(result.outcome, 'exited');
      assert.equal(result.exitCode, 0);
      assert.equal(pidAlive(orphan), true, 'a background process the command started on purpose is left running');
    } finally {
      process.kill(orphan, 'SIGKILL');
    }
  });

  test('excess runs wait in a FIFO queue and start when a slot frees', opts, async () => {
    h = await startHarness({ env: { EXECUTOR_MAX_CONCURRENT: '1' } });
    await h.daemon.submit('exec-1', 'a', 'run', { command: 'echo a; sleep 30' });
    await h.daemon.waitForType('request.output', 'a');
    await h.daemon.submit('exec-1', 'b', 'run', { command: 'echo b' });
    await h.daemon.submit('exec-1', 'c', 'run', { command: 'echo c' });
    const acceptedB = await h.daemon.waitForType('request.accepted', 'b');
    const acceptedC = await h.daemon.waitForType('request.accepted', 'c');
    assert.deepEqual(acceptedB.body, { kind: 'run', state: 'queued', queuePosition: 1 });
    assert.deepEqual(acceptedC.body, { kind: 'run', state: 'queued', queuePosition: 2 });
    assert.deepEqual(h.executor.info().queued, 2);

    await h.daemon.send('exec-1', 'request.cancel', {}, 'c');
    const resultC = await h.daemon.result('c');
    assert.equal(resultC.outcome, 'cancelled');
    assert.equal(h.daemon.chunks('c').length, 0);

    await h.daemon.send('exec-1', 'request.cancel', {}, 'a');
    assert.equal((await h.daemon.result('a')).outcome, 'cancelled');
    const started = await h.daemon.waitForType('request.state', 'b');
    assert.equal(started.body.state, 'running');
    const resultB = await h.daemon.result('b');
    assert.equal(resultB.ok, true);
    assert.equal(h.daemon.output('b', 'stdout').toString(), 'b\n');
  });

  test('a duplicate submit never runs twice', opts, async () => {
    h = await startHarness();
    const file = join(h.config.workDir, 'count');
    await h.daemon.submit('exec-1', 'r1', 'run', { command: `echo x >> ${file}; echo started; sleep 30` });
    await h.daemon.waitForType('request.output', 'r1');
    await h.daemon.submit('exec-1', 'r1', 'run', { command: `echo x >> ${file}; echo started; sleep 30` });
    const whileRunning = await h.daemon.waitForType('request.state', 'r1');
    assert.equal(whileRunning.body.state, 'running');
    await h.daemon.send('exec-1', 'request.cancel', {}, 'r1');
    const result = await h.daemon.result('r1');

    await h.daemon.submit('exec-1', 'r1', 'run', { command: `echo x >> ${file}` });
    const states = await h.daemon.waitForCount((env) => env.type === 'request.state' && env.requestId === 'r1', 2);
    const afterwards = states[1]!;
    assert.equal(afterwards.type, 'request.state');
    if (afterwards.type === 'request.state') {
      assert.equal(afterwards.body.state, 'completed');
      assert.deepEqual(afterwards.body.result, result);
    }
    assert.equal(readFileSync(file, 'utf8'), 'x\n');
    assert.equal(h.daemon.messagesFor('r1').filter((env) => env.type === 'request.accepted').length, 1);
  });

  test('without credit the executor stops reading the pipes; credit resumes it', opts, async () => {
    h = await startHarness({ deps: { chunkBytes: 1024 } });
    const total = 1_000_000;
    await h.daemon.submit('exec-1', 'r1', 'run', { command: `head -c ${total} /dev/zero | tr '\\0' a` }, 2);
    await h.daemon.waitForCount((env) => env.type === 'request.output' && env.requestId === 'r1', 2);
    // A request answered after the two chunks proves the executor is idle, not still sending.
    await h.daemon.submit('exec-1', 'read', 'output.read', { targetRequestId: 'r1', stream: 'stdout', offset: 0, length: 1 });
    const read = await h.daemon.result('read');
    assert.equal(h.daemon.chunks('r1').length, 2);
    const kept = (read.result as { totalBytes: number }).totalBytes;
    assert.ok(kept < total, `read ${kept} bytes from the pipe without credit`);
    assert.equal(h.daemon.messagesFor('r1').some((env) => env.type === 'request.result'), false);

    h.daemon.autoCredit = true;
    await h.daemon.send('exec-1', 'request.credit', { chunks: 2 }, 'r1');
    const result = await h.daemon.result('r1');
    assert.equal(result.ok, true);
    const out = h.daemon.output('r1', 'stdout');
    assert.equal(out.length, total);
    assert.ok(out.every((byte) => byte === 0x61));
    assert.equal(result.chunks, h.daemon.chunks('r1').length);
  });

  test('a lost credit does not stall the output: the executor says where it stands and absolute credit resumes it', opts, async () => {
    h = await startHarness({ deps: { chunkBytes: 1024 }, env: { EXECUTOR_CREDIT_NUDGE_MS: '5000' } });
    const total = 200_000;
    h.daemon.autoCredit = true;
    let credits = 0;
    // Every credit after the first few is lost, as if the daemon's relay connection had been replaced.
    h.hub.lose = (_group, data) => (data as { type?: string }).type === 'request.credit' && ++credits > 3;
    await h.daemon.submit('exec-1', 'r1', 'run', { command: `head -c ${total} /dev/zero | tr '\\0' b` }, 4);
    await h.daemon.waitForCount((env) => env.type === 'request.output' && env.requestId === 'r1', 7);
    const nudged = h.daemon.waitFor((env) => env.type === 'request.state' && env.requestId === 'r1' && env.body.sentChunks !== undefined);
    h.clock.advance(5_000);
    const nudge = await nudged;
    assert.equal(nudge.type, 'request.state');
    const sentChunks = nudge.type === 'request.state' ? nudge.body.sentChunks! : -1;
    assert.equal(sentChunks, 7, 'a window of 4 plus the 3 credits that arrived');
    assert.equal(h.daemon.chunks('r1').length, 7);
    h.hub.lose = null;
    h.daemon.autoCredit = false;
    await h.daemon.send('exec-1', 'request.credit', { through: 1_000 }, 'r1');
    await h.daemon.send('exec-1', 'request.credit', { through: 1_000 }, 'r1');
    const result = await h.daemon.result('r1');
    assert.equal(result.ok, true);
    const out = h.daemon.output('r1', 'stdout');
    assert.equal(out.length, total);
    assert.ok(out.every((byte) => byte === 0x62));
  });

  test('multi-byte characters split across chunks are whole again in the reassembled bytes', opts, async () => {
    h = await startHarness({ deps: { chunkBytes: 4 } });
    h.daemon.autoCredit = true;
    const text = 'héllo wörld € 𝄞 done';
    await h.daemon.submit('exec-1', 'r1', 'run', { command: `printf '%s' '${text}'` });
    await h.daemon.result('r1');
    const chunks = h.daemon.chunks('r1');
    assert.ok(chunks.length > 5);
    assert.ok(chunks.every((chunk) => chunk.data.length <= 4));
    assert.equal(h.daemon.output('r1', 'stdout').toString('utf8'), text);
  });

  test('binary output travels as the bytes written', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'run', { command: "printf '\\377\\376\\000\\001'" });
    await h.daemon.result('r1');
    assert.deepEqual([...h.daemon.output('r1', 'stdout')], [0xff, 0xfe, 0x00, 0x01]);
  });

  test('5 MB of output arrives complete and in order', opts, async () => {
    h = await startHarness();
    h.daemon.autoCredit = true;
    const total = 5_000_000;
    await h.daemon.submit('exec-1', 'r1', 'run', { command: `i=0; while [ $i -lt 5 ]; do yes 0123456789 | head -c 1000000; i=$((i+1)); done` });
    const result = await h.daemon.result('r1');
    assert.equal(result.ok, true);
    assert.equal(result.stdoutBytes, total);
    const chunks = h.daemon.chunks('r1');
    assert.deepEqual(
      chunks.map((chunk) => chunk.seq),
      chunks.map((_, i) => i),
    );
    let offset = 0;
    for (const chunk of chunks) {
      assert.equal(chunk.offset, offset);
      offset += chunk.data.length;
    }
    const out = h.daemon.output('r1', 'stdout').toString();
    assert.equal(out.length, total);
    assert.equal(out, '0123456789\n'.repeat(Math.ceil(1_000_000 / 11)).slice(0, 1_000_000).repeat(5));
  });

  test('output is kept on disk and read back by offset and by tail lines', opts, async () => {
    h = await startHarness();
    h.daemon.autoCredit = true;
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2' });
    await h.daemon.result('r1');
    await h.daemon.submit('exec-1', 'o1', 'output.read', { targetRequestId: 'r1', stream: 'stdout', offset: 6, length: 12 });
    await h.daemon.submit('exec-1', 'o2', 'output.read', { targetRequestId: 'r1', stream: 'stdout', tailLines: 2 });
    await h.daemon.submit('exec-1', 'o3', 'output.read', { targetRequestId: 'r1', stream: 'stderr' });
    await h.daemon.submit('exec-1', 'o4', 'output.read', { targetRequestId: 'never-ran', stream: 'stdout' });
    const [o1, o2, o3, o4] = await Promise.all(['o1', 'o2', 'o3', 'o4'].map((id) => h!.daemon.result(id)));
    assert.deepEqual(o1!.result, {
      stream: 'stdout',
      data: 'line2\nline3\n',
      encoding: 'utf8',
      offset: 6,
      nextOffset: 18,
      totalBytes: 30,
      discardedBytes: 0,
      complete: false,
    });
    assert.equal((o2!.result as { data: string }).data, 'line4\nline5\n');
    assert.equal((o2!.result as { complete: boolean }).complete, true);
    assert.equal((o3!.result as { data: string }).data, 'oops\n');
    assert.equal(o4!.outcome, 'failed');
    assert.equal(o4!.error?.code, 'NOT_FOUND');
  });

  test('with output logs off the run streams as usual, nothing is written, and a read says why there is nothing', opts, async () => {
    h = await startHarness({ env: { EXECUTOR_OUTPUT_MAX_BYTES: '0' } });
    h.daemon.autoCredit = true;
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'echo kept-nowhere' });
    const run = await h.daemon.result('r1');
    assert.equal(run.ok, true);
    assert.equal(h.daemon.output('r1', 'stdout').toString(), 'kept-nowhere\n');
    await h.daemon.submit('exec-1', 'o1', 'output.read', { targetRequestId: 'r1', stream: 'stdout' });
    const read = await h.daemon.result('o1');
    assert.equal(read.error?.code, 'NOT_FOUND');
    assert.match(read.error?.message ?? '', /keeps no output on disk \(EXECUTOR_OUTPUT_MAX_BYTES=0\)/);
    assert.equal(existsSync(join(h.config.stateDir, 'output')), false);
  });

  test('a run without output reads back as empty', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'true' });
    await h.daemon.result('r1');
    await h.daemon.submit('exec-1', 'o1', 'output.read', { targetRequestId: 'r1', stream: 'stdout' });
    const read = await h.daemon.result('o1');
    assert.equal(read.ok, true);
    assert.deepEqual(read.result, {
      stream: 'stdout',
      data: '',
      encoding: 'utf8',
      offset: 0,
      nextOffset: 0,
      totalBytes: 0,
      discardedBytes: 0,
      complete: true,
    });
    assert.equal(existsSync(join(h.config.stateDir, 'output')), true);
  });

  test('stopping the executor kills running commands and reports them cancelled', opts, async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'r1', 'run', { command: 'echo $$; sleep 30' });
    await h.daemon.waitForType('request.output', 'r1');
    const pid = Number(h.daemon.output('r1', 'stdout').toString().trim());
    await h.executor.stop('shutting down for test');
    const result = await h.daemon.result('r1');
    assert.equal(result.outcome, 'cancelled');
    assert.match(result.error?.message ?? '', /shutting down for test/);
    await waitUntilGone(pid);
  });
});

describe('mergeEnv', () => {
  test('on Windows a variable replaces the inherited one whatever its case', () => {
    assert.deepEqual(mergeEnv({ PATH: 'a', HOME: 'h' }, { Path: 'b' }, 'win32'), { HOME: 'h', Path: 'b' });
    assert.deepEqual(mergeEnv({ PATH: 'a' }, { Path: 'b' }, 'linux'), { PATH: 'a', Path: 'b' });
  });
});
