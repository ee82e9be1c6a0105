import { lstat, readlink, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { FsParamsInput, FsStatResult } from '@remote-agent/contracts';
import type { FsContext } from './context.js';
import { errnoCode, fsError } from './errors.js';
import { entryTypeOf, modeString, mtimeString } from './file-info.js';
import { sha256OfFile } from './hash.js';
import { parseFsParams } from './params.js';
import { resolveFsPath } from './paths.js';

const MISSING = new Set(['ENOENT', 'ENOTDIR']);

/** fs.stat: describes one path. Nothing there is a normal answer (`exists: false`), not an error. */
export async function fsStat(input: FsParamsInput<'fs.stat'>, ctx: FsContext): Promise<FsStatResult> {
  const params = parseFsParams('fs.stat', input);
  const target = resolveFsPath(params.path, ctx.workDir);
  try {
    const own = await lstatIfExists(target);
    if (own === null) return { path: target, exists: false };
    const linkTarget = own.isSymbolicLink() ? await readlink(target) : undefined;
    let st = own;
    let brokenLink = false;
    if (params.followLinks && own.isSymbolicLink()) {
      try {
        st = await stat(target);
      } catch (err) {
        if (!MISSING.has(errnoCode(err) ?? '')) throw err;
        brokenLink = true;
      }
    }
    const result: FsStatResult = {
      path: target,
      exists: true,
      type: entryTypeOf(st),
      size: st.size,
      mtime: mtimeString(st),
      mode: modeString(st.mode),
    };
    if (linkTarget !== undefined) result.linkTarget = linkTarget;
    if (brokenLink) result.brokenLink = true;
    if (params.hash && st.isFile()) result.sha256 = await sha256OfFile(target, ctx.signal);
    return result;
  } catch (err) {
    throw fsError(err, 'stat', target);
  }
}

async function lstatIfExists(target: string): Promise<Stats | null> {
  try {
    return await lstat(target);
  } catch (err) {
    if (MISSING.has(errnoCode(err) ?? '')) return null;
    throw err;
  }
}
