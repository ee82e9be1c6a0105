import { z } from 'zod';
import { ArtifactTypeSchema, SkippedEntrySchema } from '../artifact.js';
import { FS_MAX_PATH_CHARS } from '../fs.js';
import { OutcomeSchema, RequestStateSchema } from '../requests.js';
import { ErrorInfoSchema } from '../schemas.js';
import { ExecutorIdArgSchema } from './executors.js';
import { requiredMessage } from './messages.js';

/** MCP tools of the artifact family: artifact.upload, artifact.download, artifact.status. */

const pathArg = (field: string, what: string, description: string) =>
  z
    .string({ error: requiredMessage(field, what) })
    .min(1, { error: `${field} is empty: ${what}` })
    .max(FS_MAX_PATH_CHARS, { error: `${field} is over ${FS_MAX_PATH_CHARS} characters` })
    .refine((s) => !s.includes('\0'), { error: `${field} contains a NUL character` })
    .describe(description);

const localPathHelp =
  "on the daemon's machine: absolute, or relative to the first artifact root (DAEMON_ARTIFACT_ROOTS); " +
  'it must lie inside an artifact root, and no link or ".." may lead out of one';
const remotePathHelp = "on the executor: absolute, or relative to the executor's working folder";

const overwrite = z
  .boolean({ error: 'overwrite must be true or false' })
  .default(false)
  .describe('Replace a file or folder already at the destination (default false: refuse)');
const createDirs = z
  .boolean({ error: 'createDirs must be true or false' })
  .default(true)
  .describe('Create missing parent folders of the destination (default true)');
const waitForCompletion = z
  .boolean({ error: 'waitForCompletion must be true or false' })
  .default(true)
  .describe(
    "true (default): wait until the transfer ends, but at most the daemon's max wait; then status is \"running\" and " +
      'you poll artifact_status. false: return at once with the requestId',
  );

export const ArtifactUploadInputSchema = z.object({
  executorId: ExecutorIdArgSchema.describe('Executor to copy to, as listed by executors_list'),
  localPath: pathArg('localPath', 'pass the file or folder to send', `File or folder to send, ${localPathHelp}`),
  remotePath: pathArg(
    'remotePath',
    'pass the full destination path on the executor',
    `Full path the file or folder gets ${remotePathHelp} (not a folder to put it in)`,
  ),
  overwrite,
  createDirs,
  waitForCompletion,
});
export type ArtifactUploadInput = z.output<typeof ArtifactUploadInputSchema>;

export const ArtifactDownloadInputSchema = z.object({
  executorId: ExecutorIdArgSchema.describe('Executor to copy from, as listed by executors_list'),
  remotePath: pathArg('remotePath', 'pass the file or folder to fetch', `File or folder to fetch, ${remotePathHelp}`),
  localPath: pathArg(
    'localPath',
    'pass where to put it, or omit it',
    `Full path the file or folder gets ${localPathHelp}. Default: its name, in the first artifact root`,
  ).optional(),
  overwrite,
  createDirs,
  waitForCompletion,
});
export type ArtifactDownloadInput = z.output<typeof ArtifactDownloadInputSchema>;

export const ArtifactStatusInputSchema = z.object({
  requestId: z
    .string({ error: requiredMessage('requestId', 'pass the requestId that artifact_upload or artifact_download returned') })
    .min(1, { error: 'requestId is empty: pass the requestId that artifact_upload or artifact_download returned' })
    .max(128, { error: 'requestId is over 128 characters' })
    .describe('The requestId that artifact_upload or artifact_download returned'),
});

export const TransferDirectionSchema = z.enum(['upload', 'download']);
export type TransferDirection = z.infer<typeof TransferDirectionSchema>;

/** A transfer as the artifact tools report it. */
export const ArtifactTransferReportSchema = z.object({
  requestId: z.string().describe('Pass to artifact_status, or to remote_cancel to stop the transfer'),
  executorId: z.string(),
  direction: TransferDirectionSchema.describe("upload: daemon's machine to executor; download: executor to daemon's machine"),
  status: RequestStateSchema.describe('queued, dispatched, accepted, running or completed'),
  outcome: OutcomeSchema.nullable().describe('How it ended, once status is completed'),
  ok: z.boolean().nullable().describe('true when the copy is in place and its sha256 matched on both sides; null until completed'),
  localPath: z.string().describe("Absolute path on the daemon's machine"),
  remotePath: z.string().describe('Path on the executor (absolute once the executor reported it)'),
  type: ArtifactTypeSchema.nullable().describe('file or directory, once known'),
  totalBytes: z.number().int().nullable().describe('Bytes of the stream (the file, or the tar stream of a folder), once known'),
  transferredBytes: z.number().int().describe('Bytes sent (upload) or received and written (download) so far'),
  wireBytes: z
    .number()
    .int()
    .describe('Bytes that crossed the relay, counting what was sent again after a resume (about totalBytes when nothing was lost)'),
  resumes: z.number().int().describe('Times the transfer resumed after lost messages or a dropped connection'),
  resumedAt: z.array(z.number().int()).describe('Byte offsets it resumed from (the latest few); never restarted from 0 unless listed'),
  sha256: z.string().nullable().describe('sha256 of the stream, verified by the receiver'),
  files: z.number().int().nullable(),
  directories: z.number().int().nullable(),
  fileBytes: z.number().int().nullable().describe('Sum of the sizes of the regular files'),
  skipped: z.array(SkippedEntrySchema).optional().describe('Folder entries left out, with why'),
  durationMs: z.number().nullable(),
  megabytesPerSecond: z.number().nullable().describe('Average rate (MB = 10^6 bytes) once completed'),
  createdAt: z.number().describe('Epoch milliseconds'),
  completedAt: z.number().nullable(),
  error: ErrorInfoSchema.optional().describe('Why it failed, was cancelled or was lost'),
  hint: z.string().optional().describe('What to do next'),
});
export type ArtifactTransferReport = z.infer<typeof ArtifactTransferReportSchema>;
