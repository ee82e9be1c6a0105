import { z } from 'zod';
import { MAX_COMMAND_BYTES, MAX_ENV_VARS, MAX_STDIN_BYTES } from '../limits.js';
import { ErrorInfoSchema } from '../schemas.js';
import { ExecutorIdArgSchema } from './executors.js';
import { requiredMessage, typeMessage } from './messages.js';
import { OutcomeSchema, OutputReadResultSchema, RequestStateSchema, StreamNameSchema } from '../requests.js';

/** MCP tools of the remote family: remote.run, remote.cancel, remote.request_status. */

/** The longest timeoutMs a run accepts; the executor's RunParamsSchema holds the same bound. */
export const MAX_RUN_TIMEOUT_MS = 7 * 24 * 3600 * 1000;
export const MAX_OUTPUT_PAGE_BYTES = 512 * 1024;
export const MAX_TAIL_LINES = 100_000;

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

const requestId = z
  .string({ error: requiredMessage('requestId', 'pass the requestId that remote_run returned') })
  .min(1, { error: 'requestId is empty: pass the requestId that remote_run returned' })
  .max(128, { error: 'requestId is over 128 characters: pass the requestId that remote_run returned' })
  .describe('The requestId that remote_run returned');

const timeoutRule = `timeoutMs must be a whole number of milliseconds from 1 to ${MAX_RUN_TIMEOUT_MS} (7 days); omit it to let the command run until it exits`;

export const RemoteRunInputSchema = z.object({
  executorId: ExecutorIdArgSchema.describe('Executor to run on, as listed by executors_list'),
  command: z
    .string({ error: requiredMessage('command', 'pass the shell command line to run') })
    .refine((s) => s.trim().length > 0, { error: 'command is empty: pass the shell command line to run' })
    .refine((s) => utf8Bytes(s) <= MAX_COMMAND_BYTES, {
      error: `command is over ${MAX_COMMAND_BYTES} bytes: put long scripts in a file on the executor, or pass data through stdin`,
    })
    .describe('Shell command line: run by /bin/sh -c on Linux and macOS, cmd.exe /d /s /c on Windows'),
  cwd: z
    .string({ error: 'cwd must be a string: an absolute directory on the executor' })
    .min(1, { error: 'cwd is empty: pass a directory on the executor, or omit it for the executor\'s work dir' })
    .max(4096, { error: 'cwd is over 4096 characters' })
    .optional()
    .describe("Working directory on the executor (default: the executor's work dir)"),
  env: z
    .record(
      z.string().min(1).max(256).regex(/^[^=\0]+$/, { error: 'env names cannot be empty or contain "=" or NUL' }),
      z.string({ error: 'env values must be strings' }).max(32768, { error: 'an env value is over 32768 characters' }),
      { error: typeMessage('env must be an object of NAME: "value" strings') },
    )
    .refine((e) => Object.keys(e).length <= MAX_ENV_VARS, { error: `env has more than ${MAX_ENV_VARS} variables` })
    .optional()
    .describe("Extra environment variables, added to the executor's own"),
  timeoutMs: z
    .number({ error: timeoutRule })
    .int({ error: timeoutRule })
    .min(1, { error: timeoutRule })
    .max(MAX_RUN_TIMEOUT_MS, { error: timeoutRule })
    .optional()
    .describe('Kill the command (and its children) after this many milliseconds; the run then ends timed_out'),
  stdin: z
    .string({ error: 'stdin must be a string' })
    .refine((s) => utf8Bytes(s) <= MAX_STDIN_BYTES, {
      error: `stdin is over ${MAX_STDIN_BYTES} bytes: copy large input to the executor first`,
    })
    .optional()
    .describe('Text written to the command\'s standard input, which is then closed'),
  waitForCompletion: z
    .boolean({ error: 'waitForCompletion must be true or false' })
    .default(true)
    .describe(
      'true (default): wait for the command to finish, but at most the daemon\'s max wait; then status is "running" ' +
        'and you poll remote_request_status. false: return at once with the requestId',
    ),
});
export type RemoteRunInput = z.infer<typeof RemoteRunInputSchema>;

