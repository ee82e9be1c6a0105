import type { ErrorInfo, ExecutorInfo, OutputReadResult, Outcome, RequestState, StreamName } from '@remote-agent/contracts';
import type { ArtifactTransfers } from './artifacts/api.js';

/**
 * What the daemon offers to its front ends (the MCP server, the plain daemon, the benchmark): the inventory
 * of executors and requests to them. Implemented by `createDaemonCore` in core.ts.
 */
export type ExecutorStatus = 'online' | 'suspect' | 'offline';

export interface ExecutorView extends ExecutorInfo {
  status: ExecutorStatus;
  firstSeenAt: number;
  lastSeenAt: number;
}

export interface ExecutorQuery {
  /** Every given tag must match exactly. */
  tags?: Record<string, string>;
  status?: ExecutorStatus[];
  /** Case-insensitive substring over id, hostname, os, platform, arch, tags and instruction. */
  text?: string;
}

export interface RequestView {
  requestId: string;
  executorId: string;
  kind: string;
  state: RequestState;
  /** Set once state is `completed`. */
  outcome: Outcome | null;
  ok: boolean | null;
  exitCode: number | null;
  signal: string | null;
  /** Output kept by the daemon: the first DAEMON_OUTPUT_MAX_BYTES of each stream. */
  stdout: string;
  stderr: string;
  /** Bytes produced so far (or in all) by the process, which can exceed what stdout/stderr hold. */
  stdoutBytes: number;
  stderrBytes: number;
  /** True when stdout or stderr above hold less than the process wrote. */
  truncated: boolean;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
  /** Kind-specific result payload (fs.*, artifact.*, instruction.set). */
  result?: unknown;
  error?: ErrorInfo;
}

export interface WaitOptions {
  /** Return the current view, even if not completed, after this long. */
  maxWaitMs: number;
  signal?: AbortSignal;
  /** Called as output arrives or the state changes (throttling is the caller's business). */
  onProgress?: (view: RequestView) => void;
}

export interface OutputReadOptions {
  stream: StreamName;
  offset?: number;
  length?: number;
  tailLines?: number;
}

export interface DaemonCore {
  readonly daemonId: string;
  listExecutors(query?: ExecutorQuery): ExecutorView[];
  /** Throws RemoteAgentError(UNKNOWN_EXECUTOR) naming the known ids (or how to list them). */
  getExecutor(executorId: string): ExecutorView;
  /** Replaces the executor's instruction (stored on the executor), resolves with the updated view. */
  setInstruction(executorId: string, instruction: string): Promise<ExecutorView>;
  /**
   * Starts a request of any kind on an executor. Throws at once for an unknown or offline executor
   * (UNKNOWN_EXECUTOR / EXECUTOR_OFFLINE); everything later is reported through the request's state.
   */
  submit(executorId: string, kind: string, params: unknown): RequestView;
  /** Throws UNKNOWN_REQUEST. */
  getRequest(requestId: string): RequestView;
  /** Resolves once completed or after maxWaitMs, whichever is first. */
  waitForRequest(requestId: string, options: WaitOptions): Promise<RequestView>;
  /** Asks the executor to cancel; resolves with the view once the request completes (or after a bound). */
  cancel(requestId: string, reason?: string): Promise<RequestView>;
  /** Pages through output the executor kept on disk, beyond what the daemon holds. */
  readOutput(requestId: string, options: OutputReadOptions): Promise<OutputReadResult>;
  /** Sends a discovery probe now. */
  probe(): Promise<void>;
  /** File and folder transfers between this machine (inside its artifact roots) and executors. */
  readonly artifacts: ArtifactTransfers;
  close(): Promise<void>;
}
