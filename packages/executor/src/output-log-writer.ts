import { closeSync, openSync, unlinkSync, writeSync, writev } from 'node:fs';
import type { StreamName } from '@remote-agent/contracts';
import type { Logger } from '@remote-agent/transport';

/** Appends up to this size, with nothing queued, are written in line rather than on the thread pool. */
const INLINE_WRITE_BYTES = 16 * 1024;
/** Bytes that may wait for the disk before the producer is asked to pause. */
const QUEUE_BYTES = 4 * 1024 * 1024;
/** Buffers per write at most, below every platform's IOV_MAX. */
const MAX_WRITE_BUFFERS = 1024;

/** One file of a stream's log, named by the stream offset of its first byte. */
export interface Segment {
  start: number;
  size: number;
  path: string;
}

export type StreamSegments = Record<StreamName, Segment[]>;

function segmentPath(filePrefix: string, stream: StreamName, start: number): string {
  return `${filePrefix}.${stream}.${start}.log`;
}

/** What a writer tells the log that owns it, which keeps every run's logs within one disk budget. */
export interface OutputLogHost {
  /** Called before each write, for room for its `bytes` on disk. */
  makeRoom(bytes: number): void;
  /** Bytes that reached (positive) or left (negative) this writer's files. */
  counted(bytes: number): void;
  /** The writer is closed; its files stay as `segments`. */
  closed(segments: StreamSegments): void;
}

export interface OutputLogWriterOptions {
  /** Path and name start of every segment file: `<filePrefix>.<stream>.<start>.log`, in a folder that exists. */
  filePrefix: string;
  segmentBytes: number;
  /** Bytes kept per stream; older segments are rotated away beyond it. */
  maxBytesPerStream: number;
  logger: Logger;
  host: OutputLogHost;
}

interface StreamFile {
  segments: Segment[];
  fd: number | null;
  total: number;
}

interface QueuedWrite {
  stream: StreamName;
  data: Buffer;
}

/**
 * Appends one request's stdout and stderr; a disk failure stops the log, never the run.
 *
 * Bulk output is written on libuv's thread pool, so the event loop keeps streaming to the daemon while
 * the disk takes its copy. A small append with nothing queued is written in line instead, which spares
 * short commands a thread-pool round trip. Either way bytes reach the files in append order, one write
 * at a time, and `hasRoom`/`waitForRoom` bound what waits in memory.
 */
export class OutputLogWriter {
  private readonly streams: Record<StreamName, StreamFile> = {
    stdout: { segments: [], fd: null, total: 0 },
    stderr: { segments: [], fd: null, total: 0 },
  };
  private readonly queue: QueuedWrite[] = [];
  private queuedBytes = 0;
  private writing = false;
  private failed = false;
  private closing: Promise<void> | null = null;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly drainWaiters: Array<() => void> = [];

  constructor(private readonly opts: OutputLogWriterOptions) {}

  append(stream: StreamName, data: Buffer): void {
    if (this.failed || this.closing || data.length === 0) return;
    if (!this.writing && this.queue.length === 0 && data.length <= INLINE_WRITE_BYTES) {
      this.writeInline(stream, data);
      return;
    }
    this.queue.push({ stream, data });
    this.queuedBytes += data.length;
    this.pump();
  }

  /** False while more than QUEUE_BYTES wait for the disk: the producer should pause until `waitForRoom()`. */
  hasRoom(): boolean {
    return this.failed || this.queuedBytes < QUEUE_BYTES;
  }

  waitForRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves once every byte appended so far is in the files (or the log has failed). */
  flushed(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** The segments written so far; sizes count only bytes already in the files. */
  segments(stream: StreamName): readonly Segment[] {
    return this.streams[stream].segments;
  }

  /** Takes no more bytes; resolves once those already taken are in the files and the files are closed. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const finish = (): void => {
      this.closeFiles();
      this.opts.host.closed({ stdout: this.streams.stdout.segments, stderr: this.streams.stderr.segments });
    };
    // With nothing waiting the log is complete at once, as a reader on the same tick expects.
    if (this.idle()) {
      finish();
      this.closing = Promise.resolve();
    } else {
      this.closing = this.flushed().then(finish);
    }
    return this.closing;
  }

  private idle(): boolean {
    return this.failed || (!this.writing && this.queue.length === 0);
  }

  private writeInline(stream: StreamName, data: Buffer): void {
    const file = this.streams[stream];
    let done = 0;
    try {
      while (done < data.length) {
        const segment = this.segmentWithRoom(file, stream);
        const n = Math.min(this.opts.segmentBytes - segment.size, data.length - done);
        this.opts.host.makeRoom(n);
        writeSync(file.fd!, data, done, n);
        done += n;
        this.written(file, segment, n);
      }
    } catch (err) {
      this.fail(err);
    }
  }

  /** Starts the next thread-pool write: queued bytes of the head's stream, up to the end of its segment. */
  private pump(): void {
    if (this.writing || this.failed || this.queue.length === 0) return;
    const stream = this.queue[0]!.stream;
    const file = this.streams[stream];
    let segment: Segment;
    try {
      segment = this.segmentWithRoom(file, stream);
    } catch (err) {
      this.fail(err);
      return;
    }
    const room = this.opts.segmentBytes - segment.size;
    const buffers: Buffer[] = [];
    let size = 0;
    while (this.queue.length > 0 && this.queue[0]!.stream === stream && size < room && buffers.length < MAX_WRITE_BUFFERS) {
      const next = this.queue[0]!;
      const take = Math.min(next.data.length, room - size);
      buffers.push(take === next.data.length ? next.data : next.data.subarray(0, take));
      if (take === next.data.length) this.queue.shift();
      else next.data = next.data.subarray(take);
      size += take;
    }
    this.opts.host.makeRoom(size);
    this.writing = true;
    writev(file.fd!, buffers, (err, bytes) => {
      this.writing = false;
      if (err) {
        this.fail(err);
        return;
      }
      // A short write (a full disk reports the error on the next one) puts the rest back in front.
      if (bytes < size) this.requeue(stream, buffers, bytes);
      this.queuedBytes -= bytes;
      try {
        this.written(file, segment, bytes);
      } catch (rotateErr) {
        this.fail(rotateErr);
        return;
      }
      if (this.hasRoom()) wake(this.roomWaiters.splice(0));
      if (this.queue.length === 0) wake(this.drainWaiters.splice(0));
      else this.pump();
    });
  }

  private requeue(stream: StreamName, buffers: Buffer[], written: number): void {
    const rest: QueuedWrite[] = [];
    let skip = written;
    for (const buf of buffers) {
      if (skip >= buf.length) {
        skip -= buf.length;
        continue;
      }
      rest.push({ stream, data: buf.subarray(skip) });
      skip = 0;
    }
    this.queue.unshift(...rest);
  }

  /** The stream's current segment, or a new one when there is none or it is full. */
  private segmentWithRoom(file: StreamFile, stream: StreamName): Segment {
    const current = file.segments.at(-1);
    if (current && file.fd !== null && current.size < this.opts.segmentBytes) return current;
    if (file.fd !== null) closeSync(file.fd);
    file.fd = null;
    const next: Segment = { start: file.total, size: 0, path: segmentPath(this.opts.filePrefix, stream, file.total) };
    file.fd = openSync(next.path, 'w');
    file.segments.push(next);
    return next;
  }

  /** Counts bytes now in the files and rotates the oldest segments away beyond the bound. */
  private written(file: StreamFile, segment: Segment, bytes: number): void {
    segment.size += bytes;
    file.total += bytes;
    this.opts.host.counted(bytes);
    let kept = file.segments.reduce((sum, s) => sum + s.size, 0);
    while (kept > this.opts.maxBytesPerStream && file.segments.length > 1) {
      const oldest = file.segments.shift()!;
      // In line, so a reader on the event loop never lists a segment that is then gone.
      unlinkSync(oldest.path);
      kept -= oldest.size;
      this.opts.host.counted(-oldest.size);
    }
  }

  private fail(err: unknown): void {
    this.failed = true;
    this.opts.logger.warn('output log write failed; the rest of this output is not kept on disk', { error: err });
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.closeFiles();
    wake(this.roomWaiters.splice(0));
    wake(this.drainWaiters.splice(0));
  }

  private closeFiles(): void {
    for (const file of Object.values(this.streams)) {
      if (file.fd === null) continue;
      try {
        closeSync(file.fd);
      } catch {
        // Closing can only fail if the descriptor is already gone; nothing is left to release.
      }
      file.fd = null;
    }
  }
}

/** Calls waiters taken out of their list first (`splice(0)`), so one that waits again joins a fresh round. */
function wake(waiters: Array<() => void>): void {
  for (const resolve of waiters) resolve();
}
