import {
  CHUNK_BYTES,
  DEFAULT_STREAM_WINDOW,
  ErrorCode,
  MAX_FRAME_BYTES,
  MAX_TRAILING_CHUNKS,
  RemoteAgentError,
  TRAILING_OUTPUT_BYTES,
  toErrorInfo,
  type BodyOf,
  type DataStreamMessageType,
  type EnvelopeOf,
  type ErrorInfo,
  type MessageType,
  type RequestResult,
} from '@remote-agent/contracts';
import { DataChannelListeners, type Clock, type Logger, type SendOptions, type TimerHandle } from '@remote-agent/transport';
import type { HandlerContext, HandlerOutcome, OutputSink, RequestHandler } from './handlers/handler.js';
import { abortOutcome } from './handlers/handler.js';
import type { HandlerRegistry } from './handlers/index.js';
import type { Journal } from './journal.js';
import type { OutputLog } from './output-log.js';
import type { OutputLogWriter } from './output-log-writer.js';
import { OutputStream, type OutputChunk } from './output-stream.js';
import type { RequestPolicy } from './policy.js';
import { RequestLog } from './request-log.js';
import { failedAsTooLarge } from './too-large.js';

/** Sends a reply for a request to one daemon (its group `ra.daemon.<daemonId>`). */
export type ReplyFn = <T extends MessageType>(
  daemonId: string,
  type: T,
  body: BodyOf<T>,
  requestId: string,
  options?: SendOptions,
) => Promise<void>;

export interface DispatcherOptions {
  executorId: string;
  handlers: HandlerRegistry;
  journal: Journal;
  outputLog: OutputLog;
  policy: RequestPolicy;
  maxConcurrent: number;
  workDir: string;
  stateDir: string;
  clock: Clock;
  logger: Logger;
  reply: ReplyFn;
  /** Raw bytes per output chunk; CHUNK_BYTES unless a test wants small chunks. */
  chunkBytes?: number;
  /** After waiting this long for output credit, tell the daemon where the stream stands (and again at this interval). */
  creditNudgeMs?: number;
  /**
   * How long a started request runs before the daemon is told that it runs; one that ends sooner is told by
   * its result alone, and output on the way tells it too. 0 tells at once.
   */
  announceAfterMs?: number;
}

/** Default for DispatcherOptions.creditNudgeMs. */
export const DEFAULT_CREDIT_NUDGE_MS = 10_000;

/**
 * Default for DispatcherOptions.announceAfterMs. A short command (an `echo`, a `git status`) ends within it,
 * and its `running` announcement would reach the relay and the daemon just as the command starts, taking
 * their share of a small machine's cores from it: 0.7-1.5 ms of an `echo`'s round trip (bench/README.md).
 */
export const DEFAULT_ANNOUNCE_AFTER_MS = 50;

interface ActiveRequest {
  requestId: string;
  kind: string;
  daemonId: string;
  handler: RequestHandler;
  params: unknown;
  state: 'queued' | 'running';
  /** Chunks the output may send before more credit, including credit granted while still queued. */
  creditLimit: number;
  controller: AbortController;
  output: OutputStream | null;
  settled: Promise<void> | null;
  channel: DataChannelListeners;
  /** The pending announcement that the request runs, cancelled when its result goes first. */
  announcement: TimerHandle | null;
  /**
   * Output chunks kept until the announcement, to go with the result if the request ends first; null once
   * they stream (after the announcement, past TRAILING_OUTPUT_BYTES, or when announcing at once).
   */
  held: { chunks: OutputChunk[]; bytes: number } | null;
  /** Set once the request runs; its bytes wait while `held` is set (see RequestLog). */
  log: RequestLog | null;
}

/** Result bodies stay this far under the frame limit, leaving room for the envelope around them. */
const RESULT_BYTES_LIMIT = MAX_FRAME_BYTES - 16 * 1024;

/**
 * The one dispatch point for requests: idempotency by request id (journal + active map), validation by
 * the handler's schema, the policy check, the concurrency limit with a FIFO queue, cancel, credit and
 * query. Handlers only ever see valid, allowed requests.
 */
