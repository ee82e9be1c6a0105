import type { Clock, Logger, TimerHandle } from '@remote-agent/transport';
import type { RequestView } from '../core-api.js';
import type { ProgressSink } from './tool.js';

/** Bound on a progress message: clients show it in a status line, not a log. */
export const PROGRESS_MESSAGE_CHARS = 1000;

export interface ProgressReporterOptions {
  send: ProgressSink;
  clock: Clock;
  intervalMs: number;
  logger: Logger;
  maxMessageChars?: number;
}

export type ProgressReporter = ThrottledProgress<RequestView>;

function tail(text: string, max: number): string {
  if (text.length <= max) return text;
  let start = text.length - max;
  // Do not begin with the second half of a surrogate pair.
  const code = text.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start += 1;
  return text.slice(start);
}

export interface ThrottledProgress<V> {
  /** Called with every new view; sends at most one notification per interval. */
  update(view: V): void;
  /** No notification is sent after this. */
  stop(): void;
}

/**
 * MCP progress notifications from a stream of views: at most one per interval, and only when progress grew,
 * since the spec wants progress to increase with every notification. `describe` runs only for a
 * notification that is sent.
 */
export function throttleProgress<V>(
  options: ProgressReporterOptions,
  progressOf: (view: V) => number,
  describe: (view: V, progress: number) => string,
): ThrottledProgress<V> {
  let latest: V | null = null;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let lastProgress = 0;
  let timer: TimerHandle | null = null;
  let stopped = false;

  const flush = (): void => {
    if (stopped || latest === null) return;
    const progress = progressOf(latest);
    if (progress <= lastProgress) return;
    const text = describe(latest, progress);
    lastProgress = progress;
    lastSentAt = options.clock.now();
    options.send(progress, text).catch((err: unknown) => {
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
 * Progress of a run: the count of output bytes so far; the message is the newest output the daemon holds
 * (or a byte count once the daemon's copy is full).
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const max = options.maxMessageChars ?? PROGRESS_MESSAGE_CHARS;
  let seenStdout = 0;
  let seenStderr = 0;

  const message = (view: RequestView, progress: number): string => {
    const parts: string[] = [];
    const newOut = view.stdout.slice(seenStdout);
    const newErr = view.stderr.slice(seenStderr);
    seenStdout = view.stdout.length;
    seenStderr = view.stderr.length;
    if (newOut.length > 0) parts.push(newOut);
    if (newErr.length > 0) parts.push(`[stderr] ${newErr}`);
    if (parts.length === 0) return `${progress} bytes of output so far`;
    return tail(parts.join('\n'), max);
  };

  return throttleProgress<RequestView>(options, (view) => view.stdoutBytes + view.stderrBytes, message);
}
