import { lstat, rm, rmdir, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { ErrorCode, RemoteAgentError, type FsParamsInput, type FsRemoveResult } from '@remote-agent/contracts';
import { isFilesystemRoot } from '@remote-agent/transfer';
import type { FsContext } from './context.js';
import { errnoCode, fsError } from './errors.js';
import { entryTypeOf } from './file-info.js';
import { parseFsParams } from './params.js';
import { isSameOrInside, resolveFsPath } from './paths.js';

/**
 * fs.remove: removes a file, a link (not what it points to) or a folder. A folder with anything in it
 * needs `recursive`. The file system root and the executor's working folder (or a folder holding it)
 * are refused outright: no request should be able to take those away.
 */
export async function fsRemove(input: FsParamsInput<'fs.remove'>, ctx: FsContext): Promise<FsRemoveResult> {
  const params = parseFsParams('fs.remove', input);
  const target = resolveFsPath(params.path, ctx.workDir);
  const workDir = path.resolve(ctx.workDir);
  if (isFilesystemRoot(target)) {
    throw new RemoteAgentError(ErrorCode.Forbidden, `refusing to remove ${target}: it is the root of the file system`, { path: target });
  }
  if (isSameOrInside(workDir, target)) {
    throw new RemoteAgentError(
      ErrorCode.Forbidden,
      `refusing to remove ${target}: it is the executor's working folder ${workDir}${target === workDir ? '' : ' or holds it'}. Remove the entries inside it instead`,
      { path: target },
    );
  }
  let st: Stats;
  try {
    st = await lstat(target);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' && params.ignoreMissing) return { path: target, removed: false };
    throw fsError(err, 'remove', target);
  }
  try {
    if (!st.isDirectory()) await unlink(target);
    else if (params.recursive) await rm(target, { recursive: true });
    else await rmdir(target);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      throw new RemoteAgentError(
        ErrorCode.Conflict,
        `cannot remove ${target}: the folder is not empty. Pass recursive: true to remove it with everything in it`,
        { path: target },
      );
    }
    throw fsError(err, 'remove', target);
  }
  return { path: target, removed: true, type: entryTypeOf(st) };
}
