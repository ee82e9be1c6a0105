import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RemoteAgentError, type FsMkdirResult, type FsParamsInput } from '@remote-agent/contracts';
import type { FsContext } from './context.js';
import { errnoCode, fsError } from './errors.js';
import { parseFsParams } from './params.js';
import { resolveFsPath } from './paths.js';

/** fs.mkdir: creates a folder; with `parents` (the default) also its missing parents, and an existing folder is fine. */
export async function fsMkdir(input: FsParamsInput<'fs.mkdir'>, ctx: FsContext): Promise<FsMkdirResult> {
  const params = parseFsParams('fs.mkdir', input);
  const folder = resolveFsPath(params.path, ctx.workDir);
  try {
    if (params.parents) {
      const first = await mkdir(folder, { recursive: true });
      return { path: folder, created: first !== undefined };
    }
    await mkdir(folder);
    return { path: folder, created: true };
  } catch (err) {
    throw await explain(err, folder, params.parents);
  }
}

async function explain(err: unknown, folder: string, parents: boolean): Promise<RemoteAgentError> {
  const code = errnoCode(err);
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    const isFolder = await stat(folder).then(
      (st) => st.isDirectory(),
      () => false,
    );
    return isFolder
      ? new RemoteAgentError(ErrorCode.AlreadyExists, `cannot create ${folder}: the folder already exists (pass parents: true to accept that)`, {
          path: folder,
        })
      : new RemoteAgentError(ErrorCode.AlreadyExists, `cannot create ${folder}: a file is in the way (at that path or one of its parents)`, {
          path: folder,
        });
  }
  if (code === 'ENOENT' && !parents) {
    return new RemoteAgentError(
      ErrorCode.NotFound,
      `cannot create ${folder}: its parent ${path.dirname(folder)} does not exist. Pass parents: true to create it too`,
      { path: folder },
    );
  }
  return fsError(err, 'create folder', folder);
}
