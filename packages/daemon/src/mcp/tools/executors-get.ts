import { ExecutorDetailSchema, ExecutorsGetInputSchema, ToolNames } from '@remote-agent/contracts';
import { defineTool } from '../tool.js';

export const executorsGetTool = defineTool({
  name: ToolNames.executorsGet,
  title: 'Get an executor',
  description: (name) =>
    "One executor in full: status, OS, shell, work dir, tags, capabilities, load, and its instruction (what the " +
    `machine is for and how to use it: read it before running commands there). Change the instruction with ` +
    `${name(ToolNames.executorInstructionSet)}.`,
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: ExecutorsGetInputSchema,
  output: ExecutorDetailSchema,
  async run(args, ctx) {
    return ctx.core.getExecutor(args.executorId);
  },
  summarize: (out) => `executor ${out.executorId}: ${out.status}, ${out.os}/${out.arch}`,
});
