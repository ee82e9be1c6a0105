import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseDaemonConfig } from './config.js';
import { executorRelaySettings, formatExecutorCommand, printExecutorCommand } from './executor-command.js';

const roots: string[] = [];
after(async () => {
  for (const dir of roots) await rm(dir, { recursive: true, force: true });
});

function sink() {
  const out = { text: '', write: (t: string) => (out.text += t) };
  return out;
}

describe('executor command', () => {
  it('quotes values for POSIX shells and PowerShell', () => {
    const text = formatExecutorCommand({ WEB_PUBSUB_CONNECTION_STRING: "Endpoint=http://h;AccessKey=it's;" }, 'box');
    assert.ok(text.includes(`WEB_PUBSUB_CONNECTION_STRING='Endpoint=http://h;AccessKey=it'\\''s;' EXECUTOR_ID='box' npx ra-exec`));
    assert.ok(text.includes(`$env:WEB_PUBSUB_CONNECTION_STRING='Endpoint=http://h;AccessKey=it''s;'; $env:EXECUTOR_ID='box'; npx ra-exec`));
  });

  it('gives the embedded relay settings from the state folder, with the same key every time', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'ra-cmd-'));
    roots.push(stateDir);
    const config = parseDaemonConfig({ DAEMON_STATE_DIR: stateDir, DAEMON_RELAY_PORT: '9123' });
    const first = await executorRelaySettings(config);
    const second = await executorRelaySettings(config);
    assert.ok(first.ok && second.ok);
    assert.match(first.vars.WEB_PUBSUB_CONNECTION_STRING ?? '', /^Endpoint=http:\/\/127\.0\.0\.1;AccessKey=[\w-]+;Version=1\.0;Port=9123;$/);
    assert.equal(first.vars.WEB_PUBSUB_HUB, 'rexec');
    assert.deepEqual(first, second);
  });

  it('passes on a configured connection string or endpoint', async () => {
    const cs = 'Endpoint=https://x.webpubsub.azure.com;AccessKey=abc;Version=1.0;';
    const fromCs = await executorRelaySettings(parseDaemonConfig({ WEB_PUBSUB_CONNECTION_STRING: cs, WEB_PUBSUB_HUB: 'h' }));
    assert.deepEqual(fromCs, { ok: true, vars: { WEB_PUBSUB_CONNECTION_STRING: cs, WEB_PUBSUB_HUB: 'h' } });
    const fromEndpoint = await executorRelaySettings(parseDaemonConfig({ WEB_PUBSUB_ENDPOINT: 'https://x.webpubsub.azure.com' }));
    assert.deepEqual(fromEndpoint, { ok: true, vars: { WEB_PUBSUB_ENDPOINT: 'https://x.webpubsub.azure.com', WEB_PUBSUB_HUB: 'rexec' } });
  });

  it('explains why there is no command for a daemon-only client access URL', async () => {
    const config = parseDaemonConfig(
      { DAEMON_CLIENT_ACCESS_URL: 'wss://x/client/hubs/rexec?access_token=t' },
      { homeDir: join(tmpdir(), 'ra-cmd-no-home') },
    );
    const out = sink();
    const err = sink();
    assert.equal(await printExecutorCommand(config, { stdout: out, stderr: err }, 'ra-daemon'), 2);
    assert.equal(out.text, '');
    assert.match(err.text, /^ra-daemon: cannot print an executor command: .*EXECUTOR_CLIENT_ACCESS_URL/);
  });

  it('prints the command to stdout only', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'ra-cmd-'));
    roots.push(stateDir);
    const out = sink();
    const err = sink();
    assert.equal(await printExecutorCommand(parseDaemonConfig({ DAEMON_STATE_DIR: stateDir }), { stdout: out, stderr: err }, 'ra-daemon'), 0);
    assert.match(out.text, /WEB_PUBSUB_CONNECTION_STRING='Endpoint=http:\/\/127\.0\.0\.1;AccessKey=/);
    assert.equal(err.text, '');
  });
});
