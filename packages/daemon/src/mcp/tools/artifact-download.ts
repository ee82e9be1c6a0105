import { ArtifactDownloadInputSchema, ArtifactTransferReportSchema, ToolNames } from '@remote-agent/contracts';
import type { DownloadRequest } from '../../artifacts/api.js';
import { defineTool } from '../tool.js';
import { waitForTransfer } from '../transfer-progress.js';
import { summarizeTransfer, toTransferReport } from '../transfer-report.js';

export const artifactDownloadTool = defineTool({
  name: ToolNames.artifactDownload,
  title: 'Copy a file or folder from an executor',
  description: (name) =>
    "Copy a file or a whole folder from an executor to the daemon's machine, into its artifact roots " +
    '(DAEMON_ARTIFACT_ROOTS; by default the file keeps its name in the first root). Any size: it streams in chunks, ' +
    'checks sha256 end to end, resumes after a dropped connection, and unpacks folders safely (nothing outside the ' +
    `destination). Waits at most the daemon's max wait; then poll ${name(ToolNames.artifactStatus)}, or stop it with ` +
    `${name(ToolNames.remoteCancel)}. To look at a text file, ${name(ToolNames.fsRead)} is simpler.`,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: ArtifactDownloadInputSchema,
  output: ArtifactTransferReportSchema,
  async run(args, ctx) {
    const request: DownloadRequest = {
      executorId: args.executorId,
      remotePath: args.remotePath,
      overwrite: args.overwrite,
      createDirs: args.createDirs,
    };
    if (args.localPath !== undefined) request.localPath = args.localPath;
    const started = await ctx.core.artifacts.download(request);
    const view = args.waitForCompletion ? await waitForTransfer(started, ctx) : started;
    return toTransferReport(view, ctx.name);
  },
  summarize: summarizeTransfer,
});
