import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, readdirSync, rmSync, statSync, unlinkSync, writeSync, writev } from 'node:fs';
import { join } from 'node:path';
import type { OutputReadResult, StreamName } from '@remote-agent/contracts';
import type { Logger } from '@remote-agent/transport';
import { incompleteUtf8Tail, toWireText } from './utf8.js';

/** Bytes returned by an offset read when the caller gives no length. */
export const DEFAULT_READ_BYTES = 128 * 1024;
/** Upper bound of one read, so an answer always fits one relay frame even as base64. */
export const MAX_READ_BYTES = 512 * 1024;
/** A stream is kept as this many segments at most, so rotation drops a quarter at a time. */
const SEGMENTS_PER_STREAM = 4;
const SEGMENT_FILE = /^(stdout|stderr)\.(\d+)\.log$/;
const RUN_DIR = /^[0-9a-f]{32}$/;
const TAIL_BLOCK = 64 * 1024;
/** Appends up to this size, with nothing queued, are written in line rather than on the thread pool. */
const INLINE_WRITE_BYTES = 16 * 1024;
/** Bytes that may wait for the disk before the producer is asked to pause. */
const QUEUE_BYTES = 4 * 1024 * 1024;
/** Buffers per write at most, below every platform's IOV_MAX. */
const MAX_WRITE_BUFFERS = 1024;

export interface OutputLogOptions {
  /** Folder holding one sub-folder per request. */
  dir: string;
  /** Bytes kept per stream of one request; older bytes are rotated away. 0 keeps no output on disk at all. */
  maxBytesPerStream: number;
  /** Requests whose logs are kept; the oldest are removed first. */
  retain: number;
  logger: Logger;
}

export interface OutputReadOptions {
  stream: StreamName;
  offset?: number;
  length?: number;
  tailLines?: number;
}

interface Segment {
  start: number;
  size: number;
  path: string;
}

/**
 * The whole output of each run on the executor's disk, so that an agent can page through more than a
 * reply carries. Per stream the bytes go into numbered segment files named by their start offset, so a
 * reader (also after a restart) knows what was rotated away from the file names alone.
 *
 * Opening, rotating and reading are synchronous, on the event loop, so a read never races a rotation;
 * only the bulk writes leave it (see OutputLogWriter).
 */
export class OutputLog {
  private readonly order: string[];
  private readonly active = new Map<string, OutputLogWriter>();

  constructor(private readonly opts: OutputLogOptions) {
    if (!this.keepsOutput) {
      this.order = [];
      return;
    }
    mkdirSync(opts.dir, { recursive: true });
    this.order = readdirSync(opts.dir)
      .filter((name) => RUN_DIR.test(name))
      .map((name) => ({ name, mtime: statSync(join(opts.dir, name)).mtimeMs }))
      .sort((a, b) => a.mtime - b.mtime)
      .map((entry) => entry.name);
  }

  /** False when the executor was told to keep no output on disk (EXECUTOR_OUTPUT_MAX_BYTES=0). */
  get keepsOutput(): boolean {
    return this.opts.maxBytesPerStream > 0;
  }

  /** Starts the log of a request, removing the oldest logs beyond the retention count; null when no output is kept. */
  open(requestId: string): OutputLogWriter | null {
    if (!this.keepsOutput) return null;
    const name = dirName(requestId);
    const dir = join(this.opts.dir, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const existing = this.order.indexOf(name);
    if (existing >= 0) this.order.splice(existing, 1);
    this.order.push(name);
    const segmentBytes = Math.max(1, Math.ceil(this.opts.maxBytesPerStream / SEGMENTS_PER_STREAM));
    const writer = new OutputLogWriter(dir, segmentBytes, this.opts.maxBytesPerStream, this.opts.logger, () =>
      this.active.delete(name),
    );
    this.active.set(name, writer);
    this.prune();
    return writer;
  }

  /** Resolves once every byte a request's log has taken so far is in its files. */
  flushed(requestId: string): Promise<void> {
    return this.active.get(dirName(requestId))?.flushed() ?? Promise.resolve();
  }

  /** Null when no log is kept for the request (never ran here, produced no output, or rotated away). */
  read(requestId: string, options: OutputReadOptions): OutputReadResult | null {
    const name = dirName(requestId);
    if (!this.order.includes(name)) return null;
    const segments = listSegments(join(this.opts.dir, name), options.stream);
    const last = segments.at(-1);
    const total = last ? last.start + last.size : 0;
    const discarded = segments[0]?.start ?? 0;
    const finished = !this.active.has(name);
    let start: number;
    let end: number;
    if (options.tailLines !== undefined) {
      start = tailStart(segments, discarded, total, options.tailLines);
      end = total;
    } else {
      start = Math.min(Math.max(options.offset ?? discarded, discarded), total);
      end = Math.min(total, start + Math.min(options.length ?? DEFAULT_READ_BYTES, MAX_READ_BYTES));
    }
    let buf = readRange(segments, start, end);
    const tail = incompleteUtf8Tail(buf);
    if (tail > 0 && tail < buf.length) {
      buf = buf.subarray(0, buf.length - tail);
      end -= tail;
    }
    return {
      stream: options.stream,
      ...toWireText(buf),
      offset: start,
      nextOffset: end,
      totalBytes: total,
      discardedBytes: discarded,
      complete: finished && end >= total,
    };
  }

  private prune(): void {
    let index = 0;
    while (this.order.length > this.opts.retain && index < this.order.length) {
      const name = this.order[index]!;
      if (this.active.has(name)) {
        index++;
        continue;
      }
      this.order.splice(index, 1);
      try {
        rmSync(join(this.opts.dir, name), { recursive: true, force: true });
      } catch (err) {
        this.opts.logger.warn('could not remove an old output log', { dir: name, error: err });
      }
    }
  }
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
 * the disk takes its copy: on a VM that backs fresh page-cache pages lazily, the copy costs more than
 * the whole network path. A small append with nothing queued is written in line instead, which spares
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

  constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly maxBytes: number,
    private readonly logger: Logger,
    private readonly onClose: () => void,
  ) {}

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

