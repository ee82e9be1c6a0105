import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { RequestResultBody, type RequestResult } from '@remote-agent/contracts';
import type { Logger } from '@remote-agent/transport';
import { writeFileAtomicSync } from './atomic-file.js';
import { failedAsTooLarge } from './too-large.js';

/** A kind-specific result larger than this is not kept: replaying it is not worth the disk it takes. */
export const MAX_JOURNAL_RESULT_BYTES = 64 * 1024;

export interface JournalEntry {
  requestId: string;
  kind: string;
  /** The daemon that submitted the request; replies go to it. */
  daemonId: string;
  acceptedAt: number;
  result: RequestResult | null;
}

export interface JournalOptions {
  file: string;
  /** Requests remembered; the oldest completed ones are forgotten first. */
  retain: number;
  logger: Logger;
}

const AcceptedRecord = z.object({
  t: z.literal('a'),
  id: z.string().min(1),
  kind: z.string(),
  daemon: z.string(),
  at: z.number(),
});
const ResultRecord = z.object({ t: z.literal('r'), id: z.string().min(1), result: RequestResultBody });
const JournalRecord = z.discriminatedUnion('t', [AcceptedRecord, ResultRecord]);
type JournalRecord = z.infer<typeof JournalRecord>;

/**
 * What this executor accepted and how each request ended, as JSON lines in its state folder. It is the
 * memory behind idempotency (a request id seen before never runs again) and lets a daemon that was away,
 * or an executor that restarted, still learn a result. Appends are synchronous so that a request is on
 * disk before it runs and its result before it is sent; the file is rewritten (atomically) when it has
 * grown to twice the lines it needs (see `compactionPoint`).
 *
 * The file stays open between appends: opening and closing it for each record cost an `echo` about 0.1 ms
 * of its round trip on the bench's VM, and with the output log written after the result, 0.6 ms together
 * (bench/README.md, finding 4).
 */
export class Journal {
  private readonly entries = new Map<string, JournalEntry>();
  private lines = 0;
  /** The line count at which the file is rewritten. */
  private compactAt = 0;
  /** Opened by the first append; closed around a compaction and by `close()`. */
  private fd: number | null = null;
  /** The last append may have left part of a line: the next record starts on a line of its own. */
  private torn = false;

  constructor(private readonly opts: JournalOptions) {
    this.load();
    this.compactAt = compactionPoint(this.neededLines(), this.opts.retain);
  }

  get(requestId: string): JournalEntry | undefined {
    return this.entries.get(requestId);
  }

  accepted(entry: Omit<JournalEntry, 'result'>): void {
    this.entries.set(entry.requestId, { ...entry, result: null });
    this.append({ t: 'a', id: entry.requestId, kind: entry.kind, daemon: entry.daemonId, at: entry.acceptedAt });
    this.evict();
  }

  /** Records the result; returns what was kept, which is what a later replay will see. */
  completed(requestId: string, result: RequestResult): RequestResult {
    const kept = keepable(result);
    const entry = this.entries.get(requestId);
    if (entry) entry.result = kept;
    this.append({ t: 'r', id: requestId, result: kept });
    return kept;
  }

  /** Closes the file; a later append opens it again. */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  /** Requests accepted by an earlier process that never recorded a result; each gets the given result. */
  closeUnfinished(resultFor: (entry: JournalEntry) => RequestResult): JournalEntry[] {
    const closed: JournalEntry[] = [];
    for (const entry of this.entries.values()) {
      if (entry.result !== null) continue;
      this.completed(entry.requestId, resultFor(entry));
      closed.push(entry);
    }
    return closed;
  }

  private load(): void {
    if (!existsSync(this.opts.file)) return;
    let skipped = 0;
    const text = readFileSync(this.opts.file, 'utf8');
    this.torn = text.length > 0 && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      this.lines++;
      const record = parseRecord(line);
      if (!record) {
        skipped++;
        continue;
      }
      if (record.t === 'a') {
        this.entries.delete(record.id);
        this.entries.set(record.id, {
          requestId: record.id,
          kind: record.kind,
          daemonId: record.daemon,
          acceptedAt: record.at,
          result: null,
        });
      } else {
        const entry = this.entries.get(record.id);
        if (entry) entry.result = record.result;
      }
    }
    // A crash can tear the last line; the rest of the journal is still good.
    if (skipped > 0) this.opts.logger.warn('skipped unreadable journal lines', { file: this.opts.file, lines: skipped });
    this.evict();
  }

  private append(record: JournalRecord): void {
    const line = Buffer.from(`${this.torn ? '\n' : ''}${JSON.stringify(record)}\n`, 'utf8');
    this.fd ??= openSync(this.opts.file, 'a', 0o600);
    this.torn = true;
    for (let written = 0; written < line.length; ) written += writeSync(this.fd, line, written);
    this.torn = false;
    if (++this.lines > this.compactAt) this.compact();
  }

  private evict(): void {
    if (this.entries.size <= this.opts.retain) return;
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.opts.retain) break;
      if (entry.result !== null) this.entries.delete(id);
    }
  }

  private compact(): void {
    const out: string[] = [];
    for (const entry of this.entries.values()) {
      out.push(JSON.stringify({ t: 'a', id: entry.requestId, kind: entry.kind, daemon: entry.daemonId, at: entry.acceptedAt }));
      if (entry.result !== null) out.push(JSON.stringify({ t: 'r', id: entry.requestId, result: entry.result }));
    }
    // Closed first, so that the rename can replace it on Windows too.
    this.close();
    writeFileAtomicSync(this.opts.file, out.length > 0 ? out.join('\n') + '\n' : '');
    this.lines = out.length;
    this.compactAt = compactionPoint(out.length, this.opts.retain);
  }

  /** The lines a rewrite would write now: one per request still running, two per finished one. */
  private neededLines(): number {
    let lines = 0;
    for (const entry of this.entries.values()) lines += entry.result === null ? 1 : 2;
    return lines;
  }
}

/**
 * The file is rewritten once it holds twice the lines a rewrite leaves, and never before it holds twice
 * what `retain` requests need (two lines each), so each rewrite is paid for by as many appended lines as
 * it writes. Measured against the request count instead, an executor that had served 2,000 requests
 * (the default `retain`) rewrote its whole journal, about 12 ms each time, every 8 requests.
 */
function compactionPoint(linesAfterRewrite: number, retain: number): number {
  return 2 * Math.max(linesAfterRewrite, 2 * retain) + 16;
}

function parseRecord(line: string): JournalRecord | null {
  try {
    const parsed = JournalRecord.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function keepable(result: RequestResult): RequestResult {
  if (result.result === undefined) return result;
  const size = Buffer.byteLength(JSON.stringify(result.result) ?? '', 'utf8');
  if (size <= MAX_JOURNAL_RESULT_BYTES) return result;
  return failedAsTooLarge(
    result,
    `the request finished (outcome ${result.outcome}) but its result (${size} bytes) is too large for the executor ` +
      'to keep for replay; send the request again with a new request id to get it',
  );
}
