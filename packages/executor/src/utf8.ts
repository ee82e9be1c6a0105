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

export interface WireText {
  data: string;
  encoding: 'utf8' | 'base64';
}

/** Text when the bytes are valid UTF-8, base64 otherwise, so binary output survives JSON intact. */
export function toWireText(buf: Buffer): WireText {
  return isUtf8(buf) ? { data: buf.toString('utf8'), encoding: 'utf8' } : { data: buf.toString('base64'), encoding: 'base64' };
}
