import { ExecutorListOutputSchema, ExecutorsFindInputSchema, ToolNames } from '@remote-agent/contracts';
import type { ExecutorQuery } from '../../core-api.js';
import { defineTool } from '../tool.js';
import { listOutput, statusList } from './executors-list.js';

export const executorsFindTool = defineTool({
  name: ToolNames.executorsFind,
  title: 'Find executors',
  description: (name) =>
    'Find executors by tags (every given tag must match), status, and/or text (case-insensitive, over id, ' +
    'hostname, OS, architecture, tags and instruction). Returns the same entries as ' +
    `${name(ToolNames.executorsList)}; then use ${name(ToolNames.remoteRun)} with an online executorId.`,
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: ExecutorsFindInputSchema,
  output: ExecutorListOutputSchema,
  async run(args, ctx) {
    const query: ExecutorQuery = {};
    const status = statusList(args.status);
    if (status !== undefined) query.status = status;
    if (args.tags !== undefined) query.tags = args.tags;
    if (args.text !== undefined && args.text.trim() !== '') query.text = args.text.trim();
    return listOutput(ctx.core.listExecutors(query), args.limit);
  },
  summarize: (out) => `${out.total} executor(s) match${out.executors.length < out.total ? `, ${out.executors.length} shown` : ''}`,
});
