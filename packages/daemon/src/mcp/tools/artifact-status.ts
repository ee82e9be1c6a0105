import { ArtifactStatusInputSchema, ArtifactTransferReportSchema, ToolNames } from '@remote-agent/contracts';
import { defineTool } from '../tool.js';
import { summarizeTransfer, toTransferReport } from '../transfer-report.js';

export const artifactStatusTool = defineTool({
  name: ToolNames.artifactStatus,
  title: "Get a transfer's progress and result",
  description: (name) =>
    `Progress and result of a transfer started by ${name(ToolNames.artifactUpload)} or ${name(ToolNames.artifactDownload)}, ` +
    'by its requestId: bytes moved, resumes after dropped connections, and once completed the verified sha256, file ' +
    `counts and rate. Poll it until status is "completed"; stop a transfer with ${name(ToolNames.remoteCancel)}.`,
  annotations: { readOnlyHint: true, openWorldHint: false },
  input: ArtifactStatusInputSchema,
  output: ArtifactTransferReportSchema,
  async run(args, ctx) {
    return toTransferReport(ctx.core.artifacts.get(args.requestId), ctx.name);
  },
  summarize: summarizeTransfer,
});
