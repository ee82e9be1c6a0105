import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { ensureStateDir, loadOrCreateDaemonId, loadOrCreateRelayKey, writeExecutorEnv } from './state-dir.js';

const roots: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ra-daemon-state-'));
  roots.push(dir);
  return join(dir, 'nested', 'state');
}
after(async () => {
  for (const dir of roots) await rm(dir, { recursive: true, force: true });
});

const posix = process.platform !== 'win32';
async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe('state folder', () => {
  it('creates the folder owner-only', async () => {
    const dir = await tempDir();
    await ensureStateDir(dir);
    if (posix) assert.equal(await mode(dir), 0o700);
  });

  it('creates a daemon id once and keeps it', async () => {
    const dir = await tempDir();
    await ensureStateDir(dir);
    const id = await loadOrCreateDaemonId(dir);
    assert.match(id, /^daemon-[0-9a-f]{12}$/);
    assert.equal(await loadOrCreateDaemonId(dir), id);
  });

  it('refuses a damaged daemon id file, saying how to fix it', async () => {
    const dir = await tempDir();
    await ensureStateDir(dir);
    await writeFile(join(dir, 'daemon-id'), 'not a valid id!\n');
    await assert.rejects(
      loadOrCreateDaemonId(dir),
      (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.InvalidConfig && /DAEMON_ID/.test(err.message),
    );
  });

  it('creates a relay key owner-only and keeps it', async () => {
    const dir = await tempDir();
    await ensureStateDir(dir);
    const key = await loadOrCreateRelayKey(dir);
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(await loadOrCreateRelayKey(dir), key);
    if (posix) assert.equal(await mode(join(dir, 'relay.key')), 0o600);
  });

  it('refuses a damaged relay key without printing it', async () => {
    const dir = await tempDir();
    await ensureStateDir(dir);
    await writeFile(join(dir, 'relay.key'), 'short;key');
    await assert.rejects(loadOrCreateRelayKey(dir), (err: unknown) => err instanceof Error && !err.message.includes('short;key'));
  });

  it('writes executor.env owner-only, replacing an older one', async () => {
    const dir = await tempDir();
    await ensureStateDir(dir);
    await writeFile(join(dir, 'executor.env'), 'old', { mode: 0o644 });
    const path = await writeExecutorEnv(dir, { connectionString: 'Endpoint=http://h;AccessKey=k;Version=1.0;Port=1;', hub: 'rexec' });
    assert.equal(
      await readFile(path, 'utf8'),
      "WEB_PUBSUB_CONNECTION_STRING='Endpoint=http://h;AccessKey=k;Version=1.0;Port=1;'\nWEB_PUBSUB_HUB='rexec'\n",
    );
    if (posix) assert.equal(await mode(path), 0o600);
  });

  it('names the folder when it cannot be created', async () => {
    const dir = await tempDir();
    await ensureStateDir(dir);
    const blocker = join(dir, 'file');
    await writeFile(blocker, 'x');
    await assert.rejects(ensureStateDir(join(blocker, 'sub')), (err: unknown) => err instanceof Error && err.message.includes(blocker));
  });
});
