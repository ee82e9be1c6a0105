import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import {
  ARTIFACT_MAX_SKIPPED_LISTED,
  ErrorCode,
  RemoteAgentError,
  archiveEntryProblem,
  type ArchiveEntryKind,
  type SkippedEntry,
} from '@remote-agent/contracts';

/**
 * Folders as tar streams, packed and unpacked by the same rules on the daemon and on the executor: links
 * never followed, every received entry checked with archiveEntryProblem, file sizes verified after unpacking.
 */

/** What a folder's tar stream holds, counted while packing or unpacking it. */
export interface ArchiveTally {
  files: number;
  directories: number;
  links: number;
  fileBytes: number;
  skipped: SkippedEntry[];
  skippedCount: number;
}

export function emptyTally(): ArchiveTally {
  return { files: 0, directories: 0, links: 0, fileBytes: 0, skipped: [], skippedCount: 0 };
}

function skip(tally: ArchiveTally, path: string, reason: string): void {
  tally.skippedCount++;
  if (tally.skipped.length < ARTIFACT_MAX_SKIPPED_LISTED) tally.skipped.push({ path, reason });
}

/** Entry paths are relative to the folder ("./a/b" or "a/b"); '' is the folder itself. */
function relativeEntryPath(path: string): string {
  return path.replace(/^(\.\/)+/, '').replace(/^\.$/, '').replace(/\/+$/, '');
}

function kindOfStat(st: Stats): ArchiveEntryKind {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'file';
  return 'other';
}

function kindOfEntry(type: tar.ReadEntry['type']): ArchiveEntryKind {
  switch (type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    default:
      return 'other';
  }
}

function count(tally: ArchiveTally, kind: ArchiveEntryKind, size: number): void {
  if (kind === 'file') {
    tally.files++;
    tally.fileBytes += size;
  } else if (kind === 'directory') tally.directories++;
  else tally.links++;
}

/**
 * The tar stream of everything in `dir`, read lazily as the consumer pulls. Links are stored as links,
 * never followed; devices, FIFOs and sockets, and what cannot be read, are left out and listed in `tally`.
 * Entries carry no owner or device numbers (portable), so packing the same tree twice gives the same bytes.
 */
export function packFolder(dir: string, tally: ArchiveTally): AsyncIterable<Buffer> {
  return tar.c(
    {
      cwd: dir,
      portable: true,
      follow: false,
      filter: (path, st) => {
        const rel = relativeEntryPath(path);
        const kind = kindOfStat(st as Stats);
        if (kind === 'other') {
          skip(tally, rel, 'not a file, folder or link (device, FIFO or socket)');
          return false;
        }
        if (rel !== '') count(tally, kind, kind === 'file' ? (st as Stats).size : 0);
        return true;
      },
      onwarn: (code, message, data) => {
        const path = typeof data.path === 'string' ? relativeEntryPath(data.path) : '?';
        skip(tally, path, `${code}: ${message}`);
      },
    },
    ['.'],
  ) as unknown as AsyncIterable<Buffer>;
}

/**
 * Unpacks a received tar file into `dest` (an empty folder). Every entry is checked first: absolute
 * paths, "..", links leading outside `dest` and special files are skipped and listed; node-tar itself
 * also refuses to write through a link. Any other problem in the archive fails the whole extraction.
 * Afterwards every regular file must be on disk with the size its header announced.
 */
export async function extractArchive(tarFile: string, dest: string): Promise<ArchiveTally> {
  const tally = emptyTally();
  const expected = new Map<string, number>();
  try {
    await tar.x({
      file: tarFile,
      cwd: dest,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      filter: (path, entry) => {
        const read = entry as tar.ReadEntry;
        const rel = relativeEntryPath(path);
        const kind = kindOfEntry(read.type);
        if (rel === '' && kind === 'directory') return true;
        const problem = archiveEntryProblem(rel, kind, read.linkpath);
        if (problem !== null) {
          skip(tally, rel, problem);
          return false;
        }
        count(tally, kind, read.size);
        if (kind === 'file') expected.set(rel, read.size);
        return true;
      },
    });
  } catch (err) {
    throw new RemoteAgentError(
      ErrorCode.BadRequest,
      `the folder's tar stream could not be unpacked (${err instanceof Error ? err.message : String(err)}); nothing was put in place`,
    );
  }
  for (const [rel, size] of expected) {
    const st = await lstat(join(dest, rel)).catch(() => null);
    if (!st?.isFile() || st.size !== size) {
      throw new RemoteAgentError(
        ErrorCode.Conflict,
        `after unpacking, ${rel} is ${st ? `${st.size} bytes` : 'missing'} instead of the ${size} bytes its archive entry announced; nothing was put in place`,
      );
    }
  }
  return tally;
}
