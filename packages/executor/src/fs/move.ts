import { cp, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { ErrorCode, RemoteAgentError, type FsMoveResult, type FsParamsInput } from '@remote-agent/contracts';
import type { FsContext } from './context.js';
import { errnoCode, fsError } from './errors.js';
import { parseFsParams } from './params.js';
import { isSameOrInside, resolveFsPath } from './paths.js';

/** The call that fails across devices; tests replace it to reach the copy fallback. */
export interface MoveOps {
  rename: (from: string, to: string) => Promise<void>;
}

const defaultOps: MoveOps = { rename };

/**
 * fs.move: renames a file or folder. Across devices (where rename cannot work) it copies, keeping
 * timestamps and links as they are, then removes the source.
 */
export async function fsMove(input: FsParamsInput<'fs.move'>, ctx: FsContext, ops: MoveOps = defaultOps): Promise<FsMoveResult> {
  const params = parseFsParams('fs.move', input);
  const from = resolveFsPath(params.from, ctx.workDir);
  const to = resolveFsPath(params.to, ctx.workDir);
  if (from === to) throw new RemoteAgentError(ErrorCode.BadRequest, `from and to are the same path (${from}): nothing to move`);
  const source = await lstatOrNull(from).catch((err: unknown) => {
    throw fsError(err, 'move', from);
  });
  if (source === null) {
    throw new RemoteAgentError(ErrorCode.NotFound, `cannot move ${from}: no such file or folder. Check the path with fs.list`, { path: from });
  }
  if (source.isDirectory() && isSameOrInside(to, from)) {
    throw new RemoteAgentError(ErrorCode.BadRequest, `cannot move the folder ${from} into itself (${to})`, { path: from });
  }
  try {
    const dest = await lstatOrNull(to);
    if (dest !== null) checkReplaceable(from, source, to, dest, params.overwrite);
    if (params.createDirs) await mkdir(path.dirname(to), { recursive: true });
    let copied = false;
    try {
      await ops.rename(from, to);
    } catch (err) {
      if (errnoCode(err) !== 'EXDEV') throw err;
      await copyAcrossDevices(from, to, dest);
      copied = true;
    }
    return { from, to, overwritten: dest !== null, copied };
  } catch (err) {
    throw explain(err, from, to, params.createDirs);
  }
}

async function lstatOrNull(file: string): Promise<Stats | null> {
  try {
    return await lstat(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

function checkReplaceable(from: string, source: Stats, to: string, dest: Stats, overwrite: boolean): void {
  if (!overwrite) {
    throw new RemoteAgentError(
      ErrorCode.AlreadyExists,
      `cannot move ${from} to ${to}: something already exists there. Pass overwrite: true to replace it, or pick another name`,
      { path: to },
    );
  }
  if (dest.isDirectory() && !source.isDirectory()) {
    throw new RemoteAgentError(
      ErrorCode.IsDirectory,
      `cannot move the file ${from} over the folder ${to}: give the full new path of the file, e.g. ${path.join(to, path.basename(from))}`,
      { path: to },
    );
  }
  if (!dest.isDirectory() && source.isDirectory()) {
    throw new RemoteAgentError(ErrorCode.NotDirectory, `cannot move the folder ${from} over the file ${to}: remove the file first`, { path: to });
  }
}

/** Mirrors rename: an existing destination folder must be empty to be replaced. */
async function copyAcrossDevices(from: string, to: string, dest: Stats | null): Promise<void> {
  if (dest?.isDirectory()) {
    if ((await readdir(to)).length > 0) throw Object.assign(new Error(`${to} is not empty`), { code: 'ENOTEMPTY' });
    await rm(to, { recursive: true });
  }
  await cp(from, to, { recursive: true, force: true, errorOnExist: false, preserveTimestamps: true, verbatimSymlinks: true });
  await rm(from, { recursive: true });
}

function explain(err: unknown, from: string, to: string, createDirs: boolean): RemoteAgentError {
  const code = errnoCode(err);
  if (code === 'ENOTEMPTY' || code === 'EEXIST') {
    return new RemoteAgentError(
      ErrorCode.AlreadyExists,
      `cannot move ${from} to ${to}: the destination folder is not empty. Remove it first (fs.remove with recursive: true) or pick another name`,
      { path: to },
    );
  }
  if (code === 'ENOENT' && !createDirs) {
    return new RemoteAgentError(
      ErrorCode.NotFound,
      `cannot move ${from} to ${to}: the destination folder ${path.dirname(to)} does not exist (or the source vanished). Pass createDirs: true to create the folder`,
      { path: to },
    );
  }
  return fsError(err, `move ${from} to`, to);
}
