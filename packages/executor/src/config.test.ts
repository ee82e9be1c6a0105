import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PRODUCT_VERSION } from '@remote-agent/contracts';
import { parseCliConfig, parseExecutorConfig, type HostFacts } from './config.js';

let root: string;
let host: HostFacts;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'ra-exec-config-'));
  host = { cwd: root, homedir: join(root, 'home'), hostname: 'box', platform: 'linux', arch: 'x64', osName: 'Linux 6.1' };
});
after(() => rmSync(root, { recursive: true, force: true }));

const relay = { WEB_PUBSUB_CONNECTION_STRING: 'Endpoint=http://127.0.0.1;Port=8766;AccessKey=c2VjcmV0LWtleQ==;Version=1.0;' };

function fails(env: Record<string, string>, argv: string[], pattern: RegExp): void {
  assert.throws(
    () => parseCliConfig(env, argv, host),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'INVALID_CONFIG');
      assert.match(err.message, pattern);
      assert.doesNotMatch(err.message, /c2VjcmV0LWtleQ/);
      return true;
    },
  );
}

describe('executor config', () => {
  test('defaults', () => {
    const config = parseExecutorConfig({ EXECUTOR_ID: 'build-1' }, [], host);
    assert.equal(config.executorId, 'build-1');
    assert.deepEqual(config.tags, {});
    assert.equal(config.version, PRODUCT_VERSION);
    assert.equal(config.hostname, 'box');
    assert.equal(config.os, 'Linux 6.1');
    assert.equal(config.arch, 'x64');
    assert.equal(config.stateDir, join(root, 'home', '.remote-agent', 'executors', 'build-1'));
    assert.equal(config.workDir, root);
    assert.equal(config.maxConcurrent, 8);
    assert.equal(config.heartbeatIntervalMs, 10_000);
    assert.equal(config.probeReplyJitterMs, 1_000);
    assert.equal(config.creditNudgeMs, 10_000);
    assert.equal(config.killGraceMs, 3_000);
    assert.equal(config.outputMaxBytes, 64 * 1024 * 1024);
    assert.equal(config.outputRetain, 500);
    assert.equal(config.outputRetainBytes, 1024 * 1024 * 1024);
    assert.deepEqual(config.shell, { file: '/bin/sh', args: ['-c'], style: 'posix' });
  });

  test('the probe reply jitter can be disabled with 0 and is range-checked', () => {
    assert.equal(parseExecutorConfig({ EXECUTOR_ID: 'p', EXECUTOR_PROBE_REPLY_JITTER_MS: '0' }, [], host).probeReplyJitterMs, 0);
    assert.throws(
      () => parseExecutorConfig({ EXECUTOR_ID: 'p', EXECUTOR_PROBE_REPLY_JITTER_MS: '-5' }, [], host),
      /EXECUTOR_PROBE_REPLY_JITTER_MS must be a whole number/,
    );
  });

  test('output logs can be turned off with 0; other sizes below 1024 are refused', () => {
    assert.equal(parseExecutorConfig({ EXECUTOR_ID: 'p', EXECUTOR_OUTPUT_MAX_BYTES: '0' }, [], host).outputMaxBytes, 0);
    assert.equal(parseExecutorConfig({ EXECUTOR_ID: 'p', EXECUTOR_OUTPUT_MAX_BYTES: '1024' }, [], host).outputMaxBytes, 1024);
    assert.throws(() => parseExecutorConfig({ EXECUTOR_ID: 'p', EXECUTOR_OUTPUT_MAX_BYTES: '1023' }, [], host), /EXECUTOR_OUTPUT_MAX_BYTES/);
  });

  test('the id comes from --executor-id, --id or EXECUTOR_ID, the flag first', () => {
    assert.equal(parseExecutorConfig({ EXECUTOR_ID: 'env' }, ['--executor-id', 'flag'], host).executorId, 'flag');
    assert.equal(parseExecutorConfig({}, ['--id=short'], host).executorId, 'short');
    assert.equal(parseExecutorConfig({}, ['--id', 'x.y_z-1'], host).executorId, 'x.y_z-1');
  });

  test('overrides, tags and windows shell', () => {
    const config = parseExecutorConfig(
      {
        EXECUTOR_ID: 'w',
        EXECUTOR_TAGS: 'gpu=a100, region = westeurope ,empty=',
        EXECUTOR_VERSION: '9.9',
        EXECUTOR_HOSTNAME: 'h',
        EXECUTOR_OS: 'Windows 11',
        EXECUTOR_ARCH: 'arm64',
        EXECUTOR_MAX_CONCURRENT: '2',
        ComSpec: 'C:\\Windows\\system32\\cmd.exe',
      },
      [],
      { ...host, platform: 'win32' },
    );
    assert.deepEqual(config.tags, { gpu: 'a100', region: 'westeurope', empty: '' });
    assert.deepEqual([config.version, config.hostname, config.os, config.arch], ['9.9', 'h', 'Windows 11', 'arm64']);
    assert.equal(config.maxConcurrent, 2);
    assert.deepEqual(config.shell, { file: 'C:\\Windows\\system32\\cmd.exe', args: ['/d', '/s', '/c'], style: 'cmd' });
  });

  test('relay credentials are not passed on to commands', () => {
    const config = parseExecutorConfig({ EXECUTOR_ID: 'a', ...relay, EXECUTOR_CLIENT_ACCESS_URL: 'x', HOME: '/h' }, [], host);
    assert.equal(config.baseEnv.WEB_PUBSUB_CONNECTION_STRING, undefined);
    assert.equal(config.baseEnv.EXECUTOR_CLIENT_ACCESS_URL, undefined);
    assert.equal(config.baseEnv.HOME, '/h');
  });

  test('every bad setting is named in the error', () => {
    const base = { EXECUTOR_ID: 'a', ...relay };
    fails({ ...relay }, [], /EXECUTOR_ID is not set.*--executor-id/);
    fails({ ...relay, EXECUTOR_ID: 'bad id!' }, [], /EXECUTOR_ID "bad id!" is not a valid id/);
    fails({ ...relay, EXECUTOR_ID: '-x' }, [], /EXECUTOR_ID/);
    fails(base, ['--bogus'], /unknown argument "--bogus"/);
    fails(base, ['--id'], /--id needs a value/);
    fails({ ...base, EXECUTOR_TAGS: 'novalue' }, [], /EXECUTOR_TAGS/);
    fails({ ...base, EXECUTOR_TAGS: 'a=1,a=2' }, [], /EXECUTOR_TAGS names the tag "a" twice/);
    fails({ ...base, EXECUTOR_MAX_CONCURRENT: '0' }, [], /EXECUTOR_MAX_CONCURRENT must be a whole number from 1/);
    fails({ ...base, EXECUTOR_HEARTBEAT_INTERVAL_MS: '1s' }, [], /EXECUTOR_HEARTBEAT_INTERVAL_MS/);
    fails({ ...base, EXECUTOR_KILL_GRACE_MS: '-1' }, [], /EXECUTOR_KILL_GRACE_MS/);
    fails({ ...base, EXECUTOR_OUTPUT_RETAIN_BYTES: '1000' }, [], /EXECUTOR_OUTPUT_RETAIN_BYTES must be a whole number from 1048576/);
    fails({ ...base, EXECUTOR_OUTPUT_MAX_BYTES: '10' }, [], /EXECUTOR_OUTPUT_MAX_BYTES must be 0 \(keep no output on disk\) or a whole number of bytes from 1024/);
    fails({ ...base, EXECUTOR_OUTPUT_RETAIN: 'many' }, [], /EXECUTOR_OUTPUT_RETAIN/);
    fails({ ...base, EXECUTOR_JOURNAL_RETAIN: '1' }, [], /EXECUTOR_JOURNAL_RETAIN/);
    fails({ ...base, EXECUTOR_OS: 'x'.repeat(65) }, [], /EXECUTOR_OS must be at most 64/);
    fails({ ...base, EXECUTOR_WORK_DIR: join(root, 'missing') }, [], /EXECUTOR_WORK_DIR .*does not exist/);
    writeFileSync(join(root, 'file'), '');
    fails({ ...base, EXECUTOR_WORK_DIR: join(root, 'file') }, [], /EXECUTOR_WORK_DIR .*not a folder/);
    fails({ ...base, LOG_LEVEL: 'loud' }, [], /LOG_LEVEL/);
    fails({ ...base, LOG_FORMAT: 'xml' }, [], /LOG_FORMAT/);
    fails({ ...base, WEB_PUBSUB_HUB: '9hub' }, [], /WEB_PUBSUB_HUB/);
    fails({ ...base, WEB_PUBSUB_PROTOCOL: 'xml' }, [], /WEB_PUBSUB_PROTOCOL must be protobuf or json/);
    fails({ EXECUTOR_ID: 'a' }, [], /no relay configured: set WEB_PUBSUB_CONNECTION_STRING.*--print-executor-command/);
  });

  test('the CLI config carries the relay access and log settings', () => {
    const config = parseCliConfig({ EXECUTOR_ID: 'a', ...relay, LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }, [], host);
    assert.equal(config.relay.mode, 'connection-string');
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.logFormat, 'json');
    assert.equal(config.relayProtocol, 'protobuf');
    assert.equal(parseCliConfig({ EXECUTOR_ID: 'a', ...relay, WEB_PUBSUB_PROTOCOL: 'json' }, [], host).relayProtocol, 'json');
  });
});
