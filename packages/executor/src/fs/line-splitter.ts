/**
 * Splits decoded text into lines as it streams in, keeping each line's own break ("\n" or "\r\n") so
 * that joining text + eol gives back the exact input. A line longer than `maxSegmentChars` comes out
 * in several segments, so one huge line never has to sit in memory whole.
 */
export interface LineSegment {
  /** The text, without the line break. */
  text: string;
  /** The break that ends the line, or '' when the line continues in the next segment or ends the file. */
  eol: '' | '\n' | '\r\n';
  /** True when this segment finishes its line. */
  complete: boolean;
}

export const DEFAULT_MAX_SEGMENT_CHARS = 1024 * 1024;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

export class LineSplitter {
  private pending = '';
  private midLine = false;

  constructor(private readonly maxSegmentChars = DEFAULT_MAX_SEGMENT_CHARS) {}

  push(text: string): LineSegment[] {
    const out: LineSegment[] = [];
    const buffer = this.pending + text;
    let start = 0;
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n', start)) {
      const crlf = nl > start && buffer.charCodeAt(nl - 1) === 0x0d;
      out.push({ text: buffer.slice(start, crlf ? nl - 1 : nl), eol: crlf ? '\r\n' : '\n', complete: true });
      this.midLine = false;
      start = nl + 1;
    }
    this.pending = buffer.slice(start);
    if (this.pending.length > this.maxSegmentChars) {
      // Hold back a trailing "\r" (it may be half of a "\r\n") and a lone high surrogate (half of a pair).
      let cut = this.pending.length;
      if (this.pending.charCodeAt(cut - 1) === 0x0d) cut--;
      if (cut > 0 && isHighSurrogate(this.pending.charCodeAt(cut - 1))) cut--;
      out.push({ text: this.pending.slice(0, cut), eol: '', complete: false });
      this.pending = this.pending.slice(cut);
      this.midLine = true;
    }
    return out;
  }

  end(): LineSegment[] {
    if (this.pending.length === 0 && !this.midLine) return [];
    const last: LineSegment = { text: this.pending, eol: '', complete: true };
    this.pending = '';
    this.midLine = false;
    return [last];
  }
}
