import {
  DEFAULT_STREAM_WINDOW,
  ErrorCode,
  Groups,
  toErrorInfo,
  type Envelope,
  type EnvelopeOf,
  type MakeEnvelope,
  type RequestResult,
} from '@remote-agent/contracts';
import type { Clock, EnvelopeBus, Logger } from '@remote-agent/transport';
import { OutputCredit } from './credit.js';
import { fillGaps, type ReadLog } from './gap-fill.js';
import type { TrackedRequest } from './request.js';
import type { RequestTracker } from './tracker.js';

export interface RequestRouterOptions {
  bus: EnvelopeBus;
  make: MakeEnvelope;
  tracker: RequestTracker;
  clock: Clock;
  logger: Logger;
  /** Output chunks the executor may send ahead of credit. */
  window?: number;
  /** Reads lost output back from the executor's log before a result is applied; none: it stays truncated. */
  readLog?: ReadLog;
}

type ReplyEnvelope = EnvelopeOf<'request.accepted' | 'request.state' | 'request.output' | 'request.result'>;

/**
 * Sends requests to `ra.exec.<executorId>` and correlates the executor's replies (which reach this
 * daemon's own group) by requestId. A reply is applied only when it comes from the executor the
 * request was sent to; anything else is dropped with a debug line.
 */
export class RequestRouter {
  private readonly window: number;

  constructor(private readonly opts: RequestRouterOptions) {
    this.window = opts.window ?? DEFAULT_STREAM_WINDOW;
  }

  /** Sends the submit; a relay that refuses or drops it ends the request as failed. */
  async dispatch(req: TrackedRequest, params: unknown): Promise<void> {
    const env = this.opts.make('request.submit', { kind: req.kind, params, window: this.window }, req.requestId);
    try {
      await this.opts.bus.send(Groups.exec(req.executorId), env);
      req.markDispatched();
    } catch (err) {
      const info = toErrorInfo(err, ErrorCode.NotConnected);
      this.opts.logger.warn('request dispatch failed', { requestId: req.requestId, executorId: req.executorId, error: info.message });
      req.completeLocally('failed', this.opts.clock.now(), {
        code: info.code,
        message: `could not send the request to executor ${req.executorId}: ${info.message}. Check the daemon's relay connection and try again.`,
      });
    }
  }

  async cancel(req: TrackedRequest, reason?: string): Promise<void> {
    req.cancelRequested = true;
    await this.sendControl(req, this.opts.make('request.cancel', reason === undefined ? {} : { reason }, req.requestId));
  }

  /** Asks the executor what became of a request (after it restarted or we reconnected). */
  async query(req: TrackedRequest): Promise<void> {
    await this.sendControl(req, this.opts.make('request.query', {}, req.requestId));
  }

  /** Applies a reply; returns false when the envelope is not a request reply this router handles. */
  handle(env: Envelope): boolean {
    if (!isReply(env)) return false;
    const req = this.opts.tracker.get(env.requestId);
    if (!req) {
      this.opts.logger.debug('reply for an unknown request dropped', { type: env.type, requestId: env.requestId });
      return true;
    }
    if (env.from.role !== 'executor' || env.from.id !== req.executorId) {
      this.opts.logger.warn('reply from the wrong sender dropped', {
        type: env.type,
        requestId: env.requestId,
        expected: req.executorId,
        from: `${env.from.role}:${env.from.id}`,
      });
      return true;
    }
    const now = this.opts.clock.now();
    switch (env.type) {
      case 'request.accepted':
        req.markAccepted(env.body, now);
        break;
      case 'request.output':
        this.onOutput(req, env);
        break;
      case 'request.result': {
        const { output, ...result } = env.body;
        // Output that came with its result: the request is over, so no credit is granted for it.
        for (const { base64, ...chunk } of output ?? []) req.addOutput({ ...chunk, data: Buffer.from(base64, 'base64') }, now);
        this.onResult(req, result);
        break;
      }
      case 'request.state':
        this.onState(req, env);
        break;
    }
    return true;
  }

