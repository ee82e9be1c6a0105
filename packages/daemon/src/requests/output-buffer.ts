import type { BodyOf, StreamName } from '@remote-agent/contracts';

export type OutputChunk = BodyOf<'request.output'>;

/** What happened to one received chunk. */
export type ChunkVerdict = 'appended' | 'duplicate' | 'gap';

class StreamBuffer {
  private readonly parts: Buffer[] = [];
  private held = 0;
  /** The next expected offset. */
  private received = 0;
  /** Highest byte count the executor reported for this stream. */
  private reported = 0;
  private gaps = false;
  private text: string | null = '';

  constructor(private readonly maxBytes: number) {}

  add(offset: number, bytes: Buffer): ChunkVerdict {
    const end = offset + bytes.length;
    if (end <= this.received) return 'duplicate';
    let verdict: ChunkVerdict = 'appended';
    let fresh = bytes;
    if (offset > this.received) {
      // A chunk went missing on the way; what is held is no longer the whole stream, so say so.
      this.gaps = true;
      verdict = 'gap';
    } else if (offset < this.received) {
      fresh = bytes.subarray(this.received - offset);
    }
    this.received = end;
    this.reported = Math.max(this.reported, end);
    const room = this.maxBytes - this.held;
    if (room > 0 && fresh.length > 0) {
      const kept = fresh.length <= room ? fresh : fresh.subarray(0, room);
      this.parts.push(kept);
      this.held += kept.length;
      this.text = null;
    }
    return verdict;
  }

  report(totalBytes: number | undefined): void {
    if (totalBytes !== undefined) this.reported = Math.max(this.reported, totalBytes);
  }

  get totalBytes(): number {
    return this.reported;
  }

  get truncated(): boolean {
    return this.gaps || this.held < this.reported;
  }

  toString(): string {
    if (this.text === null) this.text = Buffer.concat(this.parts, this.held).toString('utf8');
    return this.text;
  }
}

/**
 * The output of one request as the daemon holds it: the first `maxBytes` of each stream, with byte
 * counts and a `truncated` flag whenever what is held is less than what the process wrote (cap
 * reached or a chunk lost). The executor keeps the whole output on disk for paging.
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
    const bytes = Buffer.from(chunk.data, chunk.encoding === 'base64' ? 'base64' : 'utf8');
    const verdict = this.streams[chunk.stream].add(chunk.offset, bytes);
    if (verdict === 'duplicate' || chunk.seq < this.nextSeq) return { verdict, chunks: 0 };
    const chunks = chunk.seq + 1 - this.nextSeq;
    this.nextSeq = chunk.seq + 1;
    return { verdict: chunks > 1 ? 'gap' : verdict, chunks };
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
