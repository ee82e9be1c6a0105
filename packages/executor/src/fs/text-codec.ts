import { ErrorCode, RemoteAgentError, type FsLineEnding, type FsTextEncoding } from '@remote-agent/contracts';

/**
 * Text detection and faithful decoding. A file read as text must come back byte for byte when the text
 * is written again unchanged, so: the BOM is remembered (not put into the text), line breaks are kept
 * as they are, and bytes that are not valid UTF-8 are read as latin1 (one character per byte) instead
 * of being replaced.
 */
export type TextDetection = { binary: true } | { binary: false; encoding: FsTextEncoding; bom: boolean };

/** Bytes looked at to tell text from binary; git looks at 8000, a little more costs nothing. */
export const DETECTION_SAMPLE_BYTES = 64 * 1024;

/** Above this share of control bytes the sample is binary, even without a NUL (ANSI escapes excluded). */
const MAX_CONTROL_SHARE = 0.05;

const BOMS: ReadonlyArray<{ bytes: readonly number[]; encoding: FsTextEncoding }> = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf8' },
  { bytes: [0xff, 0xfe], encoding: 'utf16le' },
  { bytes: [0xfe, 0xff], encoding: 'utf16be' },
];

export function bomBytes(encoding: FsTextEncoding): Buffer {
  return Buffer.from(BOMS.find((b) => b.encoding === encoding)?.bytes ?? []);
}

function isControlByte(b: number): boolean {
  // Tab, line feed, vertical tab, form feed, carriage return and escape are normal in text files.
  return (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0b && b !== 0x0c && b !== 0x0d && b !== 0x1b) || b === 0x7f;
}

function isValidUtf8(sample: Buffer, complete: boolean): boolean {
  try {
    // stream: true lets a multi-byte character cut at the end of a partial sample pass.
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(sample, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

/** `complete` says the sample is the whole file, so a character cut at its end is an error. */
export function detectEncoding(sample: Buffer, complete: boolean): TextDetection {
  for (const bom of BOMS) {
    if (sample.length >= bom.bytes.length && bom.bytes.every((b, i) => sample[i] === b)) {
      return { binary: false, encoding: bom.encoding, bom: true };
    }
  }
  let control = 0;
  for (const b of sample) {
    if (b === 0) return { binary: true };
    if (isControlByte(b)) control++;
  }
  if (sample.length > 0 && control / sample.length > MAX_CONTROL_SHARE) return { binary: true };
  return { binary: false, encoding: isValidUtf8(sample, complete) ? 'utf8' : 'latin1', bom: false };
}

function swapBytePairs(buf: Buffer): Buffer {
  const copy = Buffer.from(buf.subarray(0, buf.length - (buf.length % 2)));
  return copy.swap16();
}

/** Decodes a whole file's bytes (BOM excluded from the text). */
export function decodeText(buf: Buffer, encoding: FsTextEncoding, bom: boolean): string {
  const body = bom ? buf.subarray(bomBytes(encoding).length) : buf;
  switch (encoding) {
    case 'utf8':
      return body.toString('utf8');
    case 'utf16le':
      return body.toString('utf16le');
    case 'utf16be':
      return swapBytePairs(body).toString('utf16le');
    case 'latin1':
      return body.toString('latin1');
  }
}

export function encodeText(text: string, encoding: FsTextEncoding, bom: boolean): Buffer {
  let body: Buffer;
  switch (encoding) {
    case 'utf8':
      body = Buffer.from(text, 'utf8');
      break;
    case 'utf16le':
      body = Buffer.from(text, 'utf16le');
      break;
    case 'utf16be':
      body = Buffer.from(text, 'utf16le').swap16();
      break;
    case 'latin1': {
      const wide = /[^\u0000-\u00ff]/.exec(text);
      if (wide) {
        throw new RemoteAgentError(
          ErrorCode.BadRequest,
          `the text contains "${wide[0]}", which the file's latin1 encoding cannot hold: pass encoding "utf8" to convert the file, or leave that character out`,
        );
      }
      body = Buffer.from(text, 'latin1');
      break;
    }
  }
  return bom ? Buffer.concat([bomBytes(encoding), body]) : body;
}

/** Decodes a file chunk by chunk, carrying characters split between chunks over to the next. */
export interface StreamDecoder {
  write(chunk: Buffer): string;
  end(): string;
}

/**
 * `fatal` makes invalid UTF-8 throw (a TypeError) so a reader can start over as latin1 rather than
 * hand out replacement characters that would corrupt the file on an edit.
 */
export function createStreamDecoder(encoding: FsTextEncoding, bom: boolean, fatal: boolean): StreamDecoder {
  let skip = bom ? bomBytes(encoding).length : 0;
  const stripBom = (chunk: Buffer): Buffer => {
    if (skip === 0) return chunk;
    const cut = Math.min(skip, chunk.length);
    skip -= cut;
    return chunk.subarray(cut);
  };
  if (encoding === 'utf8') {
    const decoder = new TextDecoder('utf-8', { fatal, ignoreBOM: true });
    return { write: (chunk) => decoder.decode(stripBom(chunk), { stream: true }), end: () => decoder.decode() };
  }
  if (encoding === 'latin1') {
    return { write: (chunk) => stripBom(chunk).toString('latin1'), end: () => '' };
  }
  // UTF-16: keep an odd trailing byte for the next chunk; a surrogate pair split across chunks joins
  // up again when the caller concatenates the strings.
  let carry: Buffer = Buffer.alloc(0);
  const decodePairs = (bytes: Buffer): string => {
    const even = bytes.subarray(0, bytes.length - (bytes.length % 2));
    carry = Buffer.from(bytes.subarray(even.length));
    return encoding === 'utf16le' ? even.toString('utf16le') : Buffer.from(even).swap16().toString('utf16le');
  };
  return {
    write: (chunk) => decodePairs(Buffer.concat([carry, stripBom(chunk)])),
    end: () => (carry.length > 0 ? '\ufffd' : ''),
  };
}

export function lineEndingOf(lf: number, crlf: number): FsLineEnding {
  if (lf === 0 && crlf === 0) return 'none';
  if (lf === 0) return 'crlf';
  if (crlf === 0) return 'lf';
  return 'mixed';
}

/** Counts bare "\n" and "\r\n" line breaks. */
export function detectLineEnding(text: string): FsLineEnding {
  let lf = 0;
  let crlf = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (i > 0 && text.charCodeAt(i - 1) === 0x0d) crlf++;
    else lf++;
  }
  return lineEndingOf(lf, crlf);
}
