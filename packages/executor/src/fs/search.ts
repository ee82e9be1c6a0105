import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  ErrorCode,
  FS_RESULT_BUDGET_BYTES,
  FS_SEARCH_MAX_LINE_CHARS,
  RemoteAgentError,
  type FsParamsInput,
  type FsSearchMatch,
  type FsSearchParams,
  type FsSearchResult,
} from '@remote-agent/contracts';
import { throwIfCancelled, type FsContext } from './context.js';
import { errnoCode, fsError } from './errors.js';
import { globMatcher, isHiddenName } from './globs.js';
import { READ_CHUNK_BYTES } from './hash.js';
import { LineSplitter } from './line-splitter.js';
import { parseFsParams } from './params.js';
import { resolveFsPath } from './paths.js';
import { buildPattern } from './search-pattern.js';
import { createStreamDecoder, detectEncoding } from './text-codec.js';
import { walkTree } from './tree-walk.js';
import { UnreadableFolders, unreadableNotice } from './unreadable.js';

/** Folders that are almost never what a code search is after, and are often huge. */
const DEFAULT_SKIPPED_DIRS = new Set(['.git', 'node_modules']);
/** Deep enough for any real source tree; bounds the walk on pathological nesting. */
const MAX_SEARCH_DEPTH = 256;
/** Characters of the line shown before the match when a long line is cut around it. */
const LEAD_CHARS = 100;
/** Worst-case JSON bytes of one context line (each character escaped to \uXXXX). */
const MAX_LINE_COST = FS_SEARCH_MAX_LINE_CHARS * 6 + 16;

/** A match still collecting its after-context lines. */
interface Pending {
  after: string[];
  remaining: number;
}

function cutLine(line: string, at: number): { text: string; cut: boolean } {
  if (line.length <= FS_SEARCH_MAX_LINE_CHARS) return { text: line, cut: false };
  const start = Math.max(0, Math.min(at - LEAD_CHARS, line.length - FS_SEARCH_MAX_LINE_CHARS));
  return { text: line.slice(start, start + FS_SEARCH_MAX_LINE_CHARS), cut: true };
}

/** Collects matches across files and knows when to stop. */
class SearchRun {
  readonly matches: FsSearchMatch[] = [];
  filesSearched = 0;
  filesSkipped = 0;
  truncated = false;
  private used = 0;

  constructor(
    private readonly params: FsSearchParams,
    private readonly pattern: RegExp,
    private readonly signal: AbortSignal | undefined,
  ) {}

  get done(): boolean {
    return this.truncated;
  }

  async searchFile(file: string, shownAs: string): Promise<void> {
    throwIfCancelled(this.signal, 'fs.search');
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      this.filesSkipped++;
      return;
    }
    if (size > this.params.maxFileBytes) {
      this.filesSkipped++;
      return;
    }
    const stream = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES, ...(this.signal ? { signal: this.signal } : {}) });
    const context = this.params.contextLines;
    const before: string[] = [];
    let pending: Pending[] = [];
    let decoder: ReturnType<typeof createStreamDecoder> | undefined;
    const splitter = new LineSplitter();
    let lineNo = 0;
    let line = '';

    const onLine = (text: string): boolean => {
      lineNo++;
      for (const p of pending) {
        const shown = cutLine(text, 0).text;
        p.after.push(shown);
        this.used += Buffer.byteLength(JSON.stringify(shown), 'utf8') + 1;
        p.remaining--;
      }
      pending = pending.filter((p) => p.remaining > 0);
      if (!this.truncated) {
        const found = this.pattern.exec(text);
        if (found) this.take(found.index, text, shownAs, lineNo, before, pending);
      }
      if (context > 0) {
        before.push(cutLine(text, 0).text);
        if (before.length > context) before.shift();
      }
      return this.truncated && pending.length === 0;
    };

    try {
      for await (const raw of stream) {
        const chunk = raw as Buffer;
        if (!decoder) {
          const detection = detectEncoding(chunk, chunk.length >= size);
          if (detection.binary) {
            this.filesSkipped++;
            return;
          }
          this.filesSearched++;
          decoder = createStreamDecoder(detection.encoding, detection.bom, false);
        }
        for (const seg of splitter.push(decoder.write(chunk))) {
          // A line longer than one segment is searched in its first segment only, bounding memory.
          if (line.length === 0) line = seg.text;
          if (seg.complete) {
            const stop = onLine(line);
            line = '';
            if (stop) return;
          }
        }
      }
      if (!decoder) {
        this.filesSearched++;
        return;
      }
      for (const seg of splitter.push(decoder.end()).concat(splitter.end())) {
        if (line.length === 0) line = seg.text;
        if (seg.complete) {
          onLine(line);
          line = '';
        }
      }
    } catch (err) {
      if (errnoCode(err) === 'ABORT_ERR') throw fsError(err, 'search', file);
      this.filesSkipped++;
    } finally {
      stream.destroy();
    }
  }

  private take(index: number, text: string, shownAs: string, lineNo: number, before: string[], pending: Pending[]): void {
    if (this.matches.length >= this.params.maxResults) {
      this.truncated = true;
      return;
    }
    const shown = cutLine(text, index);
    const match: FsSearchMatch = { path: shownAs, line: lineNo, column: index + 1, text: shown.text };
    if (shown.cut) match.lineCut = true;
    const after: string[] = [];
    if (this.params.contextLines > 0) {
      match.before = [...before];
      match.after = after;
    }
    const cost = Buffer.byteLength(JSON.stringify(match), 'utf8') + 1;
    // After-context lines arrive later: room for their worst case, this match's and those still pending, is kept now.
    const awaited = pending.reduce((n, p) => n + p.remaining, 0) + this.params.contextLines;
    if (this.used + cost + awaited * MAX_LINE_COST > FS_RESULT_BUDGET_BYTES) {
      this.truncated = true;
      return;
    }
    this.used += cost;
    this.matches.push(match);
    if (this.params.contextLines > 0) pending.push({ after, remaining: this.params.contextLines });
  }
}

