import type { TransferView } from '../artifacts/api.js';
import type { ToolContext } from './tool.js';
import { progressMessage } from './transfer-report.js';
import { throttleProgress, type ProgressReporterOptions, type ThrottledProgress } from './progress.js';

export type TransferProgress = ThrottledProgress<TransferView>;

/** MCP progress notifications for a transfer: progress is the bytes moved so far. */
export function createTransferProgress(options: ProgressReporterOptions): TransferProgress {
  return throttleProgress<TransferView>(options, (view) => view.transferredBytes, (view) => progressMessage(view));
}

/**
 * Waits for a transfer the way a waited run does: at most the daemon's max wait, with progress
 * notifications when the client asked for them, then the latest view (completed or not).
 */
export async function waitForTransfer(
  started: TransferView,
  ctx: Pick<ToolContext, 'core' | 'settings' | 'clock' | 'logger' | 'signal' | 'progress'>,
): Promise<TransferView> {
  if (started.status === 'completed') return started;
  const reporter =
    ctx.progress === null
      ? null
      : createTransferProgress({ send: ctx.progress, clock: ctx.clock, intervalMs: ctx.settings.progressIntervalMs, logger: ctx.logger });
  try {
    return await ctx.core.artifacts.wait(started.requestId, {
      maxWaitMs: ctx.settings.runMaxWaitMs,
      signal: ctx.signal,
      ...(reporter === null ? {} : { onProgress: (view: TransferView) => reporter.update(view) }),
    });
  } finally {
    reporter?.stop();
  }
}
