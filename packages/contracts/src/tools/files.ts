import { z } from 'zod';
import {
  FsEditParamsSchema,
  FsListParamsSchema,
  FsMkdirParamsSchema,
  FsMoveParamsSchema,
  FsReadParamsSchema,
  FsRemoveParamsSchema,
  FsSearchParamsSchema,
  FsStatParamsSchema,
  FsWriteParamsSchema,
  type FsKind,
} from '../fs.js';
import { ExecutorIdArgSchema } from './executors.js';

/**
 * MCP tools of the fs family: each takes its request kind's params plus the executor to act on, and returns
 * the kind's result (FsRequestResults) as its structured content.
 */
const executorId = ExecutorIdArgSchema.describe('Executor whose files to use, as listed by executors_list');

/** The kind's params with executorId first, as agents read the schema top-down. */
function withExecutor<S extends z.ZodRawShape>(params: z.ZodObject<S>) {
  return z.object({ executorId, ...params.shape });
}

export const FsToolInputSchemas = {
  'fs.list': withExecutor(FsListParamsSchema),
  'fs.stat': withExecutor(FsStatParamsSchema),
  'fs.read': withExecutor(FsReadParamsSchema),
  'fs.write': withExecutor(FsWriteParamsSchema),
  'fs.edit': withExecutor(FsEditParamsSchema),
  'fs.search': withExecutor(FsSearchParamsSchema),
  'fs.mkdir': withExecutor(FsMkdirParamsSchema),
  'fs.move': withExecutor(FsMoveParamsSchema),
  'fs.remove': withExecutor(FsRemoveParamsSchema),
} as const satisfies Record<FsKind, z.ZodObject>;
