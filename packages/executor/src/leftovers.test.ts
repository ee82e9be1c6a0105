import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { EXECUTOR_ID_VAR, REQUEST_ID_VAR, findLeftovers } from './leftovers.js';

let proc: string;
beforeEach(() => {
  proc = mkdtempSync(join(tmpdir(), 'ra-leftovers-'));
});
afterEach(() => rmSync(proc, { recursive: true, force: true }));

/** A process as /proc shows it: its environment (NUL-separated) and its stat line. */
function fakeProcess(pid: number, env: Record<string, string> | null, pgid: number, comm = 'sh'): void {
  const dir = join(proc, String(pid));
  mkdirSync(dir);
  if (env !== null) writeFileSync(join(dir, 'environ'), Object.entries(env).map(([k, v]) => `${k}=${v}\0`).join(''));
  writeFileSync(join(dir, 'stat'), `${pid} (${comm}) S 1 ${pgid} ${pgid} 0 -1 4194560 100 0 0 0\n`);
}

const tags = (executorId: string, requestId: string): Record<string, string> => ({
  PATH: '/usr/bin',
  [EXECUTOR_ID_VAR]: executorId,
  [REQUEST_ID_VAR]: requestId,
});

describe('findLeftovers', () => {
  test('finds the processes of the given requests of this executor, with their groups', () => {
    fakeProcess(100, tags('exec-1', 'req-a'), 100);
    fakeProcess(101, tags('exec-1', 'req-a'), 100, 'sleep (tricky) name');
    fakeProcess(102, tags('exec-1', 'req-a'), 102);
    fakeProcess(200, tags('exec-1', 'req-b'), 200);
    fakeProcess(300, tags('exec-2', 'req-a'), 300);
    fakeProcess(400, { PATH: '/usr/bin' }, 400);
    fakeProcess(500, null, 500);
    mkdirSync(join(proc, 'self'));
    assert.deepEqual(
      findLeftovers('exec-1', new Set(['req-a']), proc).sort((x, y) => x.pid - y.pid),
      [
        { pid: 100, pgid: 100, requestId: 'req-a' },
        { pid: 101, pgid: 100, requestId: 'req-a' },
        { pid: 102, pgid: 102, requestId: 'req-a' },
      ],
    );
  });

  test('finds nothing without requests to look for, or without a /proc', () => {
    fakeProcess(100, tags('exec-1', 'req-a'), 100);
    assert.deepEqual(findLeftovers('exec-1', new Set(), proc), []);
    assert.deepEqual(findLeftovers('exec-1', new Set(['req-a']), join(proc, 'missing')), []);
  });

  test('finds a real process by its environment', { skip: process.platform === 'linux' ? false : 'reads /proc' }, async () => {
    const child = spawn('sleep', ['30'], { env: { ...process.env, ...tags('exec-test', 'req-real') }, stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const found = findLeftovers('exec-test', new Set(['req-real']));
      assert.deepEqual(
        found.map((p) => p.pid),
        [child.pid],
      );
    } finally {
      child.kill('SIGKILL');
    }
  });
});