export class Dispatcher {
  private readonly active = new Map<string, ActiveRequest>();
  private readonly queue: ActiveRequest[] = [];
  private runningSlots = 0;
  private stopping = false;
  /** Results whose sending failed (relay away); sent again after the next connect. */
  private readonly unsent = new Map<string, { daemonId: string; result: RequestResult }>();

  constructor(private readonly opts: DispatcherOptions) {}

  counts(): { running: number; queued: number } {
    return { running: this.active.size - this.queue.length, queued: this.queue.length };
  }

  /** What the executor knows of a request, for `output.read`. */
  lookup(requestId: string): { active: boolean; result: RequestResult | null } | null {
    if (this.active.has(requestId)) return { active: true, result: null };
    const entry = this.opts.journal.get(requestId);
    return entry ? { active: false, result: entry.result } : null;
  }

  submit(env: EnvelopeOf<'request.submit'>): void {
    const requestId = env.requestId;
    const daemonId = env.from.id;
    if (this.replyKnownState(daemonId, requestId)) return;
    const { kind } = env.body;
    if (this.stopping) {
      this.sendRejection(daemonId, requestId, kind, {
        code: ErrorCode.NotConnected,
        message: `executor ${this.opts.executorId} is shutting down; submit the request again once it is back online`,
      });
      return;
    }
    const handler = this.opts.handlers.get(kind);
    if (!handler) {
      this.reject(daemonId, requestId, kind, {
        code: ErrorCode.UnsupportedKind,
        message: `executor ${this.opts.executorId} does not handle requests of kind "${kind}"; it handles: ${this.opts.handlers.kinds().join(', ')}`,
      });
      return;
    }
    const parsed = handler.params.safeParse(env.body.params);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'params'}: ${issue.message}`);
      this.reject(daemonId, requestId, kind, {
        code: ErrorCode.BadRequest,
        message: `invalid ${kind} request: ${problems.join('; ')}; correct the parameters and submit again`,
      });
      return;
    }
    try {
      this.opts.policy.check({ requestId, kind, params: parsed.data, daemonId });
    } catch (err) {
      this.reject(daemonId, requestId, kind, toErrorInfo(err, ErrorCode.Forbidden));
      return;
    }
    try {
      this.opts.journal.accepted({ requestId, kind, daemonId, acceptedAt: this.opts.clock.now() });
    } catch (err) {
      this.sendRejection(daemonId, requestId, kind, {
        code: ErrorCode.Internal,
        message: `executor ${this.opts.executorId} cannot write its journal in ${this.opts.stateDir} (${(err as Error).message}); free space or fix permissions there`,
      });
      return;
    }
    const request: ActiveRequest = {
      requestId,
      kind,
      daemonId,
      handler,
      params: parsed.data,
      state: 'queued',
      creditLimit: env.body.window ?? DEFAULT_STREAM_WINDOW,
      controller: new AbortController(),
      output: null,
      settled: null,
      channel: new DataChannelListeners((err) => this.opts.logger.error('data stream listener failed', { requestId, error: err })),
      announcement: null,
      held: null,
      log: null,
    };
    this.active.set(requestId, request);
    if (handler.usesSlot && this.runningSlots >= this.opts.maxConcurrent) {
      this.queue.push(request);
      this.opts.logger.info('request queued', { requestId, kind, queuePosition: this.queue.length });
      this.send(daemonId, 'request.accepted', { kind, state: 'queued', queuePosition: this.queue.length }, requestId);
      return;
    }
    this.start(request, 'accepted');
  }

  cancel(env: EnvelopeOf<'request.cancel'>): void {
    this.cancelRequest(env.requestId, env.body.reason ?? `requested by daemon ${env.from.id}`, env.from.id);
  }

  credit(env: EnvelopeOf<'request.credit'>): void {
    const request = this.active.get(env.requestId);
    if (!request) return;
    const { chunks, through } = env.body;
    if (through !== undefined) {
      request.creditLimit = Math.max(request.creditLimit, through);
      request.output?.grantThrough(through);
      return;
    }
    if (chunks === undefined) return;
    request.creditLimit += chunks;
    request.output?.grant(chunks);
    if (request.daemonId === env.from.id) request.channel.deliver(env);
  }

  /** A byte-stream message (request.data, .query, .position) for a running request of the daemon that sent it. */
  channelMessage(env: EnvelopeOf<DataStreamMessageType>): void {
    const request = this.active.get(env.requestId);
    if (request?.state === 'running' && request.daemonId === env.from.id) request.channel.deliver(env);
  }

  /** The relay connection was replaced: byte streams in progress may have lost messages. */
  reconnected(): void {
    for (const request of this.active.values()) if (request.state === 'running') request.channel.reconnected();
  }

  query(env: EnvelopeOf<'request.query'>): void {
    if (!this.replyKnownState(env.from.id, env.requestId)) {
      this.send(env.from.id, 'request.state', { state: 'unknown' }, env.requestId);
    }
  }

  /** Sends again the results that could not be delivered while the relay was away. */
  resendUnsent(): void {
    for (const [requestId, { daemonId, result }] of [...this.unsent]) {
      this.unsent.delete(requestId);
      this.sendResult(daemonId, requestId, result);
    }
  }

  /** Refuses new requests, cancels queued and running ones, and resolves when all have ended. */
  async stop(reason: string): Promise<void> {
    this.stopping = true;
    for (const request of [...this.active.values()]) this.cancelRequest(request.requestId, reason, request.daemonId);
    await Promise.all([...this.active.values()].map((request) => request.settled));
  }

  private cancelRequest(requestId: string, reason: string, askedBy: string): void {
    const request = this.active.get(requestId);
    if (request?.state === 'running') {
      request.controller.abort(new RemoteAgentError(ErrorCode.Cancelled, `cancelled: ${reason}`));
      return;
    }
    if (request?.state === 'queued') {
      this.queue.splice(this.queue.indexOf(request), 1);
      this.complete(request, {
        kind: request.kind,
        outcome: 'cancelled',
        ok: false,
        exitCode: null,
        signal: null,
        durationMs: 0,
        error: { code: ErrorCode.Cancelled, message: `cancelled before it started: ${reason}` },
      });
      if (askedBy !== request.daemonId) this.replyKnownState(askedBy, requestId);
      return;
    }
    if (!this.replyKnownState(askedBy, requestId)) this.send(askedBy, 'request.state', { state: 'unknown' }, requestId);
  }

  private start(request: ActiveRequest, announce: 'accepted' | 'state'): void {
    request.state = 'running';
    if (request.handler.usesSlot) this.runningSlots++;
    const { requestId, daemonId, kind } = request;
    const after = this.opts.announceAfterMs ?? DEFAULT_ANNOUNCE_AFTER_MS;
    request.held = after > 0 ? { chunks: [], bytes: 0 } : null;
    // The work starts first (a command is spawned synchronously), so logging overlaps its start instead of
    // delaying it.
    request.settled = this.execute(request);
    const tell = (): void => {
      if (announce === 'accepted') this.send(daemonId, 'request.accepted', { kind, state: 'running' }, requestId);
      else this.send(daemonId, 'request.state', { state: 'running' }, requestId);
      this.releaseHeld(request);
    };
    if (after <= 0) tell();
    else {
      request.announcement = this.opts.clock.setTimeout(() => {
        request.announcement = null;
        tell();
      }, after);
    }
    this.opts.logger.debug('request started', { requestId, kind });
  }

  private async execute(request: ActiveRequest): Promise<void> {
    const { requestId, daemonId, kind, handler, controller } = request;
    const startedAt = this.opts.clock.now();
    const output = new OutputStream({
      window: request.creditLimit,
      chunkBytes: this.opts.chunkBytes ?? CHUNK_BYTES,
      send: (chunk) => this.sendOutput(request, chunk),
      stall: {
        clock: this.opts.clock,
        afterMs: this.opts.creditNudgeMs ?? DEFAULT_CREDIT_NUDGE_MS,
        onStalled: (sentChunks) => {
          this.opts.logger.info('output waits for credit; telling the daemon where it stands', { requestId, sentChunks });
          this.send(daemonId, 'request.state', { state: 'running', sentChunks }, requestId);
        },
      },
    });
    request.output = output;
    // Once stopped, output goes to disk only: the receiver may no longer grant credit, and a process
    // being killed must be able to drain its pipes.
    controller.signal.addEventListener('abort', () => output.abort(), { once: true });
    const log = new RequestLog(() => this.openLog(requestId), TRAILING_OUTPUT_BYTES);
    request.log = log;
    const sink: OutputSink = {
      write: (stream, data) => {
        // Bytes go to the daemon before they go to disk, so the disk never delays a reply.
        const room = output.write(stream, data);
        log.append(stream, data, request.held !== null);
        return room && log.hasRoom();
      },
      waitForRoom: async () => {
        await output.waitForRoom();
        await log.waitForRoom();
      },
    };
    const timeoutMs = handler.timeoutMs?.(request.params);
    const timer: TimerHandle | null =
      timeoutMs === undefined
        ? null
        : this.opts.clock.setTimeout(
            () =>
              controller.abort(
                new RemoteAgentError(ErrorCode.TimedOut, `timed out: still running after timeoutMs ${timeoutMs} ms and was stopped`),
              ),
            timeoutMs,
          );
    const ctx: HandlerContext = {
      requestId,
      kind,
      daemonId,
      signal: controller.signal,
      workDir: this.opts.workDir,
      stateDir: this.opts.stateDir,
      logger: this.opts.logger.child({ requestId, kind }),
      clock: this.opts.clock,
      output: sink,
      channel: request.channel.channel((type, body) => this.opts.reply(daemonId, type, body, requestId, { fireAndForget: true })),
    };
    let outcome: HandlerOutcome;
    try {
      outcome = await handler.handle(request.params, ctx);
    } catch (err) {
      outcome = controller.signal.aborted
        ? abortOutcome(controller.signal)
        : { outcome: 'failed', ok: false, error: toErrorInfo(err) };
    }
    timer?.cancel();
    await output.end();
    const trailing = request.held?.chunks ?? [];
    request.held = null;
    // Output that travels inside the result reaches the log in the same turn, just after it; any other
    // output is in the log before the result goes out. Either way a read after the result sees all of it.
    if (trailing.length === 0) await log.close();
    const result: RequestResult = {
      kind,
      outcome: outcome.outcome,
      ok: outcome.ok,
      exitCode: outcome.exitCode ?? null,
      signal: outcome.signal ?? null,
      durationMs: Math.max(0, this.opts.clock.now() - startedAt),
      ...output.stats(),
    };
    if (outcome.result !== undefined) result.result = outcome.result;
    if (outcome.error !== undefined) result.error = outcome.error;
    if (request.handler.usesSlot) this.runningSlots--;
    this.complete(request, boundedResult(result), trailing);
    if (trailing.length > 0) void log.close();
    this.startQueued();
  }

  private openLog(requestId: string): OutputLogWriter | null {
    try {
      return this.opts.outputLog.open(requestId);
    } catch (err) {
      this.opts.logger.warn('cannot keep this output on disk', { requestId, error: err });
      return null;
    }
  }

  private startQueued(): void {
    while (!this.stopping && this.runningSlots < this.opts.maxConcurrent && this.queue.length > 0) {
      this.start(this.queue.shift()!, 'state');
    }
  }

  /** Streams a chunk, or keeps it to go with the result while the request is young and its output small. */
  private sendOutput(request: ActiveRequest, chunk: OutputChunk): void {
    const held = request.held;
    if (held !== null) {
      if (held.chunks.length < MAX_TRAILING_CHUNKS && held.bytes + chunk.data.length <= TRAILING_OUTPUT_BYTES) {
        held.chunks.push(chunk);
        held.bytes += chunk.data.length;
        return;
      }
      this.releaseHeld(request);
    }
    this.streamOutput(request, chunk);
  }

  private releaseHeld(request: ActiveRequest): void {
    const chunks = request.held?.chunks ?? [];
    request.held = null;
    for (const chunk of chunks) this.streamOutput(request, chunk);
    request.log?.release();
  }

  private streamOutput(request: ActiveRequest, chunk: OutputChunk): void {
    this.send(request.daemonId, 'request.output', chunk, request.requestId, { fireAndForget: true });
  }

  private complete(request: ActiveRequest, result: RequestResult, trailing: readonly OutputChunk[] = []): void {
    request.announcement?.cancel();
    request.announcement = null;
    this.active.delete(request.requestId);
    request.channel.clear();
    try {
      this.opts.journal.completed(request.requestId, result);
    } catch (err) {
      this.opts.logger.error('could not record a result in the journal', { requestId: request.requestId, error: err });
    }
    this.sendResult(request.daemonId, request.requestId, result, trailing);
    this.opts.logger.info('request completed', {
      requestId: request.requestId,
      kind: request.kind,
      outcome: result.outcome,
      ok: result.ok,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
    });
  }

  /** Answers with what is known of a request already seen; false if it is unknown here. */
  private replyKnownState(daemonId: string, requestId: string): boolean {
    const request = this.active.get(requestId);
    if (request) {
      this.send(daemonId, 'request.state', { state: request.state }, requestId);
      return true;
    }
    const result = this.opts.journal.get(requestId)?.result;
    if (!result) return false;
    this.send(daemonId, 'request.state', { state: 'completed', result }, requestId);
    return true;
  }

  /** A refusal is journaled like any result, so a duplicate delivery gets the same answer. */
  private reject(daemonId: string, requestId: string, kind: string, error: ErrorInfo): void {
    const result = rejection(kind, error);
    try {
      this.opts.journal.accepted({ requestId, kind, daemonId, acceptedAt: this.opts.clock.now() });
      this.opts.journal.completed(requestId, result);
    } catch (err) {
      this.opts.logger.error('could not record a rejection in the journal', { requestId, error: err });
    }
    this.opts.logger.info('request rejected', { requestId, kind, code: error.code });
    this.sendResult(daemonId, requestId, result);
  }

  private sendRejection(daemonId: string, requestId: string, kind: string, error: ErrorInfo): void {
    this.opts.logger.warn('request refused', { requestId, kind, code: error.code });
    this.sendResult(daemonId, requestId, rejection(kind, error));
  }

  /** A result sent again after a reconnect carries no output: the daemon reads what it misses from the log. */
  private sendResult(daemonId: string, requestId: string, result: RequestResult, trailing: readonly OutputChunk[] = []): void {
    const body =
      trailing.length === 0
        ? result
        : { ...result, output: trailing.map(({ stream, seq, offset, data }) => ({ stream, seq, offset, base64: data.toString('base64') })) };
    this.opts.reply(daemonId, 'request.result', body, requestId).catch((err: unknown) => {
      this.opts.logger.warn('result not delivered; will send it again after reconnecting', { requestId, error: err });
      this.unsent.set(requestId, { daemonId, result });
    });
  }

  private send<T extends MessageType>(
    daemonId: string,
    type: T,
    body: BodyOf<T>,
    requestId: string,
    options?: SendOptions,
  ): void {
    this.opts.reply(daemonId, type, body, requestId, options).catch((err: unknown) => {
      this.opts.logger.debug('reply not delivered', { type, requestId, error: err });
    });
  }
}

function rejection(kind: string, error: ErrorInfo): RequestResult {
  return { kind, outcome: 'rejected', ok: false, exitCode: null, signal: null, durationMs: 0, error };
}

function boundedResult(result: RequestResult): RequestResult {
  if (result.result === undefined) return result;
  const size = Buffer.byteLength(JSON.stringify(result), 'utf8');
  if (size <= RESULT_BYTES_LIMIT) return result;
  return failedAsTooLarge(
    result,
    `the ${result.kind} result is ${size} bytes, over what one relay message carries; ask for less (a smaller range or page)`,
  );
}
