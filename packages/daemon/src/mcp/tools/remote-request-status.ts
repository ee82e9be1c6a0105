import {
  RemoteRequestStatusInputSchema,
  RemoteRequestStatusOutputSchema,
  ToolNames,
  type RemoteRequestStatusOutput,
} from '@remote-agent/contracts';
import type { OutputReadOptions } from '../../core-api.js';
import { summarizeReport, toRequestReport } from '../request-report.js';
import { defineTool } from '../tool.js';

export const remoteRequestStatusTool = defineTool({
  name: ToolNames.remoteRequestStatus,
  title: 'Get a request\'s status and output',
  description: (name) =>
    `The state, result and output of a request started by ${name(ToolNames.remoteRun)}, by its requestId. ` +
    'Poll it until status is "completed". stdout/stderr hold what the daemon kept (truncated=true when the ' +
    'command wrote more); to page through the full output the executor keeps on disk, pass stream ' +
    '("stdout" or "stderr") with offset/length (continue from output.nextOffset) or tailLines.',
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: RemoteRequestStatusInputSchema,
  output: RemoteRequestStatusOutputSchema,
  async run(args, ctx) {
    const report: RemoteRequestStatusOutput = toRequestReport(ctx.core.getRequest(args.requestId), ctx.name);
    const paging =
      args.stream !== undefined || args.offset !== undefined || args.length !== undefined || args.tailLines !== undefined;
    if (paging) {
      const read: OutputReadOptions = { stream: args.stream ?? 'stdout' };
      if (args.offset !== undefined) read.offset = args.offset;
      if (args.length !== undefined) read.length = args.length;
      if (args.tailLines !== undefined) read.tailLines = args.tailLines;
      report.output = await ctx.core.readOutput(args.requestId, read);
    }
    return report;
  },
  summarize: summarizeReport,
});