/** A request as the MCP tools report it: where it is, how it ended, and the output the daemon holds. */
export const RequestReportSchema = z.object({
  requestId: z.string().describe('Pass to remote_request_status or remote_cancel'),
  executorId: z.string(),
  kind: z.string(),
  status: RequestStateSchema.describe('queued, dispatched, accepted, running or completed'),
  outcome: OutcomeSchema.nullable().describe('How it ended, once status is completed'),
  ok: z.boolean().nullable().describe('true when it completed successfully (exit code 0); null until completed'),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean().describe('stdout or stderr above hold less than the command wrote; page with remote_request_status'),
  stdoutBytes: z.number().int(),
  stderrBytes: z.number().int(),
  durationMs: z.number().nullable(),
  createdAt: z.number().describe('Epoch milliseconds'),
  startedAt: z.number().nullable(),
  completedAt: z.number().nullable(),
  error: ErrorInfoSchema.optional().describe('Why it failed, was rejected or was lost'),
  result: z.unknown().optional().describe('Kind-specific result of non-run requests'),
  hint: z.string().optional().describe('What to do next'),
});
export type RequestReport = z.infer<typeof RequestReportSchema>;

export const RemoteRunOutputSchema = RequestReportSchema;

export const RemoteCancelInputSchema = z.object({
  requestId,
  reason: z
    .string({ error: 'reason must be a string' })
    .max(512, { error: 'reason is over 512 characters' })
    .optional()
    .describe('Why, for the logs'),
});
export const RemoteCancelOutputSchema = RequestReportSchema;

const pageRule = (name: string, max: number): string => `${name} must be a whole number from 1 to ${max}`;

export const RemoteRequestStatusInputSchema = z
  .object({
    requestId,
    stream: StreamNameSchema.optional().describe(
      'Read this stream from the copy the executor keeps on disk (default stdout when offset, length or tailLines is given)',
    ),
    offset: z
      .number({ error: 'offset must be a whole number of bytes, 0 or more' })
      .int({ error: 'offset must be a whole number of bytes, 0 or more' })
      .min(0, { error: 'offset must be a whole number of bytes, 0 or more' })
      .optional()
      .describe('Byte offset to read from; use nextOffset of the previous page'),
    length: z
      .number({ error: pageRule('length', MAX_OUTPUT_PAGE_BYTES) })
      .int({ error: pageRule('length', MAX_OUTPUT_PAGE_BYTES) })
      .min(1, { error: pageRule('length', MAX_OUTPUT_PAGE_BYTES) })
      .max(MAX_OUTPUT_PAGE_BYTES, { error: pageRule('length', MAX_OUTPUT_PAGE_BYTES) })
      .optional()
      .describe('Bytes to read'),
    tailLines: z
      .number({ error: pageRule('tailLines', MAX_TAIL_LINES) })
      .int({ error: pageRule('tailLines', MAX_TAIL_LINES) })
      .min(1, { error: pageRule('tailLines', MAX_TAIL_LINES) })
      .max(MAX_TAIL_LINES, { error: pageRule('tailLines', MAX_TAIL_LINES) })
      .optional()
      .describe('Read the last N lines instead of an offset'),
  })
  .refine((v) => v.tailLines === undefined || (v.offset === undefined && v.length === undefined), {
    error: 'give either tailLines or offset/length, not both',
    path: ['tailLines'],
  });
export type RemoteRequestStatusInput = z.infer<typeof RemoteRequestStatusInputSchema>;

export const RemoteRequestStatusOutputSchema = RequestReportSchema.extend({
  output: OutputReadResultSchema.optional().describe(
    'The page read from the executor\'s stored output, when stream, offset, length or tailLines was given',
  ),
});
export type RemoteRequestStatusOutput = z.infer<typeof RemoteRequestStatusOutputSchema>;
