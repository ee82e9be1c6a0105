import type { BodyOf, ErrorInfo, Outcome, RequestResult, RequestState } from '@remote-agent/contracts';
import type { RequestView } from '../core-api.js';
import type { OutputCredit } from './credit.js';
import { OutputBuffer, type OutputChunk } from './output-buffer.js';

const RANK: Record<RequestState, number> = { queued: 0, dispatched: 1, accepted: 2, running: 3, completed: 4 };

export interface TrackedRequestInit {
  requestId: string;
  executorId: string;
  kind: string;
  createdAt: number;
  outputMaxBytes: number;
}

interface Completion {
  outcome: Outcome;
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  result?: unknown;
  error?: ErrorInfo;
}

/**
 * One request as the daemon sees it. States only move forward
 * (queued -> dispatched -> accepted -> running -> completed), so a late or repeated reply is ignored
 * instead of undoing what is known; each transition returns whether it changed anything.
 */
export class TrackedRequest {
  readonly requestId: string;
  readonly executorId: string;
  readonly kind: string;
  readonly createdAt: number;
  readonly output: OutputBuffer;
  state: RequestState = 'queued';
  cancelRequested = false;
  /** Set by the router on the first output chunk (or the executor's first word on its output). */
  credit: OutputCredit | null = null;
  /** The executor's result, held while lost output is read back from its log. */
  resultPending = false;
  private startedAt: number | null = null;
  private completedAt: number | null = null;
  private completion: Completion | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(init: TrackedRequestInit) {
    this.requestId = init.requestId;
    this.executorId = init.executorId;
    this.kind = init.kind;
    this.createdAt = init.createdAt;
    this.output = new OutputBuffer(init.outputMaxBytes);
  }

  get completed(): boolean {
    return this.state === 'completed';
  }

  /** Runs after every change. Listeners must not throw: the tracker guards callbacks it did not write. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  markDispatched(): boolean {
    return this.advance('dispatched');
  }

  markAccepted(body: BodyOf<'request.accepted'>, now: number): boolean {
    return body.state === 'running' ? this.markRunning(now) : this.advance('accepted');
  }

  markRunning(now: number): boolean {
    if (!this.advance('running', false)) return false;
    this.startedAt ??= now;
    this.notify();
    return true;
  }

  /** Output implies the process runs; chunks after completion are late duplicates and are dropped. */
  addOutput(chunk: OutputChunk, now: number): { chunks: number; gap: boolean } {
    if (this.completed) return { chunks: 0, gap: false };
    this.markRunning(now);
    const { verdict, chunks } = this.output.add(chunk);
    if (verdict !== 'duplicate') this.notify();
    return { chunks, gap: verdict === 'gap' };
  }

  complete(result: RequestResult, now: number): boolean {
    if (this.completed) return false;
    this.output.finish({ stdoutBytes: result.stdoutBytes, stderrBytes: result.stderrBytes });
    const completion: Completion = {
      outcome: result.outcome,
      ok: result.ok,
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: result.durationMs,
    };
    if (result.result !== undefined) completion.result = result.result;
    if (result.error !== undefined) completion.error = result.error;
    return this.finish(completion, now);
  }

  /** Ends the request without a result from the executor (lost, cancelled unseen, never sent). */
  completeLocally(outcome: Outcome, now: number, error?: ErrorInfo): boolean {
    if (this.completed) return false;
    const completion: Completion = {
      outcome,
      ok: false,
      exitCode: null,
      signal: null,
      durationMs: now - (this.startedAt ?? this.createdAt),
    };
    if (error) completion.error = error;
    return this.finish(completion, now);
  }

  /** Puts back a request completed before a restart, from its journaled final view. */
  restoreCompleted(view: RequestView): void {
    if (view.stdout.length > 0) this.output.fill('stdout', 0, Buffer.from(view.stdout, 'utf8'));
    if (view.stderr.length > 0) this.output.fill('stderr', 0, Buffer.from(view.stderr, 'utf8'));
    this.output.finish({ stdoutBytes: view.stdoutBytes, stderrBytes: view.stderrBytes });
    this.startedAt = view.startedAt;
    const completion: Completion = {
      outcome: view.outcome ?? 'lost',
      ok: view.ok ?? false,
      exitCode: view.exitCode,
      signal: view.signal,
      durationMs: view.durationMs ?? 0,
    };
    if (view.result !== undefined) completion.result = view.result;
    if (view.error !== undefined) completion.error = view.error;
    this.finish(completion, view.completedAt ?? view.createdAt);
  }

  view(now: number): RequestView {
    const c = this.completion;
    const view: RequestView = {
      requestId: this.requestId,
      executorId: this.executorId,
      kind: this.kind,
      state: this.state,
      outcome: c?.outcome ?? null,
      ok: c?.ok ?? null,
      exitCode: c?.exitCode ?? null,
      signal: c?.signal ?? null,
      stdout: this.output.text('stdout'),
      stderr: this.output.text('stderr'),
      stdoutBytes: this.output.bytes('stdout'),
      stderrBytes: this.output.bytes('stderr'),
      truncated: this.output.truncated,
      createdAt: this.createdAt,
      startedAt: this.startedAt,
      completedAt: this.completedAt,
      durationMs: c ? c.durationMs : this.startedAt === null ? null : now - this.startedAt,
    };
    if (c?.result !== undefined) view.result = c.result;
    if (c?.error !== undefined) view.error = c.error;
    return view;
  }

  private finish(completion: Completion, now: number): boolean {
    this.completion = completion;
    this.completedAt = now;
    this.state = 'completed';
    this.credit = null;
    this.notify();
    return true;
  }

  private advance(to: RequestState, notify = true): boolean {
    if (RANK[to] <= RANK[this.state]) return false;
    this.state = to;
    if (notify) this.notify();
    return true;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
