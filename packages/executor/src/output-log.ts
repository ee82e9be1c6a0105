import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, readdirSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
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
 * File operations are synchronous on purpose: writes are small pieces going to the page cache, and doing
 * them in line keeps appends ordered, rotation atomic with respect to reads, and memory bounded without a
 * write queue.
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

/** Appends one request's stdout and stderr; a disk failure stops the log, never the run. */
export class OutputLogWriter {
  private readonly streams: Record<StreamName, StreamFile> = {
    stdout: { segments: [], fd: null, total: 0 },
    stderr: { segments: [], fd: null, total: 0 },
  };
  private failed = false;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly maxBytes: number,
    private readonly logger: Logger,
    private readonly onClose: () => void,
  ) {}

  append(stream: StreamName, data: Buffer): void {
    if (this.failed || this.closed) return;
    try {
      this.write(this.streams[stream], stream, data);
    } catch (err) {
      this.failed = true;
      this.logger.warn('output log write failed; the rest of this output is not kept on disk', { error: err });
      this.closeFiles();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeFiles();
    this.onClose();
  }

  private write(file: StreamFile, stream: StreamName, data: Buffer): void {
    let done = 0;
    while (done < data.length) {
      let current = file.segments.at(-1);
      if (!current || file.fd === null || current.size >= this.segmentBytes) {
        if (file.fd !== null) closeSync(file.fd);
        current = { start: file.total, size: 0, path: join(this.dir, `${stream}.${file.total}.log`) };
        file.fd = openSync(current.path, 'w');
        file.segments.push(current);
      }
      const n = Math.min(this.segmentBytes - current.size, data.length - done);
      writeSync(file.fd, data, done, n);
      current.size += n;
      file.total += n;
      done += n;
      this.rotate(file);
    }
  }

  private rotate(file: StreamFile): void {
    let kept = file.segments.reduce((sum, s) => sum + s.size, 0);
    while (kept > this.maxBytes && file.segments.length > 1) {
      const oldest = file.segments.shift()!;
      unlinkSync(oldest.path);
      kept -= oldest.size;
    }
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
