import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startRelay, type RelayOptions } from '@remote-agent/relay';
import { memoryLogger } from '@remote-agent/transport';
import { startEmbeddedRelay } from './embedded-relay.js';

const roots: string[] = [];
after(async () => {
  for (const dir of roots) await rm(dir, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ra-embedded-'));
  roots.push(dir);
  return dir;
}

/** Starts the real relay on a free loopback port, keeping the endpoint the daemon asked for. */
function recordingStart(seen: RelayOptions[]) {
  return (opts: RelayOptions) => {
    seen.push(opts);
    return startRelay({ ...opts, host: '127.0.0.1', port: 0 });
  };
}

describe('embedded relay', () => {
  it('listens, writes executor.env with its connection string, and logs no key', async () => {
    const dir = await stateDir();
    const logger = memoryLogger('debug');
    const relay = await startEmbeddedRelay({ config: { host: '127.0.0.1', port: 0, publicUrl: null }, hub: 'rexec', stateDir: dir, logger });
    try {
      const key = (await readFile(join(dir, 'relay.key'), 'utf8')).trim();
      assert.match(relay.publicUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(relay.connectionString.includes(`AccessKey=${key};`));
      assert.equal(relay.access.mode, 'connection-string');
      assert.ok((await readFile(relay.executorEnvPath, 'utf8')).includes(relay.connectionString));
      assert.ok(logger.lines.some((l) => l.includes('embedded relay listening') && l.includes(relay.publicUrl)));
      assert.ok(logger.lines.some((l) => l.includes(relay.executorEnvPath) && l.includes('--print-executor-command')));
      assert.ok(logger.lines.every((l) => !l.includes(key)));
    } finally {
      await relay.close();
    }
  });

  it('keeps its key across restarts, so executors need no new settings', async () => {
    const dir = await stateDir();
    const config = { host: '127.0.0.1', port: 0, publicUrl: 'http://relay.example:9000' };
    const seen: RelayOptions[] = [];
    const first = await startEmbeddedRelay({ config, hub: 'rexec', stateDir: dir, logger: memoryLogger(), start: recordingStart(seen) });
    await first.close();
    const second = await startEmbeddedRelay({ config, hub: 'rexec', stateDir: dir, logger: memoryLogger(), start: recordingStart(seen) });
    await second.close();
    assert.equal(first.connectionString, second.connectionString);
    assert.equal(first.connectionString.startsWith('Endpoint=http://relay.example;'), true);
    assert.deepEqual(seen.map((o) => o.endpoint), ['http://relay.example:9000', 'http://relay.example:9000']);
  });

  it('names this machine as the endpoint when bound to every interface', async () => {
    const seen: RelayOptions[] = [];
    const relay = await startEmbeddedRelay({
      config: { host: '0.0.0.0', port: 8766, publicUrl: null },
      hub: 'rexec',
      stateDir: await stateDir(),
      logger: memoryLogger(),
      start: recordingStart(seen),
      machineName: 'buildbox',
    });
    await relay.close();
    assert.equal(seen[0]?.endpoint, 'http://buildbox:8766');
    assert.equal(relay.publicUrl, 'http://buildbox:8766');
  });
});
