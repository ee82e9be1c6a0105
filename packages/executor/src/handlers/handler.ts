import type { z } from 'zod';
import { ErrorCode, RemoteAgentError, type ErrorInfo, type Outcome, type StreamName } from '@remote-agent/contracts';
import type { Clock, DataChannel, Logger } from '@remote-agent/transport';

/**
 * How a request kind is carried out on the executor. Adding a kind (fs.*, artifact.*, ...) means writing
 * one module that exports a factory returning a RequestHandler, and listing it in handlers/index.ts;
 * nothing else changes. The dispatcher does everything around `handle`:
 * - validates `params` with the handler's schema; a failure is answered as outcome `rejected` with
 *   BAD_REQUEST naming the field, and `handle` is never called;
 * - applies the policy, records the request in the journal (so a duplicate never runs twice) and, when
 *   `usesSlot`, holds it in a FIFO queue while EXECUTOR_MAX_CONCURRENT slots are busy;
 * - aborts `ctx.signal` on `request.cancel`, and when `timeoutMs(params)` elapses;
 * - turns the returned HandlerOutcome into the `request.result` message (adding durationMs and the output
 *   byte and chunk counts). A thrown RemoteAgentError becomes outcome `failed` with its code and message;
 *   anything else thrown becomes `failed` with INTERNAL. If the signal was aborted, a throw becomes
 *   `cancelled` / `timed_out` instead, so a handler may simply let an AbortError propagate.
 */
export interface RequestHandler<P = unknown> {
  /** The request kind on the wire, e.g. 'run', 'fs.read'. */
  readonly kind: string;
  readonly params: z.ZodType<P>;
  /** Counts against EXECUTOR_MAX_CONCURRENT (long-running work does; quick file operations need not). */
  readonly usesSlot: boolean;
  /** Milliseconds after the start at which the dispatcher aborts the signal with TIMED_OUT. */
  timeoutMs?(params: P): number | undefined;
  handle(params: P, ctx: HandlerContext): Promise<HandlerOutcome>;
}

export interface HandlerContext {
  requestId: string;
  kind: string;
  /** The daemon that submitted the request. */
  daemonId: string;
  /**
   * Aborted on cancel or timeout. `signal.reason` is a RemoteAgentError with code CANCELLED or TIMED_OUT
   * whose message says why; `abortOutcome(signal)` turns it into the outcome to return.
   */
  signal: AbortSignal;
  /** The executor's working folder (EXECUTOR_WORK_DIR): relative paths resolve against it. */
  workDir: string;
  /** The executor's private state folder (EXECUTOR_STATE_DIR). */
  stateDir: string;
  /** Already carries requestId and kind. */
  logger: Logger;
  clock: Clock;
  output: OutputSink;
  /** The request's byte-stream messages with its daemon (artifact transfers). */
  channel: DataChannel;
}

/**
 * A request's byte streams. Bytes are streamed to the daemon in numbered chunks under its credit window
 * and appended to the request's on-disk output log (which `output.read` pages through). After a cancel
 * or timeout they are only logged.
 */
export interface OutputSink {
  /** False: stop producing (e.g. pause the pipes being read) until `waitForRoom()` resolves. */
  write(stream: StreamName, data: Buffer): boolean;
  waitForRoom(): Promise<void>;
}

/** What a handler reports; the dispatcher fills in the rest of `request.result`. */
export interface HandlerOutcome {
  outcome: Outcome;
  ok: boolean;
  exitCode?: number | null;
  signal?: string | null;
  /** Kind-specific payload; must stay well under the relay's 1 MB frame. */
  result?: unknown;
  error?: ErrorInfo;
}

/** The reason a signal was aborted with, as the RemoteAgentError the dispatcher put there. */
export function abortReason(signal: AbortSignal): RemoteAgentError {
  const reason: unknown = signal.reason;
  if (reason instanceof RemoteAgentError) return reason;
  return new RemoteAgentError(ErrorCode.Cancelled, 'the request was cancelled');
}

/** The outcome for a request stopped by its signal: `timed_out` after a timeout, `cancelled` otherwise. */
export function abortOutcome(signal: AbortSignal, processSignal: string | null = null): HandlerOutcome {
  const reason = abortReason(signal);
  return {
    outcome: reason.code === ErrorCode.TimedOut ? 'timed_out' : 'cancelled',
    ok: false,
    exitCode: null,
    signal: processSignal,
    error: reason.toInfo(),
  };
}

/** Outcome `failed` with the error's code and message. */
export function failedOutcome(error: RemoteAgentError): HandlerOutcome {
  return { outcome: 'failed', ok: false, exitCode: null, signal: null, error: error.toInfo() };
}
