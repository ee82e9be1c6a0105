import { EventEmitter, once } from 'node:events';
import { ErrorCode, RemoteAgentError, type OutputReadResult, type StreamName } from '@remote-agent/contracts';
import { ManualClock } from '@remote-agent/transport';
import { unavailableArtifacts } from '../artifacts/unavailable.js';
import { executorInfoFixture } from '../testing/executor-info.js';
import type {
  DaemonCore,
  ExecutorQuery,
  ExecutorView,
  OutputReadOptions,
  RequestView,
  WaitOptions,
} from '../core-api.js';

/**
 * A DaemonCore for the MCP server's tests (never used outside them): executors and requests held in maps,
 * driven by the test (output, complete) on a ManualClock, so waits and progress need no sleeps.
 */
export interface SubmitCall {
  executorId: string;
  kind: string;
  params: unknown;
}

export interface WaitCall {
  requestId: string;
  maxWaitMs: number;
}

type Finish = Partial<Pick<RequestView, 'outcome' | 'ok' | 'exitCode' | 'signal' | 'error' | 'result' | 'truncated'>> & {
  stdout?: string;
  stderr?: string;
};

export class FakeCore implements DaemonCore {
  readonly daemonId = 'fake-daemon';
  readonly artifacts = unavailableArtifacts;
  readonly clock: ManualClock;
  readonly submitted: SubmitCall[] = [];
  readonly outputReads: Array<{ requestId: string; options: OutputReadOptions }> = [];
  /** When set, a submitted request completes at once with what it returns. */
  respond: ((call: SubmitCall) => Finish | null) | null = null;
  closed = false;

  private readonly executors = new Map<string, ExecutorView>();
  private readonly requests = new Map<string, RequestView>();
  private readonly events = new EventEmitter();
  private nextRequest = 1;

  constructor(clock = new ManualClock()) {
    this.clock = clock;
    this.events.setMaxListeners(100);
  }

  addExecutor(executorId: string, fields: Partial<ExecutorView> = {}): ExecutorView {
    const now = this.clock.now();
    const view: ExecutorView = { ...executorInfoFixture(executorId, now), status: 'online', firstSeenAt: now, lastSeenAt: now, ...fields };
    this.executors.set(executorId, view);
    return view;
  }

  /** Resolves when a tool starts waiting on a request. */
  async nextWait(): Promise<WaitCall> {
    const [call] = (await once(this.events, 'wait')) as [WaitCall];
    return call;
  }

  output(requestId: string, stream: StreamName, text: string): void {
    const view = this.mustRequest(requestId);
    const bytes = Buffer.byteLength(text);
    if (stream === 'stdout') {
      view.stdout += text;
      view.stdoutBytes += bytes;
    } else {
      view.stderr += text;
      view.stderrBytes += bytes;
    }
    this.events.emit(`change:${requestId}`);
  }

  complete(requestId: string, finish: Finish = {}): RequestView {
    const view = this.mustRequest(requestId);
    if (finish.stdout !== undefined) this.output(requestId, 'stdout', finish.stdout);
    if (finish.stderr !== undefined) this.output(requestId, 'stderr', finish.stderr);
    const now = this.clock.now();
    view.state = 'completed';
    view.outcome = finish.outcome ?? 'exited';
    view.exitCode = finish.exitCode === undefined ? (view.outcome === 'exited' ? 0 : null) : finish.exitCode;
    view.ok = finish.ok ?? (view.outcome === 'exited' && view.exitCode === 0);
    view.signal = finish.signal ?? null;
    view.completedAt = now;
    view.durationMs = now - (view.startedAt ?? view.createdAt);
    if (finish.truncated !== undefined) view.truncated = finish.truncated;
    if (finish.error !== undefined) view.error = finish.error;
    if (finish.result !== undefined) view.result = finish.result;
    this.events.emit(`change:${requestId}`);
    return { ...view };
  }

  listExecutors(query: ExecutorQuery = {}): ExecutorView[] {
    const text = query.text?.toLowerCase();
    return [...this.executors.values()].filter((e) => {
      if (query.status !== undefined && !query.status.includes(e.status)) return false;
      for (const [k, v] of Object.entries(query.tags ?? {})) if (e.tags[k] !== v) return false;
      if (text !== undefined) {
        const hay = [e.executorId, e.hostname, e.os, e.arch, e.instruction, ...Object.entries(e.tags).flat()];
        if (!hay.some((s) => s.toLowerCase().includes(text))) return false;
      }
      return true;
    });
  }

