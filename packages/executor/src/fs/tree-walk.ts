import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { throwIfCancelled } from './context.js';

export interface WalkEntry {
  dirent: Dirent;
  absolute: string;
  /** Names from the root down to this entry. */
  segments: readonly string[];
  /** The segments joined with "/", on every platform. */
  relative: string;
  /** 1 for the root's own entries. */
  depth: number;
}

export interface WalkOptions {
  root: string;
  maxDepth: number;
  /** Entries for which this is true are neither yielded nor entered (hidden, excluded, skipped folders). */
  prune: (entry: WalkEntry) => boolean;
  /** Resume after this entry: everything up to and including it is skipped without being stat'ed. */
  after?: readonly string[];
  signal?: AbortSignal;
  /** A folder below the root that cannot be read is reported here and skipped; the root throws. */
  onUnreadable: (absolute: string, err: unknown) => void;
}

/** Code-unit order, the same on every machine and locale, so pages line up across calls. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Order of entries in the walk: depth-first with names sorted at each level is exactly the
 * lexicographic order of their segment lists, which is what lets a cursor be just the last entry.
 */
export function compareSegments(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareNames(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function isPrefixOf(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length < of.length && prefix.every((s, i) => s === of[i]);
}

/**
 * Walks a folder tree depth-first in a stable order. Symlinked folders are not entered (no cycles, no
 * escaping the tree). With `after`, the subtrees that come wholly before it are not even read.
 */
export async function* walkTree(options: WalkOptions): AsyncGenerator<WalkEntry> {
  yield* walkFolder(options, options.root, [], 1);
}

async function* walkFolder(options: WalkOptions, folder: string, segments: readonly string[], depth: number): AsyncGenerator<WalkEntry> {
  throwIfCancelled(options.signal, `walking ${options.root}`);
  let dirents: Dirent[];
  try {
    dirents = await readdir(folder, { withFileTypes: true });
  } catch (err) {
    if (segments.length === 0) throw err;
    options.onUnreadable(folder, err);
    return;
  }
  dirents.sort((x, y) => compareNames(x.name, y.name));
  for (const dirent of dirents) {
    const entrySegments = [...segments, dirent.name];
    const entry: WalkEntry = {
      dirent,
      absolute: path.join(folder, dirent.name),
      segments: entrySegments,
      relative: entrySegments.join('/'),
      depth,
    };
    if (options.prune(entry)) continue;
    const position = options.after ? compareSegments(entrySegments, options.after) : 1;
    if (position < 0 && !isPrefixOf(entrySegments, options.after ?? [])) continue;
    if (position > 0) yield entry;
    if (dirent.isDirectory() && depth < options.maxDepth) yield* walkFolder(options, entry.absolute, entrySegments, depth + 1);
  }
}
