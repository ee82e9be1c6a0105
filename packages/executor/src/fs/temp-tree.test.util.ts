import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RemoteAgentError, type ErrorCode } from '@remote-agent/contracts';

/** A fresh folder under the OS temp folder; `remove` deletes it and everything in it. */
export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ra-fs-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Creates files (string or bytes) and, for keys ending in "/", empty folders, under root. */
export async function writeTree(root: string, spec: Record<string, string | Buffer>): Promise<void> {
  for (const [relative, content] of Object.entries(spec)) {
    const target = path.join(root, ...relative.split('/'));
    if (relative.endsWith('/')) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

/** Asserts the promise rejects with a RemoteAgentError of `code` whose message contains each of `parts`. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, ...parts: string[]): Promise<RemoteAgentError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof RemoteAgentError, `expected a RemoteAgentError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const part of parts) assert.ok(caught.message.includes(part), `message ${JSON.stringify(caught.message)} should contain ${JSON.stringify(part)}`);
  return caught;
}

export const canSymlink = process.platform !== 'win32';
