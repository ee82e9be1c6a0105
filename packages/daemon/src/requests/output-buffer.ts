import type { BodyOf, StreamName } from '@remote-agent/contracts';

export type OutputChunk = BodyOf<'request.output'>;

/** What happened to one received chunk. */
export type ChunkVerdict = 'appended' | 'duplicate' | 'gap';

/** A byte range [start, end) of one stream. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A range of a stream the daemon should hold but does not: a chunk was lost on the way. */
export interface MissingRange extends ByteRange {
  stream: StreamName;
}

class StreamBuffer {
  /** Held pieces by offset, all below maxBytes; kept in arrival order and sorted when read. */
  private readonly pieces: Array<{ offset: number; bytes: Buffer }> = [];
  private held = 0;
  /** The next offset past everything received. */
  private received = 0;
  /** Highest byte count the executor reported for this stream. */
  private reported = 0;
  /** Ranges below `received` (and below maxBytes) whose chunks never arrived. */
  private holes: ByteRange[] = [];
  private text: string | null = '';

  constructor(private readonly maxBytes: number) {}

  /** Places bytes at their offset; 'gap' when they reveal bytes before them that never arrived. */
  add(offset: number, bytes: Buffer): ChunkVerdict {
    const end = offset + bytes.length;
    const filled = this.fillHoles(offset, bytes);
    if (end <= this.received) return filled ? 'appended' : 'duplicate';
    let verdict: ChunkVerdict = 'appended';
    if (offset > this.received) {
      verdict = 'gap';
      this.addHole(this.received, offset);
    }
    const from = Math.max(offset, this.received);
    this.keep(from, bytes.subarray(from - offset));
    this.received = end;
    this.reported = Math.max(this.reported, end);
    return verdict;
  }

  report(totalBytes: number | undefined): void {
    if (totalBytes !== undefined) this.reported = Math.max(this.reported, totalBytes);
  }

  /** What should be held but is not: holes, and the tail the final total shows never arrived. */
  missing(): ByteRange[] {
    const ranges = [...this.holes];
    const tailEnd = Math.min(this.reported, this.maxBytes);
    if (tailEnd > this.received) ranges.push({ start: this.received, end: tailEnd });
    return ranges;
  }

  get totalBytes(): number {
    return this.reported;
  }

  get truncated(): boolean {
    return this.held < this.reported;
  }

  toString(): string {
    if (this.text === null) {
      const ordered = [...this.pieces].sort((a, b) => a.offset - b.offset).map((p) => p.bytes);
      this.text = Buffer.concat(ordered, this.held).toString('utf8');
    }
    return this.text;
  }

  private addHole(start: number, end: number): void {
    const capped = Math.min(end, this.maxBytes);
    if (capped > start) this.holes.push({ start, end: capped });
  }

  /** Keeps the parts of [offset, offset + bytes) that fall into holes; true if any did. */
  private fillHoles(offset: number, bytes: Buffer): boolean {
    const end = offset + bytes.length;
    let filled = false;
    const remaining: ByteRange[] = [];
    for (const hole of this.holes) {
      const start = Math.max(hole.start, offset);
      const stop = Math.min(hole.end, end);
      if (start >= stop) {
        remaining.push(hole);
        continue;
      }
      filled = true;
      this.keep(start, bytes.subarray(start - offset, stop - offset));
      if (hole.start < start) remaining.push({ start: hole.start, end: start });
      if (stop < hole.end) remaining.push({ start: stop, end: hole.end });
    }
    this.holes = remaining;
    return filled;
  }

  private keep(offset: number, bytes: Buffer): void {
    const room = this.maxBytes - offset;
    if (room <= 0 || bytes.length === 0) return;
    const kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
    this.pieces.push({ offset, bytes: kept });
    this.held += kept.length;
    this.text = null;
  }
}

/**
 * The output of one request as the daemon holds it: the first `maxBytes` of each stream, with byte
 * counts and a `truncated` flag whenever what is held is less than what the process wrote (cap
 * reached or a chunk lost). A lost chunk leaves a hole that `fill` closes with bytes read from the
 * executor's on-disk log, which keeps the whole output.
 */
export class OutputBuffer {
  private readonly streams: Record<StreamName, StreamBuffer>;
  private nextSeq = 0;

  constructor(maxBytes: number) {
    this.streams = { stdout: new StreamBuffer(maxBytes), stderr: new StreamBuffer(maxBytes) };
  }

  /**
   * Offsets place a chunk in its stream; seq (over both streams) reveals a chunk lost from the other
   * one. `chunks` counts the sequence numbers this chunk settles, lost ones included, because the
   * executor spent credit on each of them.
   */
  add(chunk: OutputChunk): { verdict: ChunkVerdict; chunks: number } {
    const verdict = this.streams[chunk.stream].add(chunk.offset, chunk.data);
    if (verdict === 'duplicate' || chunk.seq < this.nextSeq) return { verdict, chunks: 0 };
    const chunks = chunk.seq + 1 - this.nextSeq;
    this.nextSeq = chunk.seq + 1;
    return { verdict: chunks > 1 ? 'gap' : verdict, chunks };
  }

  /** The executor says it sent this many chunks; true when some of them never arrived. */
  markSent(sentChunks: number): boolean {
    if (sentChunks <= this.nextSeq) return false;
    this.nextSeq = sentChunks;
    return true;
  }

  /** The next seq expected: every chunk before it arrived or is known lost. */
  get settledChunks(): number {
    return this.nextSeq;
  }

  /** Puts bytes read back from the executor's log into the holes they cover. */
  fill(stream: StreamName, offset: number, bytes: Buffer): void {
    this.streams[stream].add(offset, bytes);
  }

  /** Byte ranges that should be held but are not, in both streams. */
  missing(): MissingRange[] {
    return (['stdout', 'stderr'] as const).flatMap((stream) => this.streams[stream].missing().map((r) => ({ stream, ...r })));
  }

  /** Applies the byte totals of the final result: a chunk that never arrived leaves the output truncated. */
  finish(totals: { stdoutBytes?: number | undefined; stderrBytes?: number | undefined }): void {
    this.streams.stdout.report(totals.stdoutBytes);
    this.streams.stderr.report(totals.stderrBytes);
  }

  text(stream: StreamName): string {
    return this.streams[stream].toString();
  }

  bytes(stream: StreamName): number {
    return this.streams[stream].totalBytes;
  }

  get truncated(): boolean {
    return this.streams.stdout.truncated || this.streams.stderr.truncated;
  }
}
