import { isAscii } from 'node:buffer';

/** A final string shorter than this is not worth the shortcut: the whole value is parsed. */
const LONG_STRING_BYTES = 4096;
const QUOTE = 0x22;

/**
 * Whether UTF-8 `json` is one valid JSON value, without decoding and parsing a long final string: the bulk
 * messages (command output, file chunks) end in a base64 string of ~175 KB, and decoding plus parsing it
 * cost the relay a third of its CPU per streamed byte.
 *
 * Why the shortcut is exact: take the last two quotes. If the bytes between them hold no quote (true by
 * construction), no backslash, no control character and nothing outside ASCII, they are plain string
 * content wherever they stand. Cut them out and parse the rest, `H + T`, where H ends and T starts with a
 * quote. JSON never puts two strings side by side, so if `H + T` parses, those two quotes are inside one
 * string (an empty one, or one whose quote in H is escaped); putting plain content back inside a string
 * keeps it valid, and taking it out of a valid text keeps that valid. Anything else is parsed whole.
 */
export function isValidJson(json: Buffer): boolean {
  const close = json.lastIndexOf(QUOTE);
  const open = close > 0 ? json.lastIndexOf(QUOTE, close - 1) : -1;
  if (open < 0 || close - open - 1 < LONG_STRING_BYTES || !isPlainStringContent(json, open + 1, close)) {
    return parses(json.toString('utf8'));
  }
  return parses(json.toString('utf8', 0, open + 1) + json.toString('utf8', close));
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when every byte in [start, end) is ASCII, not a control character and not a backslash: characters a
 * JSON string may hold as they are. Four bytes at a time (about five times faster than byte by byte).
 */
export function isPlainStringContent(buf: Buffer, start: number, end: number): boolean {
  if (!isAscii(buf.subarray(start, end))) return false;
  let i = start;
  while (i < end && ((buf.byteOffset + i) & 3) !== 0) {
    if (!plainByte(buf[i]!)) return false;
    i++;
  }
  const words = new Uint32Array(buf.buffer, buf.byteOffset + i, (end - i) >>> 2);
  for (let k = 0; k < words.length; k++) {
    const w = words[k]!;
    // With every byte below 0x80 (checked above): a byte below 0x20, or a byte equal to 0x5c, sets its top bit here.
    const backslashes = w ^ 0x5c5c5c5c;
    if (((w - 0x20202020) & ~w & 0x80808080) !== 0 || ((backslashes - 0x01010101) & ~backslashes & 0x80808080) !== 0) return false;
  }
  for (i += words.length * 4; i < end; i++) if (!plainByte(buf[i]!)) return false;
  return true;
}

function plainByte(byte: number): boolean {
  return byte >= 0x20 && byte !== 0x5c && byte < 0x80;
}

export function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** Where `json` starts and ends once JSON whitespace around it is skipped. */
export function jsonSpaceTrimmed(json: Buffer): { start: number; end: number } {
  let start = 0;
  let end = json.length;
  while (start < end && isJsonSpace(json[start]!)) start++;
  while (end > start && isJsonSpace(json[end - 1]!)) end--;
  return { start, end };
}

export function trimJsonSpace(json: Buffer): Buffer {
  const { start, end } = jsonSpaceTrimmed(json);
  return start === 0 && end === json.length ? json : json.subarray(start, end);
}
