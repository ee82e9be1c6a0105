import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { defaultRelayPublicUrl, parseDaemonConfig } from './config.js';

const home = '/home/tester';
const parse = (env: NodeJS.ProcessEnv) => parseDaemonConfig(env, { homeDir: home, cwd: '/work' });

function configError(env: NodeJS.ProcessEnv): string {
  try {
    parse(env);
  } catch (err) {
    assert.ok(err instanceof RemoteAgentError);
    assert.equal(err.code, ErrorCode.InvalidConfig);
    assert.ok(!err.message.includes('\n'), 'one line');
    return err.message;
  }
  assert.fail('expected a configuration error');
}

describe('parseDaemonConfig', () => {
  it('applies the documented defaults', () => {
    const c = parse({});
    assert.equal(c.relay, null);
    assert.equal(c.hub, 'rexec');
    assert.equal(c.daemonId, null);
    assert.equal(c.stateDir, join(home, '.remote-agent', 'daemon'));
    assert.deepEqual(c.mcp, {
      host: '127.0.0.1',
      port: 8765,
      path: '/mcp',
      allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
      toolNames: 'underscore',
    });
    assert.deepEqual(c.registry, {
      refreshIntervalMs: 30_000,
      suspectAfterMs: 25_000,
      offlineAfterMs: 60_000,
      inventoryLogIntervalMs: 60_000,
    });
    assert.deepEqual(c.requests, { runMaxWaitMs: 45_000, outputMaxBytes: 1024 * 1024, progressIntervalMs: 1000, retain: 2000 });
    assert.equal(c.oneShotRun, null);
    assert.deepEqual(c.embeddedRelay, { host: '127.0.0.1', port: 8766, publicUrl: null });
    assert.deepEqual(c.log, { level: 'info', format: 'text' });
    assert.equal(c.relayProtocol, 'protobuf');
  });

  it('reads every setting', () => {
    const c = parse({
      DAEMON_ID: 'laptop-1',
      DAEMON_STATE_DIR: '~/state',
      DAEMON_MCP_HOST: '0.0.0.0',
      DAEMON_MCP_PORT: '0',
      DAEMON_MCP_PATH: '/agent/mcp',
      DAEMON_MCP_ALLOWED_HOSTS: ' Example.com , localhost,localhost',
      DAEMON_MCP_TOOL_NAMES: 'dotted',
      DAEMON_REGISTRY_REFRESH_INTERVAL_MS: '100',
      DAEMON_EXECUTOR_SUSPECT_AFTER_MS: '200',
      DAEMON_EXECUTOR_OFFLINE_AFTER_MS: '300',
      DAEMON_INVENTORY_LOG_INTERVAL_MS: '400',
      DAEMON_RUN_MAX_WAIT_MS: '500',
      DAEMON_OUTPUT_MAX_BYTES: '600',
      DAEMON_PROGRESS_INTERVAL_MS: '700',
      DAEMON_REQUEST_RETAIN: '800',
      DAEMON_RUN_EXECUTOR_ID: 'box',
      DAEMON_RUN_COMMAND: 'echo hi',
      DAEMON_RUN_TIMEOUT_MS: '900',
      DAEMON_RUN_WAIT_FOR_EXECUTOR_MS: '1000',
      RELAY_HOST: '0.0.0.0',
      DAEMON_RELAY_PORT: '9000',
      DAEMON_RELAY_PUBLIC_URL: 'https://relay.example.com/',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      WEB_PUBSUB_HUB: 'other_hub',
      WEB_PUBSUB_PROTOCOL: 'json',
    });
    assert.equal(c.relayProtocol, 'json');
    assert.equal(c.daemonId, 'laptop-1');
    assert.equal(c.stateDir, join(home, 'state'));
    assert.deepEqual(c.mcp, { host: '0.0.0.0', port: 0, path: '/agent/mcp', allowedHosts: ['example.com', 'localhost'], toolNames: 'dotted' });
    assert.deepEqual(c.registry, { refreshIntervalMs: 100, suspectAfterMs: 200, offlineAfterMs: 300, inventoryLogIntervalMs: 400 });
    assert.deepEqual(c.requests, { runMaxWaitMs: 500, outputMaxBytes: 600, progressIntervalMs: 700, retain: 800 });
    assert.deepEqual(c.oneShotRun, { executorId: 'box', command: 'echo hi', timeoutMs: 900, waitForExecutorMs: 1000 });
    assert.deepEqual(c.embeddedRelay, { host: '0.0.0.0', port: 9000, publicUrl: 'https://relay.example.com' });
    assert.deepEqual(c.log, { level: 'debug', format: 'json' });
    assert.equal(c.hub, 'other_hub');
  });

  it('resolves a relative state folder against the working folder', () => {
    assert.equal(parse({ DAEMON_STATE_DIR: 'st' }).stateDir, join('/work', 'st'));
  });

  it('takes relay access from the transport settings', () => {
    const c = parse({
      WEB_PUBSUB_CONNECTION_STRING: 'Endpoint=https://x.webpubsub.azure.com;AccessKey=abc;Version=1.0;',
      WEB_PUBSUB_HUB: 'hub2',
    });
    assert.equal(c.relay?.mode, 'connection-string');
    assert.equal(c.hub, 'hub2');
  });

  const bad: Array<[string, string]> = [
    ['DAEMON_MCP_PORT', 'eighty'],
    ['DAEMON_MCP_PORT', '70000'],
    ['DAEMON_RELAY_PORT', '-1'],
    ['DAEMON_MCP_PATH', 'mcp'],
    ['DAEMON_MCP_ALLOWED_HOSTS', ' , '],
    ['DAEMON_MCP_TOOL_NAMES', 'camel'],
    ['DAEMON_REGISTRY_REFRESH_INTERVAL_MS', '1.5'],
    ['DAEMON_INVENTORY_LOG_INTERVAL_MS', '0'],
    ['DAEMON_RUN_MAX_WAIT_MS', 'soon'],
    ['DAEMON_OUTPUT_MAX_BYTES', '0'],
    ['DAEMON_PROGRESS_INTERVAL_MS', 'x'],
    ['DAEMON_REQUEST_RETAIN', '0'],
    ['DAEMON_RUN_TIMEOUT_MS', '0'],
    ['DAEMON_RUN_WAIT_FOR_EXECUTOR_MS', 'long'],
    ['DAEMON_ID', 'has space'],
    ['DAEMON_RELAY_PUBLIC_URL', 'ftp://relay'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_FORMAT', 'xml'],
    ['WEB_PUBSUB_HUB', '1hub'],
    ['WEB_PUBSUB_PROTOCOL', 'msgpack'],
    ['WEB_PUBSUB_CONNECTION_STRING', 'Endpoint=https://x;Version=1.0;'],
  ];
  for (const [name, value] of bad) {
    it(`names ${name} when it is ${JSON.stringify(value)}`, () => {
      assert.match(configError({ [name]: value }), new RegExp(name));
    });
  }

  it('names every bad variable in one error', () => {
    const message = configError({ DAEMON_MCP_PORT: 'x', LOG_LEVEL: 'y', DAEMON_REQUEST_RETAIN: 'z' });
    for (const name of ['DAEMON_MCP_PORT', 'LOG_LEVEL', 'DAEMON_REQUEST_RETAIN']) assert.match(message, new RegExp(name));
  });

  it('requires suspect to come before offline', () => {
    const message = configError({ DAEMON_EXECUTOR_SUSPECT_AFTER_MS: '5000', DAEMON_EXECUTOR_OFFLINE_AFTER_MS: '5000' });
    assert.match(message, /DAEMON_EXECUTOR_SUSPECT_AFTER_MS.*DAEMON_EXECUTOR_OFFLINE_AFTER_MS/);
  });

  it('requires both halves of a one-shot run', () => {
    assert.match(configError({ DAEMON_RUN_COMMAND: 'ls' }), /DAEMON_RUN_EXECUTOR_ID is required/);
    assert.match(configError({ DAEMON_RUN_EXECUTOR_ID: 'box' }), /DAEMON_RUN_COMMAND is required/);
  });

  it('never echoes an access key', () => {
    const message = configError({ WEB_PUBSUB_CONNECTION_STRING: 'AccessKey=supersecret123;Version=1.0' });
    assert.ok(!message.includes('supersecret123'));
  });
});

describe('defaultRelayPublicUrl', () => {
  it('uses the bound host, or the machine name on a wildcard bind', () => {
    assert.equal(defaultRelayPublicUrl('127.0.0.1', 8766, 'box'), 'http://127.0.0.1:8766');
    assert.equal(defaultRelayPublicUrl('0.0.0.0', 8766, 'box'), 'http://box:8766');
    assert.equal(defaultRelayPublicUrl('::', 1, 'box'), 'http://box:1');
    assert.equal(defaultRelayPublicUrl('::1', 2, 'box'), 'http://[::1]:2');
  });
});

describe('DAEMON_ARTIFACT_ROOTS', () => {
  it('defaults to a folder in the state directory', () => {
    assert.deepEqual(parse({}).artifactRoots, [join(home, '.remote-agent', 'daemon', 'artifacts')]);
    assert.deepEqual(parse({ DAEMON_STATE_DIR: '/srv/ra' }).artifactRoots, [join('/srv/ra', 'artifacts')]);
  });

  it('takes a comma list, expanding ~ and relative paths, without repeats', () => {
    assert.deepEqual(parse({ DAEMON_ARTIFACT_ROOTS: ' /data/out , ~/drop,rel, /data/out ' }).artifactRoots, [
      '/data/out',
      join(home, 'drop'),
      join('/work', 'rel'),
    ]);
  });

  it('refuses a list with no folder in it, naming the variable', () => {
    assert.match(configError({ DAEMON_ARTIFACT_ROOTS: ' , ,' }), /DAEMON_ARTIFACT_ROOTS must list one or more folders/);
  });
});
