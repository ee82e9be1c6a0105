import { z } from 'zod';
import { bytesSchema, ErrorInfoSchema } from './schemas.js';
import { CHUNK_BYTES, MAX_COMMAND_BYTES, MAX_ENV_VARS, MAX_INSTRUCTION_CHARS, MAX_STDIN_BYTES } from './limits.js';

/** Request lifecycle; see shared/DESIGN.md "Requests". */
export const RequestStateSchema = z.enum(['queued', 'dispatched', 'accepted', 'running', 'completed']);
export type RequestState = z.infer<typeof RequestStateSchema>;

/**
 * How a completed request ended. `exited`: a process ran and exited (ok when exit code 0).
 * `done`: a non-process request (fs, instruction) finished. `failed`: it could not be carried out
 * (spawn failed, file error); `error` says why. `rejected`: refused before starting (bad params,
 * unsupported kind, policy). `lost`: the executor went away without it.
 */
export const OutcomeSchema = z.enum(['exited', 'done', 'failed', 'cancelled', 'timed_out', 'rejected', 'lost']);
export type Outcome = z.infer<typeof OutcomeSchema>;

export const StreamNameSchema = z.enum(['stdout', 'stderr']);
export type StreamName = z.infer<typeof StreamNameSchema>;

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export const RunParamsSchema = z.object({
  command: z
    .string()
    .refine((s) => s.trim().length > 0, 'command is empty: pass the shell command line to run')
    .refine((s) => utf8Bytes(s) <= MAX_COMMAND_BYTES, `command is over ${MAX_COMMAND_BYTES} bytes`),
  cwd: z.string().min(1).max(4096).optional(),
  env: z
    .record(z.string().min(1).max(256).regex(/^[^=\0]+$/, 'env names cannot contain "=" or NUL'), z.string().max(32768))
    .refine((e) => Object.keys(e).length <= MAX_ENV_VARS, `at most ${MAX_ENV_VARS} env variables`)
    .optional(),
  timeoutMs: z.number().int().positive().max(7 * 24 * 3600 * 1000).optional(),
  stdin: z
    .string()
    .refine((s) => utf8Bytes(s) <= MAX_STDIN_BYTES, `stdin is over ${MAX_STDIN_BYTES} bytes`)
    .optional(),
});
export type RunParams = z.infer<typeof RunParamsSchema>;

export const InstructionSetParamsSchema = z.object({
  instruction: z.string().max(MAX_INSTRUCTION_CHARS),
});
export const InstructionSetResultSchema = z.object({
  instruction: z.string(),
  instructionUpdatedAt: z.number().int(),
});

/** Pages through the output an executor kept on disk for an earlier run. */
export const OutputReadParamsSchema = z.object({
  targetRequestId: z.string().min(1).max(128),
  stream: StreamNameSchema,
  offset: z.number().int().nonnegative().optional(),
  length: z.number().int().positive().max(512 * 1024).optional(),
  tailLines: z.number().int().positive().max(100_000).optional(),
});
export const OutputReadResultSchema = z.object({
  stream: StreamNameSchema,
  data: z.string(),
  encoding: z.enum(['utf8', 'base64']),
  offset: z.number().int().nonnegative(),
  nextOffset: z.number().int().nonnegative(),
  totalBytes: z.number().int().nonnegative(),
  /** Bytes at the start that were rotated away to bound disk use. */
  discardedBytes: z.number().int().nonnegative(),
  complete: z.boolean(),
});
export type OutputReadResult = z.infer<typeof OutputReadResultSchema>;

/**
 * Request kinds and their params. Each kind has one handler module on the executor and one tool module
 * on the daemon. Params of kinds added later (fs.*, artifact.*) are registered in their own modules and
 * merged into RequestParamsByKind.
 */
export const CoreRequestParams = {
  run: RunParamsSchema,
  'instruction.set': InstructionSetParamsSchema,
  'output.read': OutputReadParamsSchema,
} as const;

