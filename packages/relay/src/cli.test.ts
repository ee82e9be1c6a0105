import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRODUCT_VERSION } from '@remote-agent/contracts';
import { runRelayCli, type CliIo } from './cli.js';

function io(): CliIo & { stdout: string[]; stderr: string[]; sigterm: Promise<() => void> } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let registered: (handler: () => void) => void = () => {};
  const sigterm = new Promise<() => void>((resolve) => (registered = resolve));
  return {
    stdout,
    stderr,
    sigterm,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    onSignal: (s, h) => {
      if (s === 'SIGTERM') registered(h);
    },
  };
}

test('--version and --help print to stdout and exit 0', async () => {
  const v = io();
  assert.equal(await runRelayCli(['--version'], {}, v), 0);
  assert.deepEqual(v.stdout, [`${PRODUCT_VERSION}\n`]);
  const h = io();
  assert.equal(await runRelayCli(['--help'], {}, h), 0);
  assert.match(h.stdout.join(''), /WEB_PUBSUB_CONNECTION_STRING/);
});

test('an unknown option or bad configuration is one line on stderr and exit 2', async () => {
  const u = io();
  assert.equal(await runRelayCli(['--bogus'], {}, u), 2);
  assert.match(u.stderr.join(''), /unknown option "--bogus"/);
  const c = io();
  assert.equal(await runRelayCli([], { WEB_PUBSUB_CONNECTION_STRING: 'Endpoint=http://h;AccessKey=k;', RELAY_PORT: 'abc' }, c), 2);
  assert.equal(c.stderr.length, 1);
  assert.match(c.stderr[0]!, /^ra-relay: invalid configuration: RELAY_PORT/);
  assert.equal(c.stderr[0]!.trimEnd().split('\n').length, 1);
});

test('starts, logs where it listens, and stops on SIGTERM', async () => {
  const t = io();
  const running = runRelayCli([], { WEB_PUBSUB_CONNECTION_STRING: 'Endpoint=http://127.0.0.1;AccessKey=k;', RELAY_PORT: '0' }, t);
  const stop = await t.sigterm;
  // Log lines are written once the turn that logged them is done.
  await new Promise((resolve) => setImmediate(resolve));
  assert.match(t.stderr.join(''), /INFO relay listening url=http:\/\/127\.0\.0\.1 bind=127\.0\.0\.1:\d+/);
  stop();
  assert.equal(await running, 0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.match(t.stderr.join(''), /relay stopped/);
  assert.ok(!t.stderr.join('').includes('AccessKey=k'));
});
