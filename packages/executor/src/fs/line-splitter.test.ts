import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter, type LineSegment } from './line-splitter.js';

function splitAll(chunks: string[], maxSegmentChars?: number): LineSegment[] {
  const splitter = new LineSplitter(maxSegmentChars);
  return [...chunks.flatMap((c) => splitter.push(c)), ...splitter.end()];
}

const rejoin = (segments: LineSegment[]) => segments.map((s) => s.text + s.eol).join('');

describe('LineSplitter', () => {
  it('keeps each line break as it was, including a CRLF split across chunks', () => {
    const segments = splitAll(['one\r', '\ntwo\nthree\r\n', 'four']);
    assert.deepEqual(segments, [
      { text: 'one', eol: '\r\n', complete: true },
      { text: 'two', eol: '\n', complete: true },
      { text: 'three', eol: '\r\n', complete: true },
      { text: 'four', eol: '', complete: true },
    ]);
    assert.equal(rejoin(segments), 'one\r\ntwo\nthree\r\nfour');
  });

  it('does not invent an empty last line after a final line break, and keeps empty lines', () => {
    assert.deepEqual(
      splitAll(['a\n\nb\n']).map((s) => s.text),
      ['a', '', 'b'],
    );
    assert.deepEqual(splitAll(['']), []);
  });

  it('cuts a very long line into segments that complete only at its end', () => {
    const long = 'x'.repeat(25);
    const segments = splitAll([long.slice(0, 12), long.slice(12), '\r', '\nnext'], 10);
    assert.equal(segments.filter((s) => s.complete).length, 2);
    assert.ok(segments.some((s) => !s.complete));
    assert.ok(segments.every((s) => s.text.length <= 14));
    assert.equal(rejoin(segments), `${long}\r\nnext`);
  });

  it('keeps a CR at a segment cut with the LF that follows it', () => {
    const segments = splitAll(['abcdefghijklmno\r', '\n'], 5);
    assert.equal(rejoin(segments), 'abcdefghijklmno\r\n');
    assert.equal(segments.at(-1)?.eol, '\r\n');
  });

  it('finishes a line that ended in a partial segment at end of input', () => {
    const segments = splitAll(['y'.repeat(30)], 10);
    assert.equal(segments.at(-1)?.complete, true);
    assert.equal(rejoin(segments), 'y'.repeat(30));
  });
});