  /** Sends again the output credit of every running request on `executorId` (all executors when omitted). */
  regrant(executorId?: string): void {
    const requests = executorId === undefined ? this.opts.tracker.inFlight() : this.opts.tracker.inFlightOn(executorId);
    for (const req of requests) if (req.credit && !req.completed) req.credit.resend(req.output.settledChunks);
  }

  private onOutput(req: TrackedRequest, env: EnvelopeOf<'request.output'>): void {
    const { chunks, gap } = req.addOutput(env.body, this.opts.clock.now());
    if (chunks === 0 || req.completed) return;
    const credit = this.creditOf(req);
    if (gap) {
      this.opts.logger.warn('output chunk missing; it is read back from the executor log when the request ends', {
        requestId: req.requestId,
        stream: env.body.stream,
        seq: env.body.seq,
      });
      credit.resend(req.output.settledChunks);
    } else {
      credit.onProgress(req.output.settledChunks);
    }
  }

  private creditOf(req: TrackedRequest): OutputCredit {
    req.credit ??= new OutputCredit(this.window, (through) => {
      void this.sendControl(req, this.opts.make('request.credit', { through }, req.requestId));
    });
    return req.credit;
  }

  /** The executor has waited for credit: whatever it sent that did not arrive is lost, and credit is granted again. */
  private onStalled(req: TrackedRequest, sentChunks: number): void {
    if (req.completed) return;
    if (req.output.markSent(sentChunks)) {
      this.opts.logger.warn('output chunks lost on the way; granting credit again', { requestId: req.requestId, sentChunks });
    }
    this.creditOf(req).resend(req.output.settledChunks);
  }

  /** Completes the request, once lost output has been read back from the executor's log if it can be. */
  private onResult(req: TrackedRequest, result: RequestResult): void {
    const { readLog } = this.opts;
    if (req.completed || req.resultPending) return;
    req.output.finish({ stdoutBytes: result.stdoutBytes, stderrBytes: result.stderrBytes });
    if (!readLog || req.output.missing().length === 0) {
      req.complete(result, this.opts.clock.now());
      return;
    }
    req.resultPending = true;
    void fillGaps(req.requestId, req.output, readLog, this.opts.logger).finally(() => {
      req.resultPending = false;
      req.complete(result, this.opts.clock.now());
    });
  }

  private onState(req: TrackedRequest, env: EnvelopeOf<'request.state'>): void {
    const now = this.opts.clock.now();
    const { state, result } = env.body;
    if (state === 'queued') req.markAccepted({ kind: req.kind, state: 'queued' }, now);
    else if (state === 'running') {
      req.markRunning(now);
      if (env.body.sentChunks !== undefined) this.onStalled(req, env.body.sentChunks);
    }
    else if (state === 'completed' && result) this.onResult(req, result);
    else if (state === 'completed') {
      req.completeLocally('lost', now, {
        code: ErrorCode.Lost,
        message: `executor ${req.executorId} reports request ${req.requestId} completed but no longer has its result; run it again if needed.`,
      });
    } else if (req.cancelRequested) {
      req.completeLocally('cancelled', now);
    } else {
      req.completeLocally('lost', now, {
        code: ErrorCode.Lost,
        message: `executor ${req.executorId} has no record of request ${req.requestId} (it restarted or never received it), so its outcome is unknown; run it again if needed.`,
      });
    }
  }

  private async sendControl(req: TrackedRequest, env: Envelope): Promise<void> {
    try {
      await this.opts.bus.send(Groups.exec(req.executorId), env);
    } catch (err) {
      this.opts.logger.warn('request control message not sent', {
        type: env.type,
        requestId: req.requestId,
        error: toErrorInfo(err).message,
      });
    }
  }
}

function isReply(env: Envelope): env is ReplyEnvelope {
  return (
    env.type === 'request.accepted' ||
    env.type === 'request.state' ||
    env.type === 'request.output' ||
    env.type === 'request.result'
  );
}
