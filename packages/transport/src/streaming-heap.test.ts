import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { relaunchWithStreamingHeap, STREAMING_HEAP_FLAGS, type RelaunchableProcess } from './streaming-heap.js';

interface Relaunch {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

function fakeProcess(execArgv: string[], withExecve = true): { proc: RelaunchableProcess; calls: Relaunch[]; errors: string[] } {
  const calls: Relaunch[] = [];
  const errors: string[] = [];
  const proc: RelaunchableProcess = {
    execPath: '/opt/node/bin/node',
    execArgv,
    argv: ['/opt/node/bin/node', '/srv/ra/bin/ra-exec.js', '--id', 'gpu-1'],
    env: { PATH: '/usr/bin', EXECUTOR_ID: 'gpu-1', UNSET: undefined },
    stderr: { write: (text: string) => errors.push(text) },
  };
  if (withExecve) {
    proc.execve = ((file: string, args: string[], env: NodeJS.ProcessEnv) => {
      calls.push({ file, args, env });
    }) as RelaunchableProcess['execve'];
  }
  return { proc, calls, errors };
}

describe('relaunchWithStreamingHeap', () => {
  it('re-executes the same node, script and arguments with the flags in front of the caller\'s own', () => {
    const { proc, calls } = fakeProcess(['--enable-source-maps']);
    relaunchWithStreamingHeap(proc);
    assert.deepEqual(calls, [
      {
        file: '/opt/node/bin/node',
        args: ['/opt/node/bin/node', ...STREAMING_HEAP_FLAGS, '--enable-source-maps', '/srv/ra/bin/ra-exec.js', '--id', 'gpu-1'],
        env: { PATH: '/usr/bin', EXECUTOR_ID: 'gpu-1' },
      },
    ]);
  });

  it('takes other flags from a caller that needs them, as the benchmark does', () => {
    const { proc, calls } = fakeProcess([]);
    relaunchWithStreamingHeap(proc, ['--initial-old-space-size=128']);
    assert.deepEqual(calls[0]?.args, ['/opt/node/bin/node', '--initial-old-space-size=128', '/srv/ra/bin/ra-exec.js', '--id', 'gpu-1']);
  });

  it('runs on as it is once it has the flags, or a setting of its own for the same option', () => {
    for (const execArgv of [[...STREAMING_HEAP_FLAGS], ['--initial-old-space-size=256'], ['--initial_old_space_size=16']]) {
      const { proc, calls } = fakeProcess(execArgv);
      relaunchWithStreamingHeap(proc);
      assert.deepEqual(calls, [], execArgv.join(' '));
    }
  });

  it('runs on as it is when execve fails, and says so', () => {
    const { proc, errors } = fakeProcess([]);
    proc.execve = (() => {
      throw Object.assign(new Error('execve failed'), { code: 'ENOMEM' });
    }) as RelaunchableProcess['execve'];
    assert.doesNotThrow(() => relaunchWithStreamingHeap(proc));
    assert.deepEqual(errors, [`could not restart Node.js with ${STREAMING_HEAP_FLAGS.join(' ')} (ENOMEM); running without\n`]);
  });

  it('runs on as it is where the platform has no execve (Windows)', () => {
    const { proc, calls } = fakeProcess([], false);
    relaunchWithStreamingHeap(proc);
    assert.deepEqual(calls, []);
  });

  it('keeps the pid, the arguments and stdout of a real process, which then has the flags', { skip: typeof process.execve !== 'function' && 'this platform has no process.execve' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ra-heap-'));
    try {
      const script = join(dir, 'cli.mjs');
      writeFileSync(
        script,
        `import { relaunchWithStreamingHeap } from ${JSON.stringify(new URL('./streaming-heap.js', import.meta.url).href)};
        process.env.RA_TEST_FIRST_PID ??= String(process.pid);
        relaunchWithStreamingHeap();
        console.log(JSON.stringify({ first: process.env.RA_TEST_FIRST_PID, pid: process.pid, execArgv: process.execArgv, args: process.argv.slice(2) }));
        `,
      );
      const run = spawnSync(process.execPath, ['--no-warnings', script, 'a b', '--flag'], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const lines = run.stdout.trim().split('\n');
      assert.equal(lines.length, 1, 'the script ran to its end once');
      const seen = JSON.parse(lines[0]!) as { first: string; pid: number; execArgv: string[]; args: string[] };
      assert.equal(String(seen.pid), seen.first, 'same pid after the relaunch');
      assert.deepEqual(seen.execArgv, [...STREAMING_HEAP_FLAGS, '--no-warnings']);
      assert.deepEqual(seen.args, ['a b', '--flag']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
