import { jsonSpaceTrimmed } from './json-validate.js';

/**
 * JSON-mode clients send bulk output as `"dataType":"binary","data":"<base64>"`. Parsing that ~175 KB
 * string and matching it with a regular expression cost more than forwarding it, so it is checked byte by
 * byte here, with the same verdict as the parse-and-match definition below.
 */

/** What `data` of dataType binary or protobuf must be: base64 alphabet, then at most two `=`. */
export const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Byte classes; any other byte is 0. */
const ALPHABET = 1;
const PAD = 2;
const BACKSLASH = 3;
const QUOTE = 0x22;

const CLASS = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') CLASS[c.charCodeAt(0)] = ALPHABET;
CLASS['='.charCodeAt(0)] = PAD;
CLASS['\\'.charCodeAt(0)] = BACKSLASH;

/** The definition: `json` is a JSON string whose value matches BASE64. */
export function isBase64JsonStringSlow(json: Buffer): boolean {
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return false;
  }
  return typeof value === 'string' && BASE64.test(value);
}

/**
 * Exactly isBase64JsonStringSlow, without decoding or parsing. Why a left-to-right scan is exact: until the
 * first backslash, the bytes inside the quotes are the value's characters themselves, so a byte that breaks
 * the pattern there (a quote, a control or non-ASCII byte, a character after padding, a third `=`) makes
 * the value or the JSON invalid whatever follows. A backslash starts an escape that may stand for anything:
 * only then is the value parsed.
 */
export function isBase64JsonString(json: Buffer): boolean {
  const span = literalSpan(json);
  if (span === null) return false;
  const end = span.end;
  let i = span.start;
  while (i < end && CLASS[json[i]!] === ALPHABET) i++;
  let pads = 0;
  for (; i < end; i++) {
    const kind = CLASS[json[i]!];
    if (kind === PAD && ++pads <= 2) continue;
    return kind === BACKSLASH ? isBase64JsonStringSlow(json) : false;
  }
  return true;
}

/** The bytes a JSON string accepted by isBase64JsonString stands for. */
export function decodeBase64JsonString(json: Buffer): Buffer {
  const span = literalSpan(json);
  if (span !== null && json.subarray(span.start, span.end).indexOf(0x5c) < 0) {
    return Buffer.from(json.toString('latin1', span.start, span.end), 'base64');
  }
  return Buffer.from(JSON.parse(json.toString('utf8')) as string, 'base64');
}

/** Where the content of a JSON string literal lies once JSON whitespace around it is skipped; null if `json` cannot be one. */
function literalSpan(json: Buffer): { start: number; end: number } | null {
  const { start, end } = jsonSpaceTrimmed(json);
  if (end - start < 2 || json[start] !== QUOTE || json[end - 1] !== QUOTE) return null;
  return { start: start + 1, end: end - 1 };
}
