import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  ErrorCode,
  FS_READ_MAX_BYTES,
  RemoteAgentError,
  type FsParamsInput,
  type FsReadParams,
  type FsReadResult,
  type FsTextEncoding,
} from '@remote-agent/contracts';
import { throwIfCancelled, type FsContext } from './context.js';
import { fsError } from './errors.js';
import { mtimeString } from './file-info.js';
import { READ_CHUNK_BYTES } from './hash.js';
import { jsonCost, prefixWithin } from './json-cost.js';
import { LineSplitter, type LineSegment } from './line-splitter.js';
import { parseFsParams } from './params.js';
import { resolveFsPath } from './paths.js';
import { createStreamDecoder, detectEncoding, lineEndingOf, type TextDetection } from './text-codec.js';

/**
 * fs.read: text by line range or bytes by offset/length. The whole file is always streamed once, so
 * the answer carries the sha256 of the whole file (the token for a later expectedSha256) and its line
 * count, while only the asked-for part is kept in memory.
 */
export async function fsRead(input: FsParamsInput<'fs.read'>, ctx: FsContext): Promise<FsReadResult> {
  const params = parseFsParams('fs.read', input);
  const file = resolveFsPath(params.path, ctx.workDir);
  checkSelectors(params);
  const st = await statFile(file);
  try {
    return params.format === 'base64' ? await readBytes(file, st, params, ctx.signal) : await readText(file, st, params, ctx.signal);
  } catch (err) {
    throw fsError(err, 'read', file);
  }
}

function checkSelectors(params: FsReadParams): void {
  if (params.format === 'text' && (params.offset !== undefined || params.length !== undefined)) {
    throw new RemoteAgentError(
      ErrorCode.BadRequest,
      'offset and length select bytes: pass format "base64" with them, or use startLine/endLine for text',
    );
  }
  if (params.format === 'base64' && (params.startLine !== undefined || params.endLine !== undefined)) {
    throw new RemoteAgentError(
      ErrorCode.BadRequest,
      'startLine and endLine select text lines: use format "text" with them, or offset/length for base64 bytes',
    );
  }
  if (params.startLine !== undefined && params.endLine !== undefined && params.endLine < params.startLine) {
    throw new RemoteAgentError(ErrorCode.BadRequest, `endLine ${params.endLine} is before startLine ${params.startLine}`);
  }
}

async function statFile(file: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(file);
  } catch (err) {
    throw fsError(err, 'read', file);
  }
  if (st.isDirectory()) {
    throw new RemoteAgentError(ErrorCode.IsDirectory, `cannot read ${file}: it is a folder, not a file. Use fs.list to see what it holds`, {
      path: file,
    });
  }
  if (!st.isFile()) {
    throw new RemoteAgentError(
      ErrorCode.BadRequest,
      `cannot read ${file}: it is not a regular file (a device, socket or FIFO), so it has no fixed content to read`,
      { path: file },
    );
  }
  return st;
}

function openStream(file: string, signal: AbortSignal | undefined) {
  return createReadStream(file, { highWaterMark: READ_CHUNK_BYTES, ...(signal ? { signal } : {}) });
}