/**
 * fs.search: a line-by-line regex or literal search over a file or a tree, streaming each file so a
 * large one is never loaded whole. Binary files, files over maxFileBytes and (by default) .git and
 * node_modules are skipped; the search stops at maxResults or the result budget and says so.
 */
export async function fsSearch(input: FsParamsInput<'fs.search'>, ctx: FsContext): Promise<FsSearchResult> {
  const params = parseFsParams('fs.search', input);
  const root = resolveFsPath(params.path, ctx.workDir);
  const pattern = buildPattern(params.pattern, params.regex, params.caseSensitive);
  const include = globMatcher(params.include, 'include');
  const exclude = globMatcher(params.exclude, 'exclude');
  const run = new SearchRun(params, pattern, ctx.signal);
  const unreadable = new UnreadableFolders();
  try {
    const st = await stat(root);
    if (st.isFile()) {
      await run.searchFile(root, path.basename(root));
    } else if (st.isDirectory()) {
      for await (const entry of walkTree({
        root,
        maxDepth: MAX_SEARCH_DEPTH,
        prune: (e) =>
          (!params.hidden && isHiddenName(e.dirent.name)) ||
          (params.skipDefaultDirs && e.dirent.isDirectory() && DEFAULT_SKIPPED_DIRS.has(e.dirent.name)) ||
          (exclude?.(e.relative) ?? false),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onUnreadable: (folder, err) => unreadable.add(folder, err),
      })) {
        if (!entry.dirent.isFile() || (include && !include(entry.relative))) continue;
        await run.searchFile(entry.absolute, entry.relative);
        if (run.done) break;
      }
    } else {
      throw new RemoteAgentError(ErrorCode.BadRequest, `cannot search ${root}: it is not a file or folder`, { path: root });
    }
  } catch (err) {
    throw fsError(err, 'search', root);
  }
  const result: FsSearchResult = {
    path: root,
    matches: run.matches,
    filesSearched: run.filesSearched,
    filesSkipped: run.filesSkipped,
    truncated: run.truncated,
  };
  const notices: string[] = [];
  if (run.truncated) {
    notices.push(
      run.matches.length >= params.maxResults
        ? `stopped after ${params.maxResults} matches (maxResults): narrow the pattern, path or include globs, or raise maxResults`
        : `stopped at ${run.matches.length} matches because the answer reached its size cap: narrow the search or use fewer contextLines`,
    );
  }
  const skipped = unreadableNotice(unreadable);
  if (skipped !== undefined) notices.push(skipped);
  if (notices.length > 0) result.notice = notices.join('; ');
  return result;
}
