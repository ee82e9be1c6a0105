import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputReadResult, StreamName } from '@remote-agent/contracts';
import type { Logger } from '@remote-agent/transport';
import { OutputLogWriter, type Segment, type StreamSegments } from './output-log-writer.js';
import { incompleteUtf8Tail, toWireText } from './utf8.js';

/** Bytes returned by an offset read when the caller gives no length. */
export const DEFAULT_READ_BYTES = 128 * 1024;
/** Upper bound of one read, so an answer always fits one relay frame even as base64. */
export const MAX_READ_BYTES = 512 * 1024;
/** A stream is kept as this many segments at most, so rotation drops a quarter at a time. */
const SEGMENTS_PER_STREAM = 4;
/** `<run>.<stream>.<start offset>.log`, where `<run>` names the request (see runName). */
const SEGMENT_FILE = /^([0-9a-f]{32})\.(stdout|stderr)\.(\d+)\.log$/;
/** A folder per run, as earlier versions kept their logs. */
const OLD_RUN_DIR = /^[0-9a-f]{32}$/;
const TAIL_BLOCK = 64 * 1024;
const STREAMS: readonly StreamName[] = ['stdout', 'stderr'];

export interface OutputLogOptions {
  /** Folder holding the segment files of every request. */
  dir: string;
  /** Bytes kept per stream of one request; older bytes are rotated away. 0 keeps no output on disk at all. */
  maxBytesPerStream: number;
  /** Requests whose logs are kept; the oldest are removed first. */
  retain: number;
  /**
   * Bytes all logs together may keep. Room for each write is made by removing the oldest output of
   * finished runs first; a run still writing is never cut by it (its streams are bounded by
   * `maxBytesPerStream`), and writes already on the thread pool may pass it by what they carry.
   */
  maxTotalBytes: number;
  logger: Logger;
}

export interface OutputReadOptions {
  stream: StreamName;
  offset?: number;
  length?: number;
  tailLines?: number;
}

interface KeptRun {
  /** Set while the run writes; its files are then the writer's. */
  writer: OutputLogWriter | null;
  /** The files of a finished run, oldest first per stream. */
  segments: StreamSegments;
}

/**
 * The whole output of each run on the executor's disk, so that an agent can page through more than a
 * reply carries. Per stream the bytes go into segment files named by their run and start offset, so a
 * reader (also after a restart) knows what was rotated away from the file names alone. All runs share one
 * folder: a folder per run cost a short command a mkdir and an rmdir on its round trip, 0.5-0.9 ms of an
 * `echo`'s on the bench's VM (bench/README.md).
 *
 * All logs together stay within a byte budget. Room is made just before each write, by removing the
 * oldest segments of the oldest finished runs: an old run keeps its newest output longest, and the disk
 * and page-cache pages just freed are the ones the next writes take. The second matters on VMs that
 * hand free memory back to their host (free page reporting), where growing the page cache into memory
 * the guest gave back cost 3-10 times as much as reusing pages just freed (bench/README.md, finding 3).
 *
 * Opening, rotating, pruning and reading are synchronous, on the event loop, so a read never races a
 * removal; only the bulk writes leave it (see OutputLogWriter).
 */
export class OutputLog {
  /** Oldest first: the order runs were opened in, or found on disk by age. */
  private readonly runs = new Map<string, KeptRun>();
  private usedBytes = 0;

  constructor(private readonly opts: OutputLogOptions) {
    if (!this.keepsOutput) return;
    mkdirSync(opts.dir, { recursive: true });
    for (const [name, segments] of findRuns(opts.dir, opts.logger)) {
      this.runs.set(name, { writer: null, segments });
      this.usedBytes += bytesIn(segments);
    }
  }

  /** False when the executor was told to keep no output on disk (EXECUTOR_OUTPUT_MAX_BYTES=0). */
  get keepsOutput(): boolean {
    return this.opts.maxBytesPerStream > 0;
  }

  /** Bytes all kept logs hold on disk now. */
  get keptBytes(): number {
    return this.usedBytes;
  }

  /** Starts the log of a request, removing the oldest logs beyond the retention count; null when no output is kept. */
  open(requestId: string): OutputLogWriter | null {
    if (!this.keepsOutput) return null;
    const name = runName(requestId);
    if (this.runs.has(name)) this.remove(name);
    const run: KeptRun = { writer: null, segments: { stdout: [], stderr: [] } };
    const current = (): boolean => this.runs.get(name) === run;
    run.writer = new OutputLogWriter({
      filePrefix: join(this.opts.dir, name),
      segmentBytes: Math.max(1, Math.ceil(this.opts.maxBytesPerStream / SEGMENTS_PER_STREAM)),
      maxBytesPerStream: this.opts.maxBytesPerStream,
      logger: this.opts.logger,
      host: {
        makeRoom: (bytes) => this.makeRoom(bytes),
        counted: (bytes) => {
          if (current()) this.usedBytes += bytes;
        },
        closed: (segments) => {
          run.writer = null;
          run.segments = segments;
        },
      },
    });
    this.runs.set(name, run);
    this.pruneToCount();
    return run.writer;
  }

