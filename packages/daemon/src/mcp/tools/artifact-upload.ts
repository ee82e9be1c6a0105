import { ArtifactTransferReportSchema, ArtifactUploadInputSchema, ToolNames } from '@remote-agent/contracts';
import { defineTool } from '../tool.js';
import { waitForTransfer } from '../transfer-progress.js';
import { summarizeTransfer, toTransferReport } from '../transfer-report.js';

export const artifactUploadTool = defineTool({
  name: ToolNames.artifactUpload,
  title: 'Copy a file or folder to an executor',
  description: (name) =>
    "Copy a file or a whole folder from the daemon's machine (inside its artifact roots, DAEMON_ARTIFACT_ROOTS) to a path " +
    'on an executor. Any size: it streams in chunks, checks sha256 end to end, resumes after a dropped connection, and ' +
    'writes to a temporary name that replaces the destination only once verified. remotePath is the full path of the ' +
    `new file or folder. Waits at most the daemon's max wait; then poll ${name(ToolNames.artifactStatus)}, or stop it ` +
    `with ${name(ToolNames.remoteCancel)}. For small text files, ${name(ToolNames.fsWrite)} is simpler.`,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: ArtifactUploadInputSchema,
  output: ArtifactTransferReportSchema,
  async run(args, ctx) {
    const started = await ctx.core.artifacts.upload({
      executorId: args.executorId,
      localPath: args.localPath,
      remotePath: args.remotePath,
      overwrite: args.overwrite,
      createDirs: args.createDirs,
    });
    const view = args.waitForCompletion ? await waitForTransfer(started, ctx) : started;
    return toTransferReport(view, ctx.name);
  },
  summarize: summarizeTransfer,
});
