import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import type { Clock, Logger } from '@remote-agent/transport';
import type { RequestView, WaitOptions } from '../core-api.js';
import type { JournaledRequest } from './journal.js';
import { TrackedRequest } from './request.js';

export interface RequestTrackerOptions {
  clock: Clock;
  logger: Logger;
  /** Per stream per request. */
  outputMaxBytes: number;
  /** Completed requests kept; the oldest are forgotten past this. */
  retain: number;
  /** Called once when a request completes (not for requests restored already completed). */
  onCompleted?: (req: TrackedRequest) => void;
}

/**
 * Every request the daemon knows, by id, with an index of the in-flight ones per executor (for
 * lost detection) and a bounded memory of completed ones. Waiting never leaks a listener or a timer.
 */
export class RequestTracker {
  private readonly requests = new Map<string, TrackedRequest>();
  private readonly inFlightByExecutor = new Map<string, Set<TrackedRequest>>();
  /** Completed request ids in completion order; Map keeps insertion order, so the first is the oldest. */
  private readonly completedOrder = new Map<string, true>();
  private readonly activeWaits = new Set<() => void>();

  constructor(private readonly opts: RequestTrackerOptions) {}

  create(requestId: string, executorId: string, kind: string): TrackedRequest {
    return this.track(requestId, executorId, kind, this.opts.clock.now());
  }

  /**
   * Puts back a journaled request after a restart: a completed one as it ended, one that was in flight as
   * dispatched, for its executor to be asked what became of it.
   */
  restore(entry: JournaledRequest): TrackedRequest {
    if (entry.completed === null) {
      const req = this.track(entry.requestId, entry.executorId, entry.kind, entry.createdAt);
      req.markDispatched();
      return req;
    }
    this.checkFresh(entry.requestId);
    const req = this.newRequest(entry.requestId, entry.executorId, entry.kind, entry.createdAt);
    req.restoreCompleted(entry.completed);
    this.requests.set(entry.requestId, req);
    this.remember(req);
    return req;
  }

  private checkFresh(requestId: string): void {
    if (this.requests.has(requestId)) {
      throw new RemoteAgentError(ErrorCode.Duplicate, `request id ${requestId} is already in use; use a fresh id`);
    }
  }

  private newRequest(requestId: string, executorId: string, kind: string, createdAt: number): TrackedRequest {
    return new TrackedRequest({ requestId, executorId, kind, createdAt, outputMaxBytes: this.opts.outputMaxBytes });
  }

  private track(requestId: string, executorId: string, kind: string, createdAt: number): TrackedRequest {
    this.checkFresh(requestId);
    const req = this.newRequest(requestId, executorId, kind, createdAt);
    this.requests.set(requestId, req);
    let set = this.inFlightByExecutor.get(executorId);
    if (!set) {
      set = new Set();
      this.inFlightByExecutor.set(executorId, set);
    }
    set.add(req);
    const off = req.onChange(() => {
      if (!req.completed) return;
      off();
      this.retire(req);
      this.notifyCompleted(req);
    });
    return req;
  }

  get(requestId: string): TrackedRequest | undefined {
    return this.requests.get(requestId);
  }

  /** Throws UNKNOWN_REQUEST with what to do about it. */
  require(requestId: string): TrackedRequest {
    const req = this.requests.get(requestId);
    if (!req) {
      throw new RemoteAgentError(
        ErrorCode.UnknownRequest,
        `unknown request id "${requestId}": it was never started by this daemon or has been forgotten ` +
          `(the daemon keeps the last ${this.opts.retain} completed requests); use the requestId returned by the run`,
      );
    }
    return req;
  }

  inFlightOn(executorId: string): TrackedRequest[] {
    return [...(this.inFlightByExecutor.get(executorId) ?? [])];
  }

  inFlight(): TrackedRequest[] {
    return [...this.inFlightByExecutor.values()].flatMap((set) => [...set]);
  }

  size(): number {
    return this.requests.size;
  }

  /** Resolves with the view once completed, after maxWaitMs, on abort, or when the tracker closes. */
  wait(req: TrackedRequest, options: WaitOptions): Promise<RequestView> {
    const { clock, logger } = this.opts;
    if (req.completed || options.signal?.aborted) return Promise.resolve(req.view(clock.now()));
    return new Promise((resolve) => {
      const finish = (): void => {
        timer.cancel();
        off();
        options.signal?.removeEventListener('abort', finish);
        this.activeWaits.delete(finish);
        resolve(req.view(clock.now()));
      };
      const off = req.onChange(() => {
        if (req.completed) {
          finish();
          return;
        }
        if (!options.onProgress) return;
        try {
          options.onProgress(req.view(clock.now()));
        } catch (err) {
          logger.warn('progress callback failed', { requestId: req.requestId, error: err });
        }
      });
      const timer = clock.setTimeout(finish, Math.max(0, options.maxWaitMs));
      options.signal?.addEventListener('abort', finish, { once: true });
      this.activeWaits.add(finish);
    });
  }

  /** Number of waits in progress, for tests that check nothing is left behind. */
  pendingWaits(): number {
    return this.activeWaits.size;
  }

  close(): void {
    for (const finish of [...this.activeWaits]) finish();
  }

  private retire(req: TrackedRequest): void {
    const set = this.inFlightByExecutor.get(req.executorId);
    set?.delete(req);
    if (set && set.size === 0) this.inFlightByExecutor.delete(req.executorId);
    this.remember(req);
  }

  private notifyCompleted(req: TrackedRequest): void {
    try {
      this.opts.onCompleted?.(req);
    } catch (err) {
      this.opts.logger.warn('request completion could not be recorded', { requestId: req.requestId, error: err });
    }
  }

  private remember(req: TrackedRequest): void {
    this.completedOrder.set(req.requestId, true);
    while (this.completedOrder.size > this.opts.retain) {
      const oldest = this.completedOrder.keys().next().value as string;
      this.completedOrder.delete(oldest);
      this.requests.delete(oldest);
    }
  }
}
