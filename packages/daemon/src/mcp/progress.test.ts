import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, silentLogger } from '@remote-agent/transport';
import type { RequestView } from '../core-api.js';
import { createProgressReporter } from './progress.js';

function view(stdout: string, stderr = '', extraBytes = 0): RequestView {
  return {
    requestId: 'r',
    executorId: 'a',
    kind: 'run',
    state: 'running',
    outcome: null,
    ok: null,
    exitCode: null,
    signal: null,
    stdout,
    stderr,
    stdoutBytes: Buffer.byteLength(stdout) + extraBytes,
    stderrBytes: Buffer.byteLength(stderr),
    truncated: extraBytes > 0,
    createdAt: 0,
    startedAt: 0,
    completedAt: null,
    durationMs: null,
  };
}

function setup(maxMessageChars?: number) {
  const clock = new ManualClock();
  const sent: Array<[number, string]> = [];
  const reporter = createProgressReporter({
    clock,
    intervalMs: 1000,
    logger: silentLogger,
    maxMessageChars,
    send: async (progress, message) => {
      sent.push([progress, message]);
    },
  });
  return { clock, sent, reporter };
}

test('the first output is sent at once, later output once per interval with everything new', () => {
  const { clock, sent, reporter } = setup();
  reporter.update(view('a\n'));
  assert.deepEqual(sent, [[2, 'a\n']]);
  reporter.update(view('a\nb\n'));
  reporter.update(view('a\nb\nc\n'));
  assert.equal(sent.length, 1);
  clock.advance(999);
  assert.equal(sent.length, 1);
  clock.advance(1);
  assert.deepEqual(sent[1], [6, 'b\nc\n']);
});

test('progress only increases: a view without new output sends nothing', () => {
  const { clock, sent, reporter } = setup();
  reporter.update(view('a'));
  clock.advance(5000);
  reporter.update(view('a'));
  clock.advance(5000);
  assert.equal(sent.length, 1);
});

test('messages are bounded to the newest output; output past the daemon cap is counted', () => {
  const { clock, sent, reporter } = setup(10);
  reporter.update(view('0123456789abcdef'));
  assert.deepEqual(sent[0], [16, '6789abcdef']);
  clock.advance(1000);
  reporter.update(view('0123456789abcdef', '', 50));
  assert.deepEqual(sent[1], [66, '66 bytes of output so far']);
});

test('nothing is sent after stop, even when a send was scheduled', () => {
  const { clock, sent, reporter } = setup();
  reporter.update(view('a'));
  reporter.update(view('ab'));
  reporter.stop();
  clock.advance(5000);
  reporter.update(view('abc'));
  assert.equal(sent.length, 1);
  assert.equal(clock.pendingTimers(), 0);
});

test('a failing send is not thrown to the caller', async () => {
  const clock = new ManualClock();
  let attempts = 0;
  const reporter = createProgressReporter({
    clock,
    intervalMs: 1000,
    logger: silentLogger,
    send: async () => {
      attempts += 1;
      throw new Error('client gone');
    },
  });
  reporter.update(view('a'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(attempts, 1);
});