export const RequestSubmitBody = z.object({
  kind: z.string().min(1).max(64),
  /** Validated by the handler of `kind` on the executor, so new kinds never touch this schema. */
  params: z.unknown(),
  /** Output chunks the executor may send before it needs credit. */
  window: z.number().int().positive().max(1024).optional(),
});

export const RequestCancelBody = z.object({ reason: z.string().max(512).optional() });

/**
 * Flow-control credit from a stream's receiver. Command output uses `through`: the executor may send
 * chunks with seq < through, so a repeated or re-sent credit is harmless and a lost one is repaired by
 * the next. Byte streams (data-stream.ts) use `chunks`: that many more chunks, on top of what was granted.
 */
export const RequestCreditBody = z
  .object({
    chunks: z.number().int().positive().max(1024).optional(),
    through: z.number().int().nonnegative().optional(),
  })
  .refine((b) => b.chunks !== undefined || b.through !== undefined, 'a credit carries chunks or through');

/** Asks the executor what it knows of a request (after a reconnect or restart). */
export const RequestQueryBody = z.object({});

export const RequestAcceptedBody = z.object({
  kind: z.string().max(64),
  state: z.enum(['queued', 'running']),
  /** Position in the executor's queue when it is at its concurrency limit. */
  queuePosition: z.number().int().nonnegative().optional(),
});

export const RequestStateBody = z.object({
  state: z.enum(['queued', 'running', 'completed', 'unknown']),
  /**
   * Output chunks sent so far. Sent with state running while the executor has waited a while for output
   * credit, so a receiver that lost chunks or credits learns where the stream stands and grants again.
   */
  sentChunks: z.number().int().nonnegative().optional(),
  /** Set when state is completed: the result, replayed from the executor's journal. */
  result: z.lazy(() => RequestResultBody).optional(),
});

export const RequestOutputBody = z.object({
  stream: StreamNameSchema,
  /** Sequence over all chunks of the request, from 0, so gaps and reordering are detected. */
  seq: z.number().int().nonnegative(),
  /** Byte offset of this chunk in its stream. */
  offset: z.number().int().nonnegative(),
  data: bytesSchema(CHUNK_BYTES),
});

export const RequestResultBody = z.object({
  kind: z.string().max(64),
  outcome: OutcomeSchema,
  ok: z.boolean(),
  exitCode: z.number().int().nullable(),
  signal: z.string().max(32).nullable(),
  durationMs: z.number().nonnegative(),
  stdoutBytes: z.number().int().nonnegative().optional(),
  stderrBytes: z.number().int().nonnegative().optional(),
  /** Chunks sent, so the receiver knows when it has every chunk. */
  chunks: z.number().int().nonnegative().optional(),
  /** Kind-specific payload, validated by the daemon's tool for that kind. */
  result: z.unknown().optional(),
  error: ErrorInfoSchema.optional(),
});
export type RequestResult = z.infer<typeof RequestResultBody>;

/** Raw bytes of output a result may carry, all its chunks together. */
export const TRAILING_OUTPUT_BYTES = 16 * 1024;
/** Chunks a result may carry at most. */
export const MAX_TRAILING_CHUNKS = 64;

/** An output chunk carried by its request's result, its bytes in base64 (a result is a JSON message). */
export const TrailingOutputChunk = z.object({
  stream: StreamNameSchema,
  seq: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  base64: z
    .string()
    .max(Math.ceil(TRAILING_OUTPUT_BYTES / 3) * 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64 expected'),
});
export type TrailingOutputChunk = z.infer<typeof TrailingOutputChunk>;

/**
 * The `request.result` message: the result, and the output of a run that ended before that output was
 * sent. A short command's output then travels in one relay message with its result, not two; a run still
 * going when the executor announces it (50 ms by default), or with more output, streams it as
 * `request.output` as before. A receiver that does not know `output` drops it and reads the chunks back
 * from the executor's log.
 */
export const RequestResultMessageBody = RequestResultBody.extend({
  output: z.array(TrailingOutputChunk).max(MAX_TRAILING_CHUNKS).optional(),
});