  /** Resolves once every byte a request's log has taken so far is in its files. */
  flushed(requestId: string): Promise<void> {
    return this.runs.get(runName(requestId))?.writer?.flushed() ?? Promise.resolve();
  }

  /** Null when no log is kept for the request (never ran here, produced no output, or removed since). */
  read(requestId: string, options: OutputReadOptions): OutputReadResult | null {
    const run = this.runs.get(runName(requestId));
    if (!run) return null;
    const segments = segmentsOf(run, options.stream);
    const last = segments.at(-1);
    const total = last ? last.start + last.size : 0;
    const discarded = segments[0]?.start ?? 0;
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
      complete: run.writer === null && end >= total,
    };
  }

  private pruneToCount(): void {
    for (const [name, run] of this.runs) {
      if (this.runs.size <= this.opts.retain) return;
      if (run.writer === null) this.remove(name);
    }
  }

  /**
   * Removes the oldest output of finished runs until `bytes` more fit the budget: first the older
   * segments of a run, so its newest output of each stream stays longest, then the run itself.
   */
  private makeRoom(bytes: number): void {
    const fits = (): boolean => this.usedBytes + bytes <= this.opts.maxTotalBytes;
    for (const [name, run] of this.runs) {
      if (fits()) return;
      if (run.writer !== null) continue;
      while (!fits() && this.removeOldestSegment(run)) continue;
      if (!fits()) this.remove(name);
    }
  }

  /** Removes the oldest segment of a stream that has more than one; false when none has. */
  private removeOldestSegment(run: KeptRun): boolean {
    const stream = STREAMS.find((s) => run.segments[s].length > 1);
    if (stream === undefined) return false;
    const oldest = run.segments[stream].shift()!;
    this.usedBytes -= oldest.size;
    this.unlink(oldest);
    return true;
  }

  /** Forgets a run's log and removes its files. */
  private remove(name: string): void {
    const run = this.runs.get(name);
    if (!run) return;
    this.runs.delete(name);
    for (const stream of STREAMS) {
      for (const segment of segmentsOf(run, stream)) {
        this.usedBytes -= segment.size;
        this.unlink(segment);
      }
    }
  }

  private unlink(segment: Segment): void {
    try {
      unlinkSync(segment.path);
    } catch (err) {
      this.opts.logger.warn('could not remove an old output segment', { file: segment.path, error: err });
    }
  }
}

function bytesIn(segments: StreamSegments): number {
  let sum = 0;
  for (const list of Object.values(segments)) for (const segment of list) sum += segment.size;
  return sum;
}

/** A run's files of one stream: its writer's while it writes, then the ones it left. */
function segmentsOf(run: KeptRun, stream: StreamName): readonly Segment[] {
  return run.writer ? run.writer.segments(stream) : run.segments[stream];
}

function runName(requestId: string): string {
  // Request ids come from the network: hashing gives a safe, fixed-length, case-proof file name.
  return createHash('sha256').update(requestId).digest('hex').slice(0, 32);
}

/** The runs whose segment files are in `dir`, oldest (by their newest file) first; folders of the old layout go. */
function findRuns(dir: string, logger: Logger): Array<[string, StreamSegments]> {
  const found = new Map<string, { segments: StreamSegments; mtime: number }>();
  let oldFolders = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const match = SEGMENT_FILE.exec(name);
    if (match) {
      const stat = statSync(path);
      const run = found.get(match[1]!) ?? { segments: { stdout: [], stderr: [] }, mtime: 0 };
      run.segments[match[2] as StreamName].push({ start: Number(match[3]), size: stat.size, path });
      run.mtime = Math.max(run.mtime, stat.mtimeMs);
      found.set(match[1]!, run);
    } else if (OLD_RUN_DIR.test(name)) {
      rmSync(path, { recursive: true, force: true });
      oldFolders++;
    }
  }
  if (oldFolders > 0) logger.info('removed output logs kept in the folder layout of an earlier version', { dir, runs: oldFolders });
  const runs = [...found].sort((a, b) => a[1].mtime - b[1].mtime);
  for (const [, { segments }] of runs) for (const stream of STREAMS) segments[stream].sort((a, b) => a.start - b.start);
  return runs.map(([name, { segments }]) => [name, segments]);
}

function readRange(segments: readonly Segment[], start: number, end: number): Buffer {
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
function tailStart(segments: readonly Segment[], discarded: number, total: number, lines: number): number {
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
