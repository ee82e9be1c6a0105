import { z } from 'zod';

/**
 * Params and results of the fs.* request kinds. The same schemas are the MCP tools' input (plus
 * `executorId`) and output, so every field says what it does in words an agent can act on. Every
 * result is bounded so that it travels in one relay frame (MAX_FRAME_BYTES) with room to spare.
 */

const KiB = 1024;

/** Bytes of file content a text read returns when the caller gives no maxBytes. */
export const FS_READ_DEFAULT_BYTES = 256 * KiB;
/** Raw bytes one read may return; as base64 this grows to ~683 KiB, still well under a frame. */
export const FS_READ_MAX_BYTES = 512 * KiB;
/** Raw bytes one write may carry (decoded base64, or UTF-8 text). Bigger files go in appends or artifacts. */
export const FS_WRITE_MAX_BYTES = 512 * KiB;
/** Length of the base64 form of FS_WRITE_MAX_BYTES: the longest `content` string a write accepts. */
export const FS_WRITE_MAX_CONTENT_CHARS = Math.ceil(FS_WRITE_MAX_BYTES / 3) * 4;
/** An edit loads the whole file into memory; past this, use fs.write or a command instead. */
export const FS_EDIT_MAX_FILE_BYTES = 16 * 1024 * KiB;
/** Total UTF-8 bytes of all oldText and newText strings in one edit request. */
export const FS_EDIT_MAX_TEXT_BYTES = 512 * KiB;
export const FS_EDIT_MAX_EDITS = 100;
/** Longest unified diff an edit returns; a longer one is cut at a line boundary and flagged. */
export const FS_DIFF_MAX_BYTES = 128 * KiB;
export const FS_LIST_DEFAULT_LIMIT = 200;
export const FS_LIST_MAX_LIMIT = 1000;
export const FS_LIST_MAX_DEPTH = 32;
export const FS_SEARCH_DEFAULT_MAX_RESULTS = 100;
export const FS_SEARCH_MAX_RESULTS = 1000;
export const FS_SEARCH_MAX_CONTEXT_LINES = 10;
/** A matched or context line longer than this is cut (around the match) and flagged. */
export const FS_SEARCH_MAX_LINE_CHARS = 500;
export const FS_SEARCH_DEFAULT_MAX_FILE_BYTES = 16 * 1024 * KiB;
/**
 * JSON size a list or search result may reach before it stops and reports `truncated`. With the
 * envelope around it this stays far below the 1 MiB frame even when names need escaping.
 */
export const FS_RESULT_BUDGET_BYTES = 640 * KiB;
export const FS_MAX_PATH_CHARS = 4096;
export const FS_MAX_GLOBS = 64;

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

const PathSchema = z
  .string()
  .min(1, 'path is empty: pass an absolute path or one relative to the executor working folder')
  .max(FS_MAX_PATH_CHARS)
  .refine((s) => !s.includes('\0'), 'path contains a NUL character');

const pathField = (what: string) =>
  PathSchema.describe(
    `${what}. Absolute, or relative to the executor's working folder; Windows (C:\\dir\\file) and POSIX (/dir/file) forms are both accepted on their own platform.`,
  );

const GlobListSchema = z.array(z.string().min(1).max(1024)).max(FS_MAX_GLOBS);

const Sha256Schema = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'expectedSha256 must be 64 hex digits, as returned by fs.read or fs.stat')
  .describe(
    'sha256 (hex) the file must still have, as returned by your last fs.read; if the file changed since, the request is refused with CONFLICT and nothing is written.',
  );

export const FsEntryTypeSchema = z
  .enum(['file', 'directory', 'symlink', 'other'])
  .describe('file, directory, symlink (not followed), or other (device, socket, FIFO).');
export type FsEntryType = z.infer<typeof FsEntryTypeSchema>;

/** Encodings a text file is read and written in. latin1 means "not valid UTF-8": one character per byte, so bytes round-trip exactly. */
export const FsTextEncodingSchema = z
  .enum(['utf8', 'utf16le', 'utf16be', 'latin1'])
  .describe(
    'Text encoding. latin1 is reported for files that are not valid UTF-8: each byte is one character, so a read-edit-write round trip keeps every byte.',
  );
export type FsTextEncoding = z.infer<typeof FsTextEncodingSchema>;

export const FsLineEndingSchema = z
  .enum(['lf', 'crlf', 'mixed', 'none'])
  .describe('Line endings found in the text: lf, crlf, mixed, or none (no line break at all).');
export type FsLineEnding = z.infer<typeof FsLineEndingSchema>;