function isInvalidUtf8(err: unknown): boolean {
  return err instanceof TypeError && (err as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA';
}

async function readBytes(file: string, st: Stats, params: FsReadParams, signal: AbortSignal | undefined): Promise<FsReadResult> {
  const offset = params.offset ?? 0;
  const end = offset + (params.length ?? params.maxBytes);
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let detection: TextDetection | undefined;
  let position = 0;
  for await (const raw of openStream(file, signal)) {
    const chunk = raw as Buffer;
    hash.update(chunk);
    detection ??= detectEncoding(chunk, chunk.length >= st.size);
    const from = Math.max(position, offset);
    const to = Math.min(position + chunk.length, end);
    if (from < to) kept.push(chunk.subarray(from - position, to - position));
    position += chunk.length;
  }
  const bytes = Buffer.concat(kept);
  const size = position;
  const next = offset + bytes.length;
  const result: FsReadResult = {
    path: file,
    size,
    sha256: hash.digest('hex'),
    mtime: mtimeString(st),
    format: 'base64',
    binary: detection?.binary ?? false,
    content: bytes.toString('base64'),
    offset,
    length: bytes.length,
    truncated: params.length === undefined && next < size,
  };
  if (detection && !detection.binary) {
    result.encoding = detection.encoding;
    result.bom = detection.bom;
  }
  if (next < size) result.nextOffset = next;
  if (offset > size) result.notice = `offset ${offset} is past the end of the file (${size} bytes)`;
  return result;
}

/** Keeps the lines of the asked range that fit in the byte budget. */
class LineCollector {
  private lineNo = 1;
  private readonly kept: string[] = [];
  private current: string[] = [];
  private used = 0;
  private currentCost = 0;
  private lastKept: number;
  private stopped = false;
  private cutLine: number | null = null;
  lf = 0;
  crlf = 0;

  constructor(
    private readonly start: number,
    private readonly end: number,
    private readonly budget: number,
  ) {
    this.lastKept = start - 1;
  }

  add(seg: LineSegment): void {
    if (seg.eol === '\n') this.lf++;
    else if (seg.eol === '\r\n') this.crlf++;
    if (!this.stopped && this.lineNo >= this.start && this.lineNo <= this.end) this.take(seg.text + seg.eol);
    if (seg.complete) {
      if (this.current.length > 0) {
        this.kept.push(...this.current);
        this.used += this.currentCost;
        this.lastKept = this.lineNo;
      }
      this.current = [];
      this.currentCost = 0;
      this.lineNo++;
    }
  }

  private take(piece: string): void {
    const cost = jsonCost(piece);
    if (this.used + this.currentCost + cost <= this.budget) {
      this.current.push(piece);
      this.currentCost += cost;
      return;
    }
    this.stopped = true;
    if (this.kept.length === 0) {
      // The first line alone is over the budget: return its beginning rather than nothing.
      this.current.push(prefixWithin(piece, this.budget - this.currentCost));
      this.cutLine = this.lineNo;
    } else {
      this.current = [];
      this.currentCost = 0;
    }
  }

  get totalLines(): number {
    return this.lineNo - 1;
  }

  finish(result: FsReadResult, budget: number): void {
    result.content = this.kept.join('');
    result.startLine = this.start;
    result.endLine = this.lastKept;
    result.totalLines = this.totalLines;
    result.lineEnding = lineEndingOf(this.lf, this.crlf);
    result.truncated = this.stopped;
    if (this.lastKept < this.totalLines) result.nextStartLine = this.lastKept + 1;
    if (this.cutLine !== null) {
      result.notice = `line ${this.cutLine} is longer than maxBytes (${budget}) and was cut: raise maxBytes (up to ${FS_READ_MAX_BYTES}) or read the file with format "base64"`;
    } else if (this.start > this.totalLines && this.totalLines > 0) {
      result.notice = `startLine ${this.start} is past the end of the file, which has ${this.totalLines} lines`;
    }
  }
}

async function readText(
  file: string,
  st: Stats,
  params: FsReadParams,
  signal: AbortSignal | undefined,
  forced?: FsTextEncoding,
): Promise<FsReadResult> {
  const hash = createHash('sha256');
  const collector = new LineCollector(params.startLine ?? 1, params.endLine ?? Number.POSITIVE_INFINITY, params.maxBytes);
  const splitter = new LineSplitter();
  let detection: TextDetection | undefined;
  let decoder: ReturnType<typeof createStreamDecoder> | undefined;
  let size = 0;
  const stream = openStream(file, signal);
  try {
    for await (const raw of stream) {
      const chunk = raw as Buffer;
      hash.update(chunk);
      size += chunk.length;
      if (!detection) {
        detection = forced ? { binary: false, encoding: forced, bom: false } : detectEncoding(chunk, chunk.length >= st.size);
        if (!detection.binary) decoder = createStreamDecoder(detection.encoding, detection.bom, detection.encoding === 'utf8');
      }
      if (decoder) for (const seg of splitter.push(decoder.write(chunk))) collector.add(seg);
    }
    if (decoder) for (const seg of splitter.push(decoder.end())) collector.add(seg);
  } catch (err) {
    if (!isInvalidUtf8(err)) throw err;
    // Looked like UTF-8 at the start but is not further on: read it as latin1 so no byte is lost.
    stream.destroy();
    throwIfCancelled(signal, `reading ${file}`);
    return readText(file, st, params, signal, 'latin1');
  }
  for (const seg of splitter.end()) collector.add(seg);

  const result: FsReadResult = {
    path: file,
    size,
    sha256: hash.digest('hex'),
    mtime: mtimeString(st),
    format: 'text',
    binary: detection?.binary ?? false,
    content: '',
    truncated: false,
  };
  if (detection?.binary) {
    result.notice = `${file} is a binary file (${size} bytes): pass format "base64" with offset/length to get its bytes`;
    return result;
  }
  result.encoding = detection?.encoding ?? 'utf8';
  result.bom = detection?.bom ?? false;
  collector.finish(result, params.maxBytes);
  return result;
}