  /** Takes no more bytes; resolves once those already taken are in the files and the files are closed. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const finish = (): void => {
      this.closeFiles();
      this.onClose();
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
        const n = Math.min(this.segmentBytes - segment.size, data.length - done);
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
    const room = this.segmentBytes - segment.size;
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
    if (current && file.fd !== null && current.size < this.segmentBytes) return current;
    if (file.fd !== null) closeSync(file.fd);
    file.fd = null;
    const next: Segment = { start: file.total, size: 0, path: join(this.dir, `${stream}.${file.total}.log`) };
    file.fd = openSync(next.path, 'w');
    file.segments.push(next);
    return next;
  }

  /** Counts bytes now in the files and rotates the oldest segments away beyond the bound. */
  private written(file: StreamFile, segment: Segment, bytes: number): void {
    segment.size += bytes;
    file.total += bytes;
    let kept = file.segments.reduce((sum, s) => sum + s.size, 0);
    while (kept > this.maxBytes && file.segments.length > 1) {
      const oldest = file.segments.shift()!;
      // In line, so a reader on the event loop never lists a segment that is then gone.
      unlinkSync(oldest.path);
      kept -= oldest.size;
    }
  }

  private fail(err: unknown): void {
    this.failed = true;
    this.logger.warn('output log write failed; the rest of this output is not kept on disk', { error: err });
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

function dirName(requestId: string): string {
  // Request ids come from the network: hashing gives a safe, fixed-length, case-proof file name.
  return createHash('sha256').update(requestId).digest('hex').slice(0, 32);
}

function listSegments(dir: string, stream: StreamName): Segment[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const segments: Segment[] = [];
  for (const name of names) {
    const match = SEGMENT_FILE.exec(name);
    if (!match || match[1] !== stream) continue;
    const path = join(dir, name);
    segments.push({ start: Number(match[2]), size: statSync(path).size, path });
  }
  return segments.sort((a, b) => a.start - b.start);
}

function readRange(segments: Segment[], start: number, end: number): Buffer {
  const out = Buffer.alloc(Math.max(0, end - start));
  for (const seg of segments) {
    const from = Math.max(start, seg.start);
    const to = Math.min(end, seg.start + seg.size);
    if (from >= to) continue;
    const fd = openSync(seg.path, 'r');
    try {
      readSync(fd, out, from - start, to - from, from - seg.start);
    } finally {
      closeSync(fd);
    }
  }
  return out;
}

/** Offset where the last `lines` lines begin, looking back at most MAX_READ_BYTES. */
function tailStart(segments: Segment[], discarded: number, total: number, lines: number): number {
  const floor = Math.max(discarded, total - MAX_READ_BYTES);
  let end = total;
  let newlines = 0;
  let skipFinal = true;
  while (end > floor) {
    const from = Math.max(floor, end - TAIL_BLOCK);
    const block = readRange(segments, from, end);
    for (let i = block.length - 1; i >= 0; i--) {
      if (block[i] !== 0x0a) {
        skipFinal = false;
        continue;
      }
      // A newline that ends the output closes the last line rather than starting an empty one.
      if (skipFinal) {
        skipFinal = false;
        continue;
      }
      if (++newlines === lines) return from + i + 1;
    }
    end = from;
  }
  if (floor === discarded) return floor;
  const head = readRange(segments, floor, Math.min(total, floor + 3));
  let start = floor;
  for (const byte of head) {
    if ((byte & 0xc0) !== 0x80) break;
    start++;
  }
  return start;
}