  getExecutor(executorId: string): ExecutorView {
    const view = this.executors.get(executorId);
    if (view === undefined) {
      const known = [...this.executors.keys()].join(', ') || 'none';
      throw new RemoteAgentError(
        ErrorCode.UnknownExecutor,
        `no executor "${executorId}" is known (known: ${known}); list them with executors_list`,
      );
    }
    return { ...view };
  }

  async setInstruction(executorId: string, instruction: string): Promise<ExecutorView> {
    const view = this.onlineExecutor(executorId);
    view.instruction = instruction;
    view.instructionUpdatedAt = this.clock.now();
    return { ...view };
  }

  submit(executorId: string, kind: string, params: unknown): RequestView {
    this.onlineExecutor(executorId);
    const call = { executorId, kind, params };
    this.submitted.push(call);
    const now = this.clock.now();
    const view: RequestView = {
      requestId: `req-${this.nextRequest++}`,
      executorId,
      kind,
      state: 'running',
      outcome: null,
      ok: null,
      exitCode: null,
      signal: null,
      stdout: '',
      stderr: '',
      stdoutBytes: 0,
      stderrBytes: 0,
      truncated: false,
      createdAt: now,
      startedAt: now,
      completedAt: null,
      durationMs: null,
    };
    this.requests.set(view.requestId, view);
    const finish = this.respond?.(call) ?? null;
    if (finish !== null) this.complete(view.requestId, finish);
    return { ...view };
  }

  getRequest(requestId: string): RequestView {
    return { ...this.mustRequest(requestId) };
  }

  waitForRequest(requestId: string, options: WaitOptions): Promise<RequestView> {
    const view = this.mustRequest(requestId);
    if (view.state === 'completed') return Promise.resolve({ ...view });
    return new Promise((resolve) => {
      const event = `change:${requestId}`;
      const finish = (): void => {
        timer.cancel();
        this.events.off(event, onChange);
        options.signal?.removeEventListener('abort', finish);
        resolve({ ...view });
      };
      const onChange = (): void => {
        if (view.state === 'completed') finish();
        else options.onProgress?.({ ...view });
      };
      const timer = this.clock.setTimeout(finish, options.maxWaitMs);
      this.events.on(event, onChange);
      options.signal?.addEventListener('abort', finish, { once: true });
      this.events.emit('wait', { requestId, maxWaitMs: options.maxWaitMs } satisfies WaitCall);
    });
  }

  async cancel(requestId: string): Promise<RequestView> {
    const view = this.mustRequest(requestId);
    if (view.state === 'completed') return { ...view };
    return this.complete(requestId, { outcome: 'cancelled', ok: false, exitCode: null, signal: 'SIGTERM' });
  }

  async readOutput(requestId: string, options: OutputReadOptions): Promise<OutputReadResult> {
    const view = this.mustRequest(requestId);
    this.outputReads.push({ requestId, options });
    const all = Buffer.from(options.stream === 'stdout' ? view.stdout : view.stderr);
    let offset = options.offset ?? 0;
    let end = options.length === undefined ? all.length : Math.min(all.length, offset + options.length);
    if (options.tailLines !== undefined) {
      const lines = all.toString().split(/(?<=\n)/);
      const tail = lines.slice(-options.tailLines).join('');
      offset = all.length - Buffer.byteLength(tail);
      end = all.length;
    }
    return {
      stream: options.stream,
      data: all.subarray(offset, end).toString(),
      encoding: 'utf8',
      offset,
      nextOffset: end,
      totalBytes: all.length,
      discardedBytes: 0,
      complete: view.state === 'completed' && end === all.length,
    };
  }

  async probe(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }

  private onlineExecutor(executorId: string): ExecutorView {
    this.getExecutor(executorId);
    const view = this.executors.get(executorId)!;
    if (view.status === 'offline') {
      throw new RemoteAgentError(
        ErrorCode.ExecutorOffline,
        `executor "${executorId}" is offline (last seen ${view.lastSeenAt}); pick an online one with executors_list`,
      );
    }
    return view;
  }

  private mustRequest(requestId: string): RequestView {
    const view = this.requests.get(requestId);
    if (view === undefined) {
      throw new RemoteAgentError(
        ErrorCode.UnknownRequest,
        `no request "${requestId}" is known; pass a requestId that remote_run returned`,
      );
    }
    return view;
  }
}
