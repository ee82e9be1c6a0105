import { isUtf8 } from 'node:buffer';

/**
 * Number of bytes at the end of `buf` that start a UTF-8 sequence which is not complete yet (0-3).
 * Output arrives from pipes in arbitrary pieces, so a character can be split across two reads.
 */
export function incompleteUtf8Tail(buf: Uint8Array): number {
  const max = Math.min(3, buf.length);
  for (let i = 1; i <= max; i++) {
    const byte = buf[buf.length - i]!;
    if ((byte & 0xc0) === 0x80) continue;
    if (byte < 0xc0) return 0;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return needed > i ? i : 0;
  }
  return 0;
}

/**
 * Where to cut `buf` so the first part holds at most `max` bytes without splitting a UTF-8 character.
 * Binary data has no boundaries to respect; the cut then falls at `max`.
 */
export function utf8SafeCut(buf: Uint8Array, max: number): number {
  if (buf.length <= max) return buf.length;
  let cut = max;
  while (cut > max - 3 && cut > 0 && (buf[cut]! & 0xc0) === 0x80) cut--;
  return cut > 0 && (buf[cut]! & 0xc0) !== 0x80 ? cut : max;
}

export interface WireText {
  data: string;
  encoding: 'utf8' | 'base64';
}

/** Text when the bytes are valid UTF-8, base64 otherwise, so binary output survives JSON intact. */
export function toWireText(buf: Buffer): WireText {
  return isUtf8(buf) ? { data: buf.toString('utf8'), encoding: 'utf8' } : { data: buf.toString('base64'), encoding: 'base64' };
}
