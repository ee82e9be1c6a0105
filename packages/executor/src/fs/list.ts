import { stat } from 'node:fs/promises';
import {
  ErrorCode,
  FS_RESULT_BUDGET_BYTES,
  RemoteAgentError,
  type FsListEntry,
  type FsListResult,
  type FsParamsInput,
} from '@remote-agent/contracts';
import type { FsContext } from './context.js';
import { describeEntry } from './describe-entry.js';
import { errnoCode, fsError } from './errors.js';
import { globMatcher, isHiddenName } from './globs.js';
import { decodeCursor, encodeCursor, listingKey } from './list-cursor.js';
import { parseFsParams } from './params.js';
import { resolveFsPath } from './paths.js';
import { walkTree } from './tree-walk.js';
import { unreadableNotice, UnreadableFolders } from './unreadable.js';

/**
 * fs.list: one page of a folder's entries (optionally recursive), in a stable depth-first order, with
 * a cursor to the next page. A page ends at `limit` entries or when its JSON would grow past the
 * result budget, whichever comes first.
 */
export async function fsList(input: FsParamsInput<'fs.list'>, ctx: FsContext): Promise<FsListResult> {
  const params = parseFsParams('fs.list', input);
  const root = resolveFsPath(params.path, ctx.workDir);
  try {
    const st = await stat(root);
    if (!st.isDirectory()) {
      throw new RemoteAgentError(ErrorCode.NotDirectory, `cannot list ${root}: it is a file, not a folder. Use fs.stat or fs.read on it`, {
        path: root,
      });
    }
    const key = listingKey([root, params.depth, params.include ?? [], params.exclude ?? [], params.hidden]);
    const after = params.cursor !== undefined ? decodeCursor(params.cursor, key) : undefined;
    const include = globMatcher(params.include, 'include');
    const exclude = globMatcher(params.exclude, 'exclude');
    const unreadable = new UnreadableFolders();
    const entries: FsListEntry[] = [];
    let used = 0;
    let last: readonly string[] | undefined;
    let truncated = false;
    for await (const entry of walkTree({
      root,
      maxDepth: params.depth,
      prune: (e) => (!params.hidden && isHiddenName(e.dirent.name)) || (exclude?.(e.relative) ?? false),
      ...(after ? { after } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onUnreadable: (folder, err) => unreadable.add(folder, err),
    })) {
      if (include && !include(entry.relative)) continue;
      if (entries.length >= params.limit) {
        truncated = true;
        break;
      }
      let described: FsListEntry;
      try {
        described = await describeEntry(entry.absolute, entry.dirent.name, entry.relative);
      } catch (err) {
        // Removed between readdir and lstat: it is simply no longer there.
        if (errnoCode(err) === 'ENOENT') continue;
        throw err;
      }
      const cost = Buffer.byteLength(JSON.stringify(described), 'utf8') + 1;
      if (used + cost > FS_RESULT_BUDGET_BYTES && entries.length > 0) {
        truncated = true;
        break;
      }
      entries.push(described);
      used += cost;
      last = entry.segments;
    }
    const result: FsListResult = { path: root, entries, truncated };
    if (truncated && last) result.nextCursor = encodeCursor(key, last);
    const notice = unreadableNotice(unreadable);
    if (notice !== undefined) result.notice = notice;
    return result;
  } catch (err) {
    throw fsError(err, 'list', root);
  }
}
