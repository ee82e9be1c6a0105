import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, ID_RULE, RemoteAgentError, isValidId } from '@remote-agent/contracts';
import { posixQuote } from './shell-quote.js';

/**
 * The daemon's own folder: its persisted id, the embedded relay's access key and the settings file
 * for executors. Secrets are written owner-only (0600; Windows ignores modes and relies on the
 * profile folder's ACL).
 */
export const StateFiles = {
  daemonId: 'daemon-id',
  relayKey: 'relay.key',
  executorEnv: 'executor.env',
} as const;

const KEY_PATTERN = /^[A-Za-z0-9_-]{32,256}$/;

export async function ensureStateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new RemoteAgentError(
      ErrorCode.InvalidConfig,
      `cannot create the daemon state folder ${dir}: ${(err as Error).message}. Set DAEMON_STATE_DIR to a writable folder.`,
    );
  }
}

async function readTrimmed(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new RemoteAgentError(ErrorCode.InvalidConfig, `cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves a half-written file behind. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, content, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

/** The id stored in the state folder, created on first use so a daemon keeps its id across restarts. */
export async function loadOrCreateDaemonId(dir: string): Promise<string> {
  const path = join(dir, StateFiles.daemonId);
  const existing = await readTrimmed(path);
  if (existing !== null) {
    if (!isValidId(existing)) {
      throw new RemoteAgentError(
        ErrorCode.InvalidConfig,
        `${path} holds an invalid daemon id; it must be ${ID_RULE}. Delete the file to get a new id, or set DAEMON_ID.`,
      );
    }
    return existing;
  }
  const id = `daemon-${randomBytes(6).toString('hex')}`;
  await writePrivateFile(path, `${id}\n`);
  return id;
}

/** The embedded relay's access key, created on first use; never logged. */
export async function loadOrCreateRelayKey(dir: string): Promise<string> {
  const path = join(dir, StateFiles.relayKey);
  const existing = await readTrimmed(path);
  if (existing !== null) {
    if (!KEY_PATTERN.test(existing)) {
      throw new RemoteAgentError(
        ErrorCode.InvalidConfig,
        `${path} does not hold a valid relay key (32-256 characters of A-Z a-z 0-9 _ -). Delete it to create a new one; executors then need the new connection string.`,
      );
    }
    return existing;
  }
  const key = randomBytes(32).toString('base64url');
  await writePrivateFile(path, `${key}\n`);
  return key;
}

/**
 * Writes the settings an executor needs as KEY='value' lines, which a POSIX shell (`set -a; . file`) and
 * `node --env-file` both read; quoting matters because a connection string holds ";".
 */
export async function writeExecutorEnv(dir: string, settings: { connectionString: string; hub: string }): Promise<string> {
  const path = join(dir, StateFiles.executorEnv);
  const lines = [`WEB_PUBSUB_CONNECTION_STRING=${posixQuote(settings.connectionString)}`, `WEB_PUBSUB_HUB=${posixQuote(settings.hub)}`];
  await writePrivateFile(path, `${lines.join('\n')}\n`);
  return path;
}