const ModeSchema = z.string().describe('Permission bits in octal, e.g. "0644" (on Windows only the read-only bit is meaningful).');
const MtimeSchema = z.string().describe('Last modification time, ISO 8601 (UTC).');
const NoticeSchema = z
  .string()
  .optional()
  .describe('Present when something about the answer needs attention (binary file, cut line, skipped folders).');


export const FsListParamsSchema = z.object({
  path: pathField('Folder to list').default('.'),
  depth: z
    .number()
    .int()
    .min(1)
    .max(FS_LIST_MAX_DEPTH)
    .default(1)
    .describe('1 lists the folder itself; 2 also lists its sub-folders, and so on. Symlinked folders are never entered.'),
  include: GlobListSchema.optional().describe(
    'Only return entries whose path (relative to the listed folder, "/"-separated) matches one of these globs; a glob without "/" matches the name at any depth ("*.ts"). Folders are still entered.',
  ),
  exclude: GlobListSchema.optional().describe(
    'Leave out entries matching any of these globs (same rules as include); a matching folder is not entered.',
  ),
  hidden: z.boolean().default(false).describe('Include entries whose name starts with "." (and enter such folders).'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(FS_LIST_MAX_LIMIT)
    .default(FS_LIST_DEFAULT_LIMIT)
    .describe('Most entries to return in this page; pass the returned nextCursor to get the next page.'),
  cursor: z
    .string()
    .max(8192)
    .optional()
    .describe('nextCursor from the previous page of the same listing (same path, depth, globs and hidden).'),
});

export const FsListEntrySchema = z.object({
  name: z.string(),
  path: z.string().describe('Path relative to the listed folder, "/"-separated.'),
  type: FsEntryTypeSchema,
  size: z.number().int().nonnegative().describe('Size in bytes (for a symlink, of the link itself).'),
  mtime: MtimeSchema,
  mode: ModeSchema,
  linkTarget: z.string().optional().describe('Where a symlink points, as stored in the link.'),
});
export type FsListEntry = z.infer<typeof FsListEntrySchema>;

export const FsListResultSchema = z.object({
  path: z.string().describe('Absolute path of the listed folder.'),
  entries: z.array(FsListEntrySchema).describe('Depth-first, sorted by name at each level.'),
  truncated: z.boolean().describe('True when more entries follow: call again with cursor = nextCursor.'),
  nextCursor: z.string().optional(),
  notice: NoticeSchema,
});


export const FsStatParamsSchema = z.object({
  path: pathField('File, folder or link to describe'),
  followLinks: z
    .boolean()
    .default(true)
    .describe('true describes what a symlink points to; false describes the link itself.'),
  hash: z.boolean().default(false).describe('Also return the sha256 of a file (reads the whole file).'),
});

export const FsStatResultSchema = z.object({
  path: z.string().describe('Absolute path that was examined.'),
  exists: z.boolean().describe('false when nothing is at this path (not an error).'),
  type: FsEntryTypeSchema.optional(),
  size: z.number().int().nonnegative().optional(),
  mtime: MtimeSchema.optional(),
  mode: ModeSchema.optional(),
  linkTarget: z.string().optional().describe('Set when the path itself is a symlink: where it points.'),
  brokenLink: z
    .boolean()
    .optional()
    .describe('true when followLinks was asked but the link points to nothing; the other fields describe the link.'),
  sha256: z.string().optional().describe('sha256 (hex) of the file, when hash was asked; usable as expectedSha256.'),
});


export const FsReadParamsSchema = z.object({
  path: pathField('File to read'),
  format: z
    .enum(['text', 'base64'])
    .default('text')
    .describe(
      'text: decoded text by line range (binary files are reported, not returned). base64: raw bytes by offset/length, for binary files or exact bytes.',
    ),
  startLine: z.number().int().min(1).optional().describe('text: first line to return, 1-based (default 1).'),
  endLine: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('text: last line to return, inclusive (default: to the end, within maxBytes).'),
  offset: z.number().int().nonnegative().optional().describe('base64: first byte to return, 0-based (default 0).'),
  length: z
    .number()
    .int()
    .min(1)
    .max(FS_READ_MAX_BYTES)
    .optional()
    .describe(`base64: bytes to return (default maxBytes, at most ${FS_READ_MAX_BYTES}).`),
  maxBytes: z
    .number()
    .int()
    .min(1)
    .max(FS_READ_MAX_BYTES)
    .default(FS_READ_DEFAULT_BYTES)
    .describe('Cap on the content returned; past it the answer says truncated and where to continue.'),
});

export const FsReadResultSchema = z.object({
  path: z.string().describe('Absolute path that was read.'),
  size: z.number().int().nonnegative().describe('Size of the whole file in bytes.'),
  sha256: z.string().describe('sha256 (hex) of the whole file, even when only part was returned; pass it as expectedSha256 to fs.write/fs.edit.'),
  mtime: MtimeSchema,
  format: z.enum(['text', 'base64']).describe('How content is given.'),
  binary: z.boolean().describe('true when the file looks binary; in text format its content is then empty.'),
  encoding: FsTextEncodingSchema.optional().describe('Text encoding found (absent for binary files).'),
  bom: z.boolean().optional().describe('true when the file starts with a byte order mark (not included in content).'),
  lineEnding: FsLineEndingSchema.optional().describe('text: line endings of the whole file; content keeps them as they are.'),
  content: z.string().describe('The text (line endings kept) or the bytes as base64.'),
  startLine: z.number().int().optional().describe('text: first line returned.'),
  endLine: z.number().int().optional().describe('text: last line returned (startLine - 1 when none).'),
  totalLines: z.number().int().nonnegative().optional().describe('text: lines in the whole file.'),
  nextStartLine: z.number().int().optional().describe('text: startLine for the next part, when lines remain after this one.'),
  offset: z.number().int().nonnegative().optional().describe('base64: first byte returned.'),
  length: z.number().int().nonnegative().optional().describe('base64: bytes returned.'),
  nextOffset: z.number().int().nonnegative().optional().describe('base64: offset for the next part, when bytes remain.'),
  truncated: z.boolean().describe('true when the size cap stopped the answer before what was asked; continue from nextStartLine / nextOffset.'),
  notice: NoticeSchema,
});


export const FsWriteParamsSchema = z.object({
  path: pathField('File to write'),
  content: z
    .string()
    .refine((s) => utf8Bytes(s) <= FS_WRITE_MAX_CONTENT_CHARS, `content is too large for one request: split it into appends of at most ${FS_WRITE_MAX_BYTES} bytes, or use artifact.upload`)
    .describe(`Text, or bytes as base64 (see contentEncoding); at most ${FS_WRITE_MAX_BYTES} bytes per request.`),
  contentEncoding: z.enum(['text', 'base64']).default('text').describe('How content is given.'),
  mode: z
    .enum(['create', 'overwrite', 'append'])
    .default('overwrite')
    .describe('create: fail if the file exists. overwrite: replace it (or create it). append: add to its end (or create it).'),
  createDirs: z.boolean().default(false).describe('Create missing parent folders.'),
  expectedSha256: Sha256Schema.optional(),
  encoding: FsTextEncodingSchema.optional().describe(
    'Text only: encoding to write in. Default: the existing file\'s encoding (so UTF-16 stays UTF-16), else utf8.',
  ),
  bom: z
    .boolean()
    .optional()
    .describe('Text only: write a byte order mark. Default: as the existing file has it; for a new file, true for UTF-16, false for UTF-8.'),
  fileMode: z
    .string()
    .regex(/^0?[0-7]{3,4}$/, 'fileMode must be octal permission bits such as "0644" or "755"')
    .optional()
    .describe('Octal permission bits for a newly created file, e.g. "0755" for a script (ignored on Windows). An existing file keeps its mode.'),
});

export const FsWriteResultSchema = z.object({
  path: z.string().describe('Absolute path written (the link target when path was a symlink).'),
  created: z.boolean().describe('true when the file did not exist before.'),
  bytesWritten: z.number().int().nonnegative(),
  size: z.number().int().nonnegative().describe('Size of the file after the write.'),
  sha256: z.string().describe('sha256 (hex) of the whole file after the write.'),
  mode: ModeSchema,
  encoding: FsTextEncodingSchema.optional().describe('Text writes: the encoding used.'),
  atomic: z
    .boolean()
    .describe('true when the new content replaced the old in one step (temp file + rename); false for append or where the platform refused the rename.'),
});


export const FsEditReplacementSchema = z.object({
  oldText: z
    .string()
    .min(1, 'oldText is empty: give the exact text to replace, with enough context to match once')
    .describe('Exact text to find (whitespace and line breaks included). Must match once unless replaceAll.'),
  newText: z.string().describe('Text to put in its place.'),
  replaceAll: z.boolean().default(false).describe('Replace every occurrence instead of requiring exactly one.'),
});

export const FsEditParamsSchema = z.object({
  path: pathField('Text file to edit'),
  edits: z
    .array(FsEditReplacementSchema)
    .min(1)
    .max(FS_EDIT_MAX_EDITS)
    .refine(
      (edits) => edits.reduce((n, e) => n + utf8Bytes(e.oldText) + utf8Bytes(e.newText), 0) <= FS_EDIT_MAX_TEXT_BYTES,
      `edits are too large for one request (over ${FS_EDIT_MAX_TEXT_BYTES} bytes of text): split them, or use fs.write`,
    )
    .describe('Replacements applied in order, each to the result of the previous; if any fails, nothing is written.'),
  expectedSha256: Sha256Schema.optional(),
  dryRun: z.boolean().default(false).describe('Return the diff without writing.'),
});

export const FsEditResultSchema = z.object({
  path: z.string().describe('Absolute path edited.'),
  replacements: z.number().int().nonnegative().describe('Occurrences replaced over all edits.'),
  previousSha256: z.string(),
  sha256: z.string().describe('sha256 of the file after the edit (what it would be, for a dry run).'),
  size: z.number().int().nonnegative().describe('Size in bytes after the edit.'),
  encoding: FsTextEncodingSchema,
  lineEnding: FsLineEndingSchema,
  diff: z.string().describe('Unified diff of the change.'),
  diffTruncated: z.boolean().describe(`true when the diff was over ${FS_DIFF_MAX_BYTES} bytes and was cut.`),
  written: z.boolean().describe('false for a dry run or when the edits changed nothing.'),
  notice: NoticeSchema,
});


export const FsSearchParamsSchema = z.object({
  path: pathField('Folder (searched recursively; symbolic links are not followed) or single file to search').default('.'),
  pattern: z.string().min(1).max(1000).describe('What to look for in each line.'),
  regex: z
    .boolean()
    .default(true)
    .describe('true: pattern is a JavaScript regular expression; false: pattern is matched as literal text.'),
  caseSensitive: z.boolean().default(true).describe('false matches upper and lower case alike.'),
  include: GlobListSchema.optional().describe(
    'Only search files whose path (relative to path, "/"-separated) matches one of these globs; a glob without "/" matches the name ("*.py").',
  ),
  exclude: GlobListSchema.optional().describe('Skip files and folders matching any of these globs.'),
  hidden: z.boolean().default(false).describe('Also search files and folders whose name starts with ".".'),
  skipDefaultDirs: z
    .boolean()
    .default(true)
    .describe('Skip .git and node_modules folders; false searches them too.'),
  contextLines: z
    .number()
    .int()
    .min(0)
    .max(FS_SEARCH_MAX_CONTEXT_LINES)
    .default(0)
    .describe('Lines of context to return before and after each match.'),
  maxResults: z
    .number()
    .int()
    .min(1)
    .max(FS_SEARCH_MAX_RESULTS)
    .default(FS_SEARCH_DEFAULT_MAX_RESULTS)
    .describe('Stop after this many matching lines; the answer then says truncated.'),
  maxFileBytes: z
    .number()
    .int()
    .min(1)
    .default(FS_SEARCH_DEFAULT_MAX_FILE_BYTES)
    .describe('Skip files bigger than this (counted in filesSkipped).'),
});

export const FsSearchMatchSchema = z.object({
  path: z.string().describe('File path relative to the searched path, "/"-separated (the file name when a file was searched).'),
  line: z.number().int().min(1).describe('1-based line number.'),
  column: z.number().int().min(1).describe('1-based character column where the match starts.'),
  text: z.string().describe('The matching line, without its line break.'),
  lineCut: z.boolean().optional().describe(`true when the line was longer than ${FS_SEARCH_MAX_LINE_CHARS} characters and text shows only the part around the match.`),
  before: z.array(z.string()).optional().describe('Context lines before the match.'),
  after: z.array(z.string()).optional().describe('Context lines after the match.'),
});
export type FsSearchMatch = z.infer<typeof FsSearchMatchSchema>;

export const FsSearchResultSchema = z.object({
  path: z.string().describe('Absolute path that was searched.'),
  matches: z.array(FsSearchMatchSchema),
  filesSearched: z.number().int().nonnegative(),
  filesSkipped: z
    .number()
    .int()
    .nonnegative()
    .describe('Files not searched: binary, bigger than maxFileBytes, or unreadable.'),
  truncated: z.boolean().describe('true when maxResults or the size cap stopped the search early; narrow it or raise maxResults.'),
  notice: NoticeSchema,
});


export const FsMkdirParamsSchema = z.object({
  path: pathField('Folder to create'),
  parents: z
    .boolean()
    .default(true)
    .describe('Create missing parent folders too, and succeed if the folder already exists.'),
});

export const FsMkdirResultSchema = z.object({
  path: z.string().describe('Absolute path of the folder.'),
  created: z.boolean().describe('false when it already existed.'),
});


export const FsMoveParamsSchema = z.object({
  from: pathField('File or folder to move or rename'),
  to: pathField('Its new path (the full destination path, not a folder to move it into)'),
  overwrite: z
    .boolean()
    .default(false)
    .describe('Replace an existing file (or empty folder) at the destination.'),
  createDirs: z.boolean().default(false).describe('Create missing parent folders of the destination.'),
});

export const FsMoveResultSchema = z.object({
  from: z.string().describe('Absolute source path.'),
  to: z.string().describe('Absolute destination path.'),
  overwritten: z.boolean().describe('true when something at the destination was replaced.'),
  copied: z.boolean().describe('true when source and destination are on different devices, so it was copied then removed.'),
});


export const FsRemoveParamsSchema = z.object({
  path: pathField('File, link or folder to remove (a link is removed, not what it points to)'),
  recursive: z
    .boolean()
    .default(false)
    .describe('Required to remove a folder that is not empty, with everything in it. Destructive.'),
  ignoreMissing: z.boolean().default(false).describe('Succeed with removed: false when nothing is at the path.'),
});

export const FsRemoveResultSchema = z.object({
  path: z.string().describe('Absolute path.'),
  removed: z.boolean(),
  type: FsEntryTypeSchema.optional().describe('What was removed.'),
});


export const FsRequestParams = {
  'fs.list': FsListParamsSchema,
  'fs.stat': FsStatParamsSchema,
  'fs.read': FsReadParamsSchema,
  'fs.write': FsWriteParamsSchema,
  'fs.edit': FsEditParamsSchema,
  'fs.search': FsSearchParamsSchema,
  'fs.mkdir': FsMkdirParamsSchema,
  'fs.move': FsMoveParamsSchema,
  'fs.remove': FsRemoveParamsSchema,
} as const;

export const FsRequestResults = {
  'fs.list': FsListResultSchema,
  'fs.stat': FsStatResultSchema,
  'fs.read': FsReadResultSchema,
  'fs.write': FsWriteResultSchema,
  'fs.edit': FsEditResultSchema,
  'fs.search': FsSearchResultSchema,
  'fs.mkdir': FsMkdirResultSchema,
  'fs.move': FsMoveResultSchema,
  'fs.remove': FsRemoveResultSchema,
} as const;

export type FsKind = keyof typeof FsRequestParams;
export const FS_KINDS = Object.keys(FsRequestParams) as FsKind[];

export function isFsKind(kind: string): kind is FsKind {
  return Object.hasOwn(FsRequestParams, kind);
}

/** What each kind does to the executor's files, for MCP annotations and a future read-only policy. */
export const FsKindEffects: Record<FsKind, { readOnly: boolean; destructive: boolean }> = {
  'fs.list': { readOnly: true, destructive: false },
  'fs.stat': { readOnly: true, destructive: false },
  'fs.read': { readOnly: true, destructive: false },
  'fs.search': { readOnly: true, destructive: false },
  'fs.mkdir': { readOnly: false, destructive: false },
  'fs.write': { readOnly: false, destructive: true },
  'fs.edit': { readOnly: false, destructive: true },
  'fs.move': { readOnly: false, destructive: true },
  'fs.remove': { readOnly: false, destructive: true },
};

/** Params as a caller may give them (defaults not yet applied). */
export type FsParamsInput<K extends FsKind> = z.input<(typeof FsRequestParams)[K]>;
/** Params after validation (defaults applied). */
export type FsParams<K extends FsKind> = z.output<(typeof FsRequestParams)[K]>;
export type FsResult<K extends FsKind> = z.output<(typeof FsRequestResults)[K]>;

export type FsListParams = FsParams<'fs.list'>;
export type FsListResult = FsResult<'fs.list'>;
export type FsStatParams = FsParams<'fs.stat'>;
export type FsStatResult = FsResult<'fs.stat'>;
export type FsReadParams = FsParams<'fs.read'>;
export type FsReadResult = FsResult<'fs.read'>;
export type FsWriteParams = FsParams<'fs.write'>;
export type FsWriteResult = FsResult<'fs.write'>;
export type FsEditParams = FsParams<'fs.edit'>;
export type FsEditResult = FsResult<'fs.edit'>;
export type FsSearchParams = FsParams<'fs.search'>;
export type FsSearchResult = FsResult<'fs.search'>;
export type FsMkdirParams = FsParams<'fs.mkdir'>;
export type FsMkdirResult = FsResult<'fs.mkdir'>;
export type FsMoveParams = FsParams<'fs.move'>;
export type FsMoveResult = FsResult<'fs.move'>;
export type FsRemoveParams = FsParams<'fs.remove'>;
export type FsRemoveResult = FsResult<'fs.remove'>;
