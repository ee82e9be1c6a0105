import { RemoteCancelInputSchema, RemoteCancelOutputSchema, ToolNames } from '@remote-agent/contracts';
import { summarizeReport, toRequestReport } from '../request-report.js';
import { defineTool } from '../tool.js';

export const remoteCancelTool = defineTool({
  name: ToolNames.remoteCancel,
  title: 'Cancel a request',
  description: (name) =>
    'Stop a request started by ' +
    `${name(ToolNames.remoteRun)}: a running command and all its child processes are terminated (then killed ` +
    'after a grace period); a queued one never starts. A cancelled run ends with status "completed", ok=false, ' +
    'exitCode=null. Cancelling a finished request changes nothing and returns its result.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: RemoteCancelInputSchema,
  output: RemoteCancelOutputSchema,
  async run(args, ctx) {
    const view = await ctx.core.cancel(args.requestId, args.reason);
    return toRequestReport(view, ctx.name);
  },
  summarize: summarizeReport,
});
