import { ExecutorDetailSchema, ExecutorInstructionSetInputSchema, ToolNames } from '@remote-agent/contracts';
import { defineTool } from '../tool.js';

export const executorInstructionSetTool = defineTool({
  name: ToolNames.executorInstructionSet,
  title: "Set an executor's instruction",
  description: (name) =>
    "Replace an executor's instruction (free text: what the machine is for, how to use it) with the full new " +
    'text; "" clears it. It is stored on the executor, so it survives restarts and every daemon sees it. ' +
    `The executor must be online. Returns the executor as ${name(ToolNames.executorsGet)} does.`,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: ExecutorInstructionSetInputSchema,
  output: ExecutorDetailSchema,
  async run(args, ctx) {
    return ctx.core.setInstruction(args.executorId, args.instruction);
  },
  summarize: (out) => `instruction of ${out.executorId} set (${out.instruction.length} characters)`,
});
