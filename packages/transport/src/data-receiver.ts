import { createHash } from 'node:crypto';
import {
  CHUNK_BYTES,
  DATA_IDLE_TIMEOUT_MS,
  DATA_STREAM_WINDOW,
  ErrorCode,
  RemoteAgentError,
  type BodyOf,
  type DataEof,
  type DataStreamMessageType,
  type EnvelopeOf,
} from '@remote-agent/contracts';
import type { Clock } from './clock.js';
import { MAX_RESUME_OFFSETS_KEPT, type DataChannel, type DataProgress, type DataSummary } from './data-channel.js';
import { abortError, protocolError } from './data-sender.js';
import { silentLogger, type Logger } from './logger.js';
import { Wakeup } from './wakeup.js';

/** Where the receiver puts the bytes. */
export interface DataSink {
  /** Called in stream order, one chunk at a time. */
  write(data: Buffer): Promise<void>;
  /** Every byte arrived and matched the sender's sha256: make the result visible (rename, extract). */
  finish(eof: DataEof): Promise<void>;
}

export interface DataReceiverOptions {
  channel: DataChannel;
  sink: DataSink;
  clock: Clock;
  /** Stops the stream; run() then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Chunks the sender may have in flight. */
  window?: number;
  maxChunkBytes?: number;
  /** Silence after which the stream fails with TIMED_OUT. */
  idleTimeoutMs?: number;
  onProgress?: (progress: DataProgress) => void;
  logger?: Logger;
}

interface Queued {
  data: Buffer | null;
  eof: DataEof | null;
  /** Whether writing it earns the sender a credit (chunks a position already accounted for do not). */
  credit: boolean;
}

/**
 * The receiving end of a request's byte stream: accepts chunks strictly in offset order, writes them one
 * at a time, and grants credit only for what it has written, so a fast sender never fills memory. It
 * tells the sender where to continue whenever it notices a gap or a reconnect, and verifies size and
 * sha256 before the sink puts the data in place. After `run()` resolved it keeps answering queries with
 * its final position until `close()`.
 */
export class DataReceiver {
  private readonly window: number;
  private readonly batch: number;
  private readonly maxChunkBytes: number;
  private readonly idleTimeoutMs: number;
  private readonly logger: Logger;
  private readonly hash = createHash('sha256');
  private readonly queue: Queued[] = [];
  /** Bytes accepted in order: written, or queued to be written. */
  private acceptedEnd = 0;
  private written = 0;
  private wireBytes = 0;
  /** Highest chunk seq seen, held or not. */
  private seenSeq = -1;
  private total: number | null = null;
  private pendingCredit = 0;
  /** acceptedEnd when the last position went out, so one gap is reported once. */
  private lastPositionAt = -1;
  private resumes = 0;
  private readonly resumedAt: number[] = [];
  private eofAccepted = false;
  private finished: DataEof | null = null;
  private failure: RemoteAgentError | null = null;
  private lastHeard: number;
  private readonly wakeup = new Wakeup();
  private detach: Array<() => void> = [];

  constructor(private readonly opts: DataReceiverOptions) {
    this.window = opts.window ?? DATA_STREAM_WINDOW;
    this.batch = Math.max(1, Math.floor(this.window / 2));
    this.maxChunkBytes = opts.maxChunkBytes ?? CHUNK_BYTES;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DATA_IDLE_TIMEOUT_MS;
    this.logger = opts.logger ?? silentLogger;
    this.lastHeard = opts.clock.now();
  }

  progress(): DataProgress {
    return { bytes: this.written, wireBytes: this.wireBytes, total: this.total, resumes: this.resumes, resumedAt: [...this.resumedAt] };
  }

