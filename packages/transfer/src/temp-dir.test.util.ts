import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import type { FsErrorMapper } from './fs-error.js';

/** A fresh folder under the OS temp folder; `remove` deletes it and everything in it. */
export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ra-transfer-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export const canSymlink = process.platform !== 'win32';

/** An error mapper that records what it was asked, so a test can tell the caller's mapper was the one used. */
export function recordingMapper(): { errorFor: FsErrorMapper; calls: { action: string; target: string; code: string | undefined }[] } {
  const calls: { action: string; target: string; code: string | undefined }[] = [];
  const errorFor: FsErrorMapper = (err, action, target) => {
    calls.push({ action, target, code: (err as NodeJS.ErrnoException | undefined)?.code });
    return new RemoteAgentError(ErrorCode.Internal, `test mapper: cannot ${action} ${target}`, { path: target });
  };
  return { errorFor, calls };
}
