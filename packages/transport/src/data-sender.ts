import { createHash, type Hash } from 'node:crypto';
import {
  CHUNK_BYTES,
  DATA_IDLE_TIMEOUT_MS,
  DATA_STALL_MS,
  ErrorCode,
  RemoteAgentError,
  type BodyOf,
  type DataEof,
  type DataFormat,
  type DataStreamMessageType,
  type EnvelopeOf,
} from '@remote-agent/contracts';
import type { Clock } from './clock.js';
import { MAX_RESUME_OFFSETS_KEPT, type DataChannel, type DataProgress, type DataSummary } from './data-channel.js';
import { silentLogger, type Logger } from './logger.js';
import { Wakeup } from './wakeup.js';

const MAX_UNCONFIRMED = 4096;

export interface DataSource {
  format: DataFormat;
  /** Bytes of the stream when known before reading it (a file's size), for progress. */
  total?: number;
  /**
   * Reads the stream from its first byte. Called again when the receiver lost bytes already read: it must
   * give the same bytes, and a source that changed in between is caught by the receiver's sha256 check.
   */
  open(): AsyncIterable<Buffer>;
}

export interface DataSenderOptions {
  channel: DataChannel;
  source: DataSource;
  clock: Clock;
  /** Stops the stream; run() then rejects with the signal's reason. */
  signal?: AbortSignal;
  chunkBytes?: number;
  /** Silence after which the sender asks the receiver for its position. */
  stallMs?: number;
  /** Silence after which the stream fails with TIMED_OUT. */
  idleTimeoutMs?: number;
  onProgress?: (progress: DataProgress) => void;
  logger?: Logger;
}

/**
 * The sending end of a request's byte stream: reads its source only as fast as the receiver's credit
 * allows (so memory stays at about one chunk), hashes every byte, and after lost messages continues from
 * the offset the receiver reports instead of from zero. Resolves once the receiver verified the sha256
 * and put the data in place.
 */
export class DataSender {
  private readonly chunkBytes: number;
  private readonly stallMs: number;
  private readonly idleTimeoutMs: number;
  private readonly logger: Logger;
  private credits = 0;
  /** Next byte to send. */
  private sentOffset = 0;
  /** Highest offset ever sent: the receiver can never hold more. */
  private highWater = 0;
  private seq = 0;
  private wireBytes = 0;
  private resumes = 0;
  private readonly resumedAt: number[] = [];
  private eofSent = false;
  private confirmed = false;
  private rewindNeeded = false;
  /** Chunks sent (the eof too) that the receiver did not yet report holding: {seq, offset}. */
  private unconfirmed: Array<{ seq: number; offset: number }> = [];
  /** After our reconnect or a silence, whatever was in flight is taken as lost. */
  private assumeLost = false;
  private failure: RemoteAgentError | null = null;
  private lastHeard: number;
  private readonly wakeup = new Wakeup();
  private reader: AsyncIterator<Buffer> | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Stream offset of the first pending byte. */
  private pendingStart = 0;
  private readEnded = false;
  private hash: Hash = createHash('sha256');
  private eof: DataEof | null = null;
  /** The end of the last complete read; kept across rewinds so a late confirmation still counts. */
  private lastEof: DataEof | null = null;

  constructor(private readonly opts: DataSenderOptions) {
    this.chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
    this.stallMs = opts.stallMs ?? DATA_STALL_MS;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DATA_IDLE_TIMEOUT_MS;
    this.logger = opts.logger ?? silentLogger;
    this.lastHeard = opts.clock.now();
  }

  progress(): DataProgress {
    return {
      bytes: this.highWater,
      wireBytes: this.wireBytes,
      total: this.opts.source.total ?? null,
      resumes: this.resumes,
      resumedAt: [...this.resumedAt],
    };
  }