  async run(): Promise<DataSummary> {
    const { channel, clock, signal } = this.opts;
    this.detach.push(channel.onMessage((env) => this.onMessage(env)));
    this.detach.push(channel.onReconnect(() => this.onReconnect()));
    const onAbort = (): void => this.fail(abortError(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const timer = clock.setInterval(() => this.tick(), Math.max(1, Math.floor(this.idleTimeoutMs / 4)));
    try {
      this.sendPosition(false);
      for (;;) {
        if (this.failure) throw this.failure;
        const item = this.queue.shift();
        if (item === undefined) {
          await this.wakeup.sleep();
          continue;
        }
        if (item.data !== null) await this.write(item);
        if (item.eof !== null) return await this.complete(item.eof);
      }
    } catch (err) {
      this.close();
      throw err;
    } finally {
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stops answering the sender; call once the request is over. */
  close(): void {
    for (const off of this.detach.splice(0)) off();
  }

  private async write(item: Queued): Promise<void> {
    const data = item.data!;
    await this.opts.sink.write(data);
    this.hash.update(data);
    this.written += data.length;
    if (item.credit) this.pendingCredit++;
    this.grantCredit();
    this.opts.onProgress?.(this.progress());
  }

  /** Hands back credit in batches, so a window costs a few credit messages rather than one per chunk. */
  private grantCredit(): void {
    if (this.pendingCredit < this.batch || this.failure) return;
    const chunks = this.pendingCredit;
    this.pendingCredit = 0;
    this.send('request.credit', { chunks });
  }

  private async complete(eof: DataEof): Promise<DataSummary> {
    const sha256 = this.hash.digest('hex');
    if (this.written !== eof.size || sha256 !== eof.sha256) {
      throw new RemoteAgentError(
        ErrorCode.Conflict,
        `the data received does not match what was sent (${this.written} bytes, sha256 ${sha256}; expected ${eof.size} bytes, ` +
          `sha256 ${eof.sha256}): the source probably changed during the transfer. Nothing was put in place; start the transfer again`,
      );
    }
    await this.opts.sink.finish(eof);
    this.finished = eof;
    this.sendFinal();
    return { size: eof.size, sha256, format: eof.format };
  }

  private onMessage(env: EnvelopeOf<DataStreamMessageType>): void {
    this.lastHeard = this.opts.clock.now();
    if (env.type === 'request.data') this.onData(env.body);
    else if (env.type === 'request.data.query') this.onQuery();
    else this.logger.debug('data stream message for the sender ignored by the receiver', { type: env.type });
  }

  private onQuery(): void {
    if (this.finished) this.sendFinal();
    else if (!this.failure) this.sendPosition(true);
  }

  private onReconnect(): void {
    if (!this.finished && !this.failure) this.sendPosition(true);
  }

  private onData(body: BodyOf<'request.data'>): void {
    if (this.failure) return;
    if (this.finished || this.eofAccepted) {
      if (this.finished && body.eof) this.sendFinal();
      return;
    }
    this.seenSeq = Math.max(this.seenSeq, body.seq);
    let data = body.data;
    if (data.length > this.maxChunkBytes) {
      this.logger.warn('oversized data chunk dropped', { bytes: data.length, max: this.maxChunkBytes });
      return;
    }
    this.wireBytes += data.length;
    if (body.total !== undefined) this.total = body.total;
    let offset = body.offset;
    const end = offset + data.length;
    if (offset < this.acceptedEnd && (end > this.acceptedEnd || (body.eof && end === this.acceptedEnd))) {
      // A resend that overlaps what is held: keep only its new part.
      data = data.subarray(this.acceptedEnd - offset);
      offset = this.acceptedEnd;
    }
    if (offset !== this.acceptedEnd) {
      // A late duplicate, or a chunk after a gap: tell the sender where to continue, once per position.
      if (this.lastPositionAt !== this.acceptedEnd) this.sendPosition(true);
      return;
    }
    if (this.queue.length >= this.window * 2) {
      this.logger.warn('data chunk beyond the credit window dropped', { offset });
      return;
    }
    if (body.eof && body.eof.size !== end) {
      this.fail(protocolError(`the end of the stream says ${body.eof.size} bytes but its last chunk ends at ${end}`));
      return;
    }
    this.acceptedEnd = end;
    if (this.total === null && body.eof) this.total = body.eof.size;
    if (data.length > 0) this.queue.push({ data, eof: null, credit: true });
    if (body.eof) {
      this.eofAccepted = true;
      this.queue.push({ data: null, eof: body.eof, credit: false });
    }
    this.wakeup.wake();
  }

  private sendPosition(resume: boolean): void {
    // The sender starts over from this window: chunks still queued here take their share of it, but it
    // never drops below one credit batch, or written chunks could wait for a batch that never fills.
    let queued = 0;
    for (const item of this.queue) {
      if (item.data !== null) queued++;
      item.credit = false;
    }
    this.pendingCredit = 0;
    this.lastPositionAt = this.acceptedEnd;
    // Answering the sender's first query, before any data, is the start of the stream, not a resume.
    if (resume && this.seenSeq >= 0) {
      this.resumes++;
      this.resumedAt.push(this.acceptedEnd);
      if (this.resumedAt.length > MAX_RESUME_OFFSETS_KEPT) this.resumedAt.shift();
    }
    this.send('request.data.position', {
      offset: this.acceptedEnd,
      seq: this.seenSeq,
      window: Math.max(this.batch, this.window - queued),
      eof: false,
    });
  }

  private sendFinal(): void {
    this.send('request.data.position', { offset: this.finished!.size, seq: this.seenSeq, window: 1, eof: true });
  }

  private send<T extends DataStreamMessageType>(type: T, body: BodyOf<T>): void {
    this.opts.channel.send(type, body).catch((err: unknown) => {
      this.logger.debug('data stream message not sent; the sender will ask again', { type, error: err });
    });
  }

  private tick(): void {
    if (this.finished || this.failure) return;
    const quiet = this.opts.clock.now() - this.lastHeard;
    if (quiet >= this.idleTimeoutMs) {
      this.fail(
        new RemoteAgentError(
          ErrorCode.TimedOut,
          `no data has arrived for this transfer for ${Math.round(quiet / 1000)} s; check that both machines are connected to the relay, then start the transfer again`,
        ),
      );
    }
  }

  private fail(err: RemoteAgentError): void {
    this.failure ??= err;
    this.wakeup.wake();
  }
}
