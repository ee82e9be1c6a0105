import { posix } from 'node:path';
import { z } from 'zod';
import { Sha256HexSchema } from './data-stream.js';
import { FS_MAX_PATH_CHARS } from './fs.js';

/**
 * The artifact.* request kinds: a file or folder copied between the daemon's machine and an executor as
 * a byte stream (see data-stream.ts). A folder travels as a tar stream; the receiver checks every entry
 * with `archiveEntryProblem` so that nothing is written outside the destination.
 */

export const ArtifactTypeSchema = z.enum(['file', 'directory']).describe('file, or directory (a folder with everything in it).');
export type ArtifactType = z.infer<typeof ArtifactTypeSchema>;

const ExecutorPathSchema = z
  .string()
  .min(1, 'path is empty: pass an absolute path or one relative to the executor working folder')
  .max(FS_MAX_PATH_CHARS)
  .refine((s) => !s.includes('\0'), 'path contains a NUL character');

/** Daemon -> executor: the executor receives the stream and puts it at `path`. */
export const ArtifactUploadParamsSchema = z.object({
  path: ExecutorPathSchema.describe('Full path of the new file or folder on the executor.'),
  type: ArtifactTypeSchema,
  /** File uploads: bytes expected, for progress only (the eof carries the real size). */
  size: z.number().int().nonnegative().optional(),
  overwrite: z.boolean().default(false),
  createDirs: z.boolean().default(true),
  fileMode: z
    .string()
    .regex(/^0?[0-7]{3,4}$/, 'fileMode must be octal permission bits such as "0644"')
    .optional(),
});
export type ArtifactUploadParams = z.output<typeof ArtifactUploadParamsSchema>;

/** Executor -> daemon: the executor sends the file or folder at `path`. */
export const ArtifactDownloadParamsSchema = z.object({
  path: ExecutorPathSchema.describe('File or folder on the executor to send.'),
});
export type ArtifactDownloadParams = z.output<typeof ArtifactDownloadParamsSchema>;

export const ARTIFACT_MAX_SKIPPED_LISTED = 50;

export const SkippedEntrySchema = z.object({
  path: z.string(),
  reason: z.string(),
});
export type SkippedEntry = z.infer<typeof SkippedEntrySchema>;

/** What one side knows about the artifact it packed or unpacked. */
export const ArtifactContentSchema = z.object({
  type: ArtifactTypeSchema,
  /** Bytes of the stream: the file, or the tar stream of the folder. */
  bytes: z.number().int().nonnegative(),
  sha256: Sha256HexSchema.describe('sha256 of the stream (the file, or the tar stream of a folder).'),
  files: z.number().int().nonnegative().describe('Regular files (1 for a file).'),
  directories: z.number().int().nonnegative().describe('Folders inside (the top folder not counted).'),
  links: z.number().int().nonnegative().describe('Symbolic links kept as links.'),
  fileBytes: z.number().int().nonnegative().describe('Sum of the sizes of the regular files.'),
  skipped: z
    .array(SkippedEntrySchema)
    .max(ARTIFACT_MAX_SKIPPED_LISTED)
    .describe('Entries left out, with why (unsafe link, special file); only the first few are listed.'),
  skippedCount: z.number().int().nonnegative(),
});
export type ArtifactContent = z.infer<typeof ArtifactContentSchema>;

/** Result of both kinds, from the executor's side. */
export const ArtifactResultSchema = ArtifactContentSchema.extend({
  path: z.string().describe('Absolute path on the executor.'),
});
export type ArtifactResult = z.infer<typeof ArtifactResultSchema>;

export const ArtifactRequestParams = {
  'artifact.upload': ArtifactUploadParamsSchema,
  'artifact.download': ArtifactDownloadParamsSchema,
} as const;
export type ArtifactKind = keyof typeof ArtifactRequestParams;

export type ArchiveEntryKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

const DRIVE_PREFIX = /^[a-zA-Z]:/;

/** True when a "/"-separated relative path stays inside the folder it is relative to. */
function staysInside(relative: string): boolean {
  const normal = posix.normalize(relative);
  return normal !== '..' && !normal.startsWith('../') && !posix.isAbsolute(normal);
}

/**
 * Why an entry of a received tar stream must not be extracted, or null when it is safe. Paths are
 * "/"-separated and relative to the destination folder: anything absolute, with a drive letter, a
 * backslash (a separator on Windows) or a ".." step is refused, and so is a link that points outside the
 * destination, so that extracting never writes or leads outside it on any platform.
 */
export function archiveEntryProblem(path: string, kind: ArchiveEntryKind, linkTarget?: string): string | null {
  if (path.includes('\0') || path.includes('\\')) return 'its name contains a NUL or backslash character';
  if (posix.isAbsolute(path) || DRIVE_PREFIX.test(path)) return 'its path is absolute';
  if (path.split('/').includes('..')) return 'its path contains ".."';
  if (kind === 'other') return 'it is not a file, folder or link (device, FIFO or socket)';
  if (kind !== 'symlink' && kind !== 'hardlink') return null;
  const target = linkTarget ?? '';
  if (target === '' || target.includes('\0') || target.includes('\\')) return 'its link target is empty or contains a NUL or backslash';
  if (posix.isAbsolute(target) || DRIVE_PREFIX.test(target)) return `it links to the absolute path ${target}, outside the destination`;
  // A symlink's target is relative to its own folder; a hard link's to the top of the archive.
  const resolved = kind === 'symlink' ? posix.join(posix.dirname(path), target) : target;
  return staysInside(resolved) ? null : `it links to ${target}, outside the destination`;
}
