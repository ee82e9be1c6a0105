import {
  DEFAULT_EXECUTOR_LIST_LIMIT,
  ExecutorListOutputSchema,
  ExecutorsListInputSchema,
  ToolNames,
  type ExecutorListOutput,
} from '@remote-agent/contracts';
import type { ExecutorStatus, ExecutorView } from '../../core-api.js';
import { byExecutorId, toExecutorSummary } from '../executor-views.js';
import { defineTool } from '../tool.js';

export function statusList(status: ExecutorStatus | ExecutorStatus[] | undefined): ExecutorStatus[] | undefined {
  if (status === undefined) return undefined;
  return Array.isArray(status) ? status : [status];
}

export function listOutput(views: ExecutorView[], limit: number | undefined): ExecutorListOutput {
  const sorted = [...views].sort(byExecutorId);
  return {
    executors: sorted.slice(0, limit ?? DEFAULT_EXECUTOR_LIST_LIMIT).map(toExecutorSummary),
    total: sorted.length,
  };
}

export const executorsListTool = defineTool({
  name: ToolNames.executorsList,
  title: 'List executors',
  description: (name) =>
    'List the machines (executors) this daemon knows, with status (online, suspect, offline), OS, tags and the ' +
    `start of each one's instruction. Run commands with ${name(ToolNames.remoteRun)} on an online executor; ` +
    `read a full instruction with ${name(ToolNames.executorsGet)}; filter by tags or text with ${name(ToolNames.executorsFind)}.`,
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: ExecutorsListInputSchema,
  output: ExecutorListOutputSchema,
  async run(args, ctx) {
    const status = statusList(args.status);
    return listOutput(ctx.core.listExecutors(status === undefined ? {} : { status }), args.limit);
  },
  summarize: (out) => `${out.total} executor(s)${out.executors.length < out.total ? `, ${out.executors.length} shown` : ''}`,
});