  async run(): Promise<DataSummary> {
    const { channel, clock, signal } = this.opts;
    const offMessage = channel.onMessage((env) => this.onMessage(env));
    const offReconnect = channel.onReconnect(() => {
      this.assumeLost = true;
      this.query();
    });
    const onAbort = (): void => this.fail(abortError(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const timer = clock.setInterval(() => this.tick(), this.stallMs);
    try {
      this.openReader();
      this.query();
      while (!this.confirmed) {
        if (this.failure) throw this.failure;
        if (this.rewindNeeded) await this.rewind();
        else if (this.eofSent || this.credits <= 0) await this.wakeup.sleep();
        else await this.sendNext();
      }
      const eof = this.lastEof!;
      return { size: eof.size, sha256: eof.sha256, format: eof.format };
    } finally {
      timer.cancel();
      offMessage();
      offReconnect();
      signal?.removeEventListener('abort', onAbort);
      await this.closeReader();
    }
  }

  private async sendNext(): Promise<void> {
    const chunk = await this.nextChunk();
    // A position or a failure may have changed everything while reading.
    if (this.failure || this.rewindNeeded || this.eofSent) return;
    const seq = this.seq++;
    this.unconfirmed.push({ seq, offset: this.sentOffset });
    // Far more than can be in flight; a position older than these is simply treated as a loss.
    if (this.unconfirmed.length > MAX_UNCONFIRMED) this.unconfirmed.shift();
    if (chunk === null) {
      this.eofSent = true;
      this.send('request.data', { seq, offset: this.sentOffset, data: Buffer.alloc(0), ...this.totalField(), eof: this.eof! });
      return;
    }
    this.send('request.data', { seq, offset: this.sentOffset, data: chunk, ...this.totalField() });
    this.sentOffset += chunk.length;
    this.wireBytes += chunk.length;
    this.highWater = Math.max(this.highWater, this.sentOffset);
    this.credits--;
    this.opts.onProgress?.(this.progress());
  }

  /** The next chunk from sentOffset on, or null at the end of the stream. */
  private async nextChunk(): Promise<Buffer | null> {
    for (;;) {
      this.dropBefore(this.sentOffset);
      if (this.pendingBytes >= this.chunkBytes || this.readEnded) break;
      const next = await this.reader!.next();
      if (next.done) {
        this.readEnded = true;
        this.eof = { size: this.pendingStart + this.pendingBytes, sha256: this.hash.digest('hex'), format: this.opts.source.format };
        this.lastEof = this.eof;
        break;
      }
      const buf = next.value;
      if (buf.length === 0) continue;
      this.hash.update(buf);
      this.pending.push(buf);
      this.pendingBytes += buf.length;
    }
    if (this.pendingBytes === 0) {
      if (this.sentOffset > this.eof!.size) {
        throw new RemoteAgentError(
          ErrorCode.Conflict,
          `the source is now ${this.eof!.size} bytes, fewer than the ${this.sentOffset} the receiver already holds: it changed during the transfer; start the transfer again`,
        );
      }
      return null;
    }
    return this.take(Math.min(this.chunkBytes, this.pendingBytes));
  }

  private take(n: number): Buffer {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const first = this.pending[0]!;
      if (first.length <= need) {
        parts.push(first);
        this.pending.shift();
        need -= first.length;
      } else {
        parts.push(first.subarray(0, need));
        this.pending[0] = first.subarray(need);
        need = 0;
      }
    }
    this.pendingStart += n;
    this.pendingBytes -= n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** Discards read bytes before `offset`: the receiver already holds them. */
  private dropBefore(offset: number): void {
    while (this.pending.length > 0 && this.pendingStart < offset) {
      const first = this.pending[0]!;
      const skip = Math.min(offset - this.pendingStart, first.length);
      if (skip === first.length) this.pending.shift();
      else this.pending[0] = first.subarray(skip);
      this.pendingStart += skip;
      this.pendingBytes -= skip;
    }
  }

  private onMessage(env: EnvelopeOf<DataStreamMessageType>): void {
    this.lastHeard = this.opts.clock.now();
    if (env.type === 'request.credit') {
      this.credits += env.body.chunks ?? 0;
    } else if (env.type === 'request.data.position') {
      this.onPosition(env.body);
    } else if (env.type === 'request.data.query' || env.type === 'request.data') {
      this.logger.debug('data stream message for the receiver ignored by the sender', { type: env.type });
      return;
    }
    this.wakeup.wake();
  }

  private onPosition(position: BodyOf<'request.data.position'>): void {
    if (position.eof) {
      if (this.lastEof !== null && position.offset === this.lastEof.size) this.confirmed = true;
      else this.fail(protocolError(`the receiver reports the end at ${position.offset} before this sender reached it`));
      return;
    }
    if (position.offset > this.highWater) {
      this.fail(protocolError(`the receiver reports ${position.offset} bytes but only ${this.highWater} were sent`));
      return;
    }
    // Chunks before the offset are held; the rest were lost, or are on their way if sent after the last seen seq.
    this.unconfirmed = this.unconfirmed.filter((sent) => sent.offset >= position.offset);
    const sentThere = this.unconfirmed.findLast((sent) => sent.offset === position.offset);
    const lost = this.assumeLost || sentThere === undefined || sentThere.seq <= position.seq;
    const inFlight = lost ? 0 : this.unconfirmed.filter((sent) => sent.seq > position.seq).length;
    this.assumeLost = false;
    if (position.offset < this.sentOffset && lost) {
      this.resumes++;
      this.resumedAt.push(position.offset);
      if (this.resumedAt.length > MAX_RESUME_OFFSETS_KEPT) this.resumedAt.shift();
      this.logger.info('data stream resumes from the receiver position', { offset: position.offset, sent: this.sentOffset });
      this.unconfirmed = [];
      this.sentOffset = position.offset;
      // Bytes before sentOffset are no longer held here: read the source again up to it.
      this.rewindNeeded = true;
      this.eofSent = false;
    } else if (position.offset > this.sentOffset) {
      // The receiver holds bytes that a resume was about to send again.
      this.sentOffset = position.offset;
      this.eofSent = false;
    } else if (this.eofSent && lost && this.lastEof !== null && position.offset === this.lastEof.size) {
      // Every byte arrived but the end-of-stream did not.
      this.eofSent = false;
    }
    this.credits = Math.max(0, position.window - inFlight);
  }

  private tick(): void {
    if (this.confirmed || this.failure) return;
    const quiet = this.opts.clock.now() - this.lastHeard;
    if (quiet >= this.idleTimeoutMs) {
      this.fail(
        new RemoteAgentError(
          ErrorCode.TimedOut,
          `the receiver of this transfer has not answered for ${Math.round(quiet / 1000)} s; check that both machines are connected to the relay, then start the transfer again`,
        ),
      );
    } else if (quiet >= this.stallMs && (this.credits <= 0 || this.eofSent)) {
      this.assumeLost = true;
      this.query();
    }
  }

  private query(): void {
    this.send('request.data.query', {});
  }

  private send<T extends DataStreamMessageType>(type: T, body: BodyOf<T>): void {
    this.opts.channel.send(type, body).catch((err: unknown) => {
      this.logger.debug('data stream message not sent; it is repaired by a position query', { type, error: err });
    });
  }

  private totalField(): { total?: number } {
    return this.opts.source.total === undefined ? {} : { total: this.opts.source.total };
  }

  private openReader(): void {
    this.reader = this.opts.source.open()[Symbol.asyncIterator]();
    this.hash = createHash('sha256');
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingStart = 0;
    this.readEnded = false;
    this.eof = null;
  }

  /** Reads the source again from its start: bytes before sentOffset are hashed but not sent. */
  private async rewind(): Promise<void> {
    this.rewindNeeded = false;
    await this.closeReader();
    this.openReader();
  }

  private async closeReader(): Promise<void> {
    const reader = this.reader;
    this.reader = null;
    try {
      await reader?.return?.();
    } catch (err) {
      this.logger.debug('closing the data source failed', { error: err });
    }
  }

  private fail(err: RemoteAgentError): void {
    this.failure ??= err;
    this.wakeup.wake();
  }
}

export function abortError(signal: AbortSignal | undefined): RemoteAgentError {
  const reason: unknown = signal?.reason;
  if (reason instanceof RemoteAgentError) return reason;
  return new RemoteAgentError(ErrorCode.Cancelled, 'the transfer was cancelled');
}

export function protocolError(what: string): RemoteAgentError {
  return new RemoteAgentError(ErrorCode.Internal, `data stream out of step: ${what}; start the transfer again`);
}
