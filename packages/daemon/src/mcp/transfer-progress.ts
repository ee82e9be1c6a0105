import type { Clock, Logger, TimerHandle } from '@remote-agent/transport';
import type { TransferView } from '../artifacts/api.js';
import type { ProgressSink, ToolContext } from './tool.js';
import { progressMessage } from './transfer-report.js';

export interface TransferProgressOptions {
  send: ProgressSink;
  clock: Clock;
  intervalMs: number;
  logger: Logger;
}

export interface TransferProgress {
  /** Called with every new view; sends at most one notification per interval, always with more bytes than the last. */
  update(view: TransferView): void;
  stop(): void;
}

/** MCP progress notifications for a transfer: progress is the bytes moved so far. */
export function createTransferProgress(options: TransferProgressOptions): TransferProgress {
  let latest: TransferView | null = null;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let lastBytes = 0;
  let timer: TimerHandle | null = null;
  let stopped = false;

  const flush = (): void => {
    if (stopped || latest === null || latest.transferredBytes <= lastBytes) return;
    lastBytes = latest.transferredBytes;
    lastSentAt = options.clock.now();
    options.send(lastBytes, progressMessage(latest)).catch((err: unknown) => {
      options.logger.debug('mcp progress notification not sent', { error: err });
    });
  };

  return {
    update(view) {
      if (stopped) return;
      latest = view;
      if (timer !== null) return;
      const wait = lastSentAt + options.intervalMs - options.clock.now();
      if (wait <= 0) {
        flush();
        return;
      }
      timer = options.clock.setTimeout(() => {
        timer = null;
        flush();
      }, wait);
    },
    stop() {
      stopped = true;
      timer?.cancel();
      timer = null;
    },
  };
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
