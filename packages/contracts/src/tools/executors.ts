import { z } from 'zod';
import { ExecutorInfoSchema, TagsSchema } from '../presence.js';
import { MAX_INSTRUCTION_CHARS } from '../limits.js';
import { requiredMessage } from './messages.js';

/** MCP tools of the executors family: executors.list, executors.get, executors.find, executor.instruction.set. */

export const ExecutorStatusSchema = z.enum(['online', 'suspect', 'offline']);

/** Instructions can be long; lists carry only their start so that thousands of executors stay readable. */
export const INSTRUCTION_PREVIEW_CHARS = 200;
export const DEFAULT_EXECUTOR_LIST_LIMIT = 200;
export const MAX_EXECUTOR_LIST_LIMIT = 1000;

export const ExecutorSummarySchema = z.object({
  executorId: z.string(),
  status: ExecutorStatusSchema,
  hostname: z.string(),
  os: z.string(),
  platform: z.string(),
  arch: z.string(),
  version: z.string(),
  tags: z.record(z.string(), z.string()),
  instructionPreview: z.string().describe(`The first ${INSTRUCTION_PREVIEW_CHARS} characters of the instruction`),
  running: z.number().int(),
  queued: z.number().int(),
  maxConcurrent: z.number().int(),
  lastSeenAt: z.number().describe('Epoch milliseconds'),
});
export type ExecutorSummary = z.infer<typeof ExecutorSummarySchema>;

export const ExecutorDetailSchema = ExecutorInfoSchema.extend({
  status: ExecutorStatusSchema,
  firstSeenAt: z.number().describe('Epoch milliseconds'),
  lastSeenAt: z.number().describe('Epoch milliseconds'),
});
export type ExecutorDetail = z.infer<typeof ExecutorDetailSchema>;

/** An executor id argument; tools that act on an executor share it. */
export const ExecutorIdArgSchema = z
  .string({ error: requiredMessage('executorId', 'pass an id from executors_list') })
  .min(1, { error: 'executorId is empty: pass an id from executors_list' })
  .max(63, { error: 'executorId is over 63 characters: pass an id from executors_list' })
  .describe('Executor id, as listed by executors_list');

const statusFilter = z
  .union([ExecutorStatusSchema, z.array(ExecutorStatusSchema).max(3)], {
    error: 'status must be "online", "suspect" or "offline", or a list of them',
  })
  .describe('Only executors in this status (or any of these statuses)');

const limit = z
  .number({ error: `limit must be a whole number from 1 to ${MAX_EXECUTOR_LIST_LIMIT}` })
  .int({ error: `limit must be a whole number from 1 to ${MAX_EXECUTOR_LIST_LIMIT}` })
  .min(1, { error: `limit must be a whole number from 1 to ${MAX_EXECUTOR_LIST_LIMIT}` })
  .max(MAX_EXECUTOR_LIST_LIMIT, { error: `limit must be a whole number from 1 to ${MAX_EXECUTOR_LIST_LIMIT}` })
  .describe(`Most executors to return (default ${DEFAULT_EXECUTOR_LIST_LIMIT})`);

export const ExecutorsListInputSchema = z.object({
  status: statusFilter.optional(),
  limit: limit.optional(),
});

export const ExecutorListOutputSchema = z.object({
  executors: z.array(ExecutorSummarySchema),
  total: z.number().int().describe('Executors that matched, which can exceed those returned (see limit)'),
});
export type ExecutorListOutput = z.infer<typeof ExecutorListOutputSchema>;

export const ExecutorsGetInputSchema = z.object({ executorId: ExecutorIdArgSchema });

export const ExecutorsFindInputSchema = z.object({
  tags: TagsSchema.optional().describe('Every given tag must match exactly, e.g. {"gpu": "a100"}'),
  status: statusFilter.optional(),
  text: z
    .string({ error: 'text must be a string' })
    .max(256, { error: 'text is over 256 characters: search for a shorter word' })
    .optional()
    .describe('Case-insensitive substring of the id, hostname, OS, architecture, tags or instruction'),
  limit: limit.optional(),
});

export const ExecutorInstructionSetInputSchema = z.object({
  executorId: ExecutorIdArgSchema,
  instruction: z
    .string({ error: requiredMessage('instruction', 'pass the full new text ("" clears it)') })
    .max(MAX_INSTRUCTION_CHARS, {
      error: `instruction is over ${MAX_INSTRUCTION_CHARS} characters: shorten it`,
    })
    .describe('The full new instruction: what this machine is for and how to use it. Replaces the old one; "" clears it'),
});
