import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { PRODUCT_VERSION } from '@remote-agent/contracts';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const launcher = fileURLToPath(new URL('../bin/ra-exec.js', import.meta.url));

function run(args: string[], env: Record<string, string> = {}, entry = main) {
  const { PATH, SYSTEMROOT, HOME, USERPROFILE } = process.env;
  const base = Object.fromEntries(Object.entries({ PATH, SYSTEMROOT, HOME, USERPROFILE }).filter(([, v]) => v !== undefined));
  return spawnSync(process.execPath, [entry, ...args], { env: { ...base, ...env }, encoding: 'utf8', timeout: 10_000 });
}

describe('ra-exec CLI', () => {
  test('--help lists the settings', () => {
    const out = run(['--help']);
    assert.equal(out.status, 0);
    assert.match(out.stdout, /Usage: ra-exec/);
    for (const name of ['EXECUTOR_ID', 'EXECUTOR_TAGS', 'EXECUTOR_HEARTBEAT_INTERVAL_MS', 'EXECUTOR_STATE_DIR', 'WEB_PUBSUB_CONNECTION_STRING']) {
      assert.match(out.stdout, new RegExp(name));
    }
  });

  test('--version prints the version, also through the bin launcher', () => {
    assert.equal(run(['--version']).stdout.trim(), PRODUCT_VERSION);
    const viaBin = run(['--version'], {}, launcher);
    assert.equal(viaBin.status, 0);
    assert.equal(viaBin.stdout.trim(), PRODUCT_VERSION);
  });

  test('without EXECUTOR_ID it exits non-zero with one clear line', () => {
    const out = run([]);
    assert.equal(out.status, 2);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /^ra-exec: EXECUTOR_ID is not set: .*--executor-id <id>/);
    assert.equal(out.stderr.trim().split('\n').length, 1);
  });

  test('without a relay it says what to set', () => {
    const out = run([], { EXECUTOR_ID: 'a' });
    assert.equal(out.status, 2);
    assert.match(out.stderr, /no relay configured: set WEB_PUBSUB_CONNECTION_STRING/);
  });

  test('a bad setting is named, and the access key never printed', () => {
    const out = run(['--id', 'a'], {
      WEB_PUBSUB_CONNECTION_STRING: 'Endpoint=http://127.0.0.1;Port=1;AccessKey=dGhpcy1pcy1zZWNyZXQ=;Version=1.0;',
      EXECUTOR_STATE_DIR: '/nonexistent-for-test/state',
      EXECUTOR_WORK_DIR: '/nonexistent-for-test',
    });
    assert.equal(out.status, 2);
    assert.match(out.stderr, /EXECUTOR_WORK_DIR/);
    assert.doesNotMatch(out.stderr, /dGhpcy1pcy1zZWNyZXQ/);
  });
});
