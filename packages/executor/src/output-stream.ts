import type { StreamName } from '@remote-agent/contracts';
import type { Clock, TimerHandle } from '@remote-agent/transport';

/** Raw bytes, so a chunk may end anywhere, even inside a UTF-8 character; the daemon reassembles the bytes. */
export interface OutputChunk {
  stream: StreamName;
  seq: number;
  offset: number;
  data: Buffer;
}

export interface OutputStreamOptions {
  /** Chunks that may be sent before the receiver grants more credit. */
  window: number;
  /** Raw bytes per chunk at most. */
  chunkBytes: number;
  send: (chunk: OutputChunk) => void;
  /**
   * While the stream has waited this long for credit, and again at the same interval, `onStalled` hears
   * how many chunks were sent: a receiver that lost chunks or credits can then grant again.
   */
  stall?: { clock: Clock; afterMs: number; onStalled: (sentChunks: number) => void };
}

export interface OutputStats {
  stdoutBytes: number;
  stderrBytes: number;
  chunks: number;
}

interface Pending {
  stream: StreamName;
  buf: Buffer;
}

/**
 * Turns the bytes a request produces on stdout/stderr into numbered chunks under a credit window.
 * Each chunk costs one credit; at zero the stream holds what it has and `write` returns false, so the
 * producer stops reading its source until `waitForRoom` resolves. Memory therefore stays bounded by
 * what the producer had read when it was told to stop.
 */
export class OutputStream {
  /** Chunks with a seq below this may be sent. */
  private limit: number;
  private seq = 0;
  private stallTimer: TimerHandle | null = null;
  private readonly queue: Pending[] = [];
  private readonly produced: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  private readonly sentBytes: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  private ending = false;
  private aborted = false;
  private roomWaiters: Array<() => void> = [];
  private endWaiters: Array<() => void> = [];

  constructor(private readonly opts: OutputStreamOptions) {
    this.limit = opts.window;
  }

  /** Queues bytes and sends what credit allows. False: stop producing until `waitForRoom()` resolves. */
  write(stream: StreamName, data: Buffer): boolean {
    this.produced[stream] += data.length;
    if (this.ending || this.aborted || data.length === 0) return this.hasRoom();
    this.queue.push({ stream, buf: data });
    this.flush();
    return this.hasRoom();
  }

  hasRoom(): boolean {
    return this.aborted || this.seq < this.limit;
  }

  waitForRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    const room = new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    this.watchStall();
    return room;
  }

  /** Increment-form credit: this many more chunks. */
  grant(chunks: number): void {
    if (chunks <= 0) return;
    this.raiseLimit(this.limit + chunks);
  }

  /** Absolute credit: chunks with a seq below `through` may be sent; an old or repeated grant changes nothing. */
  grantThrough(through: number): void {
    if (through > this.limit) this.raiseLimit(through);
  }

  /** Sends everything still held (as credit allows) and resolves once nothing is left, or on abort. */
  end(): Promise<void> {
    if (!this.ending) {
      this.ending = true;
      this.flush();
    }
    if (this.aborted || this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }

  /** Drops whatever is still held: the receiver is gone or the request was cancelled. */
  abort(): void {
    this.aborted = true;
    this.queue.length = 0;
    this.stopStallWatch();
    this.wake('room');
    this.wake('end');
  }

  stats(): OutputStats {
    return { stdoutBytes: this.produced.stdout, stderrBytes: this.produced.stderr, chunks: this.seq };
  }

  private raiseLimit(limit: number): void {
    this.limit = limit;
    this.flush();
    if (this.hasRoom()) this.wake('room');
  }

  private flush(): void {
    while (this.seq < this.limit && this.queue.length > 0) {
      const stream = this.queue[0]!.stream;
      const parts: Buffer[] = [];
      let size = 0;
      while (this.queue.length > 0 && this.queue[0]!.stream === stream && size < this.opts.chunkBytes) {
        const next = this.queue.shift()!;
        parts.push(next.buf);
        size += next.buf.length;
      }
      const merged = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
      const cut = Math.min(merged.length, this.opts.chunkBytes);
      if (cut < merged.length) this.queue.unshift({ stream, buf: merged.subarray(cut) });
      this.sendChunk(stream, merged.subarray(0, cut));
    }
    if (this.ending && this.queue.length === 0) this.wake('end');
    this.watchStall();
  }

  private stalled(): boolean {
    return !this.aborted && this.seq >= this.limit && (this.queue.length > 0 || (!this.ending && this.roomWaiters.length > 0));
  }

  private watchStall(): void {
    const stall = this.opts.stall;
    if (!stall) return;
    if (!this.stalled()) {
      this.stopStallWatch();
      return;
    }
    this.stallTimer ??= stall.clock.setTimeout(() => {
      this.stallTimer = null;
      if (!this.stalled()) return;
      stall.onStalled(this.seq);
      this.watchStall();
    }, stall.afterMs);
  }

  private stopStallWatch(): void {
    this.stallTimer?.cancel();
    this.stallTimer = null;
  }

  private sendChunk(stream: StreamName, buf: Buffer): void {
    const chunk: OutputChunk = { stream, seq: this.seq++, offset: this.sentBytes[stream], data: buf };
    this.sentBytes[stream] += buf.length;
    this.opts.send(chunk);
  }

  private wake(which: 'room' | 'end'): void {
    const waiters = which === 'room' ? this.roomWaiters : this.endWaiters;
    if (which === 'room') this.roomWaiters = [];
    else this.endWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
