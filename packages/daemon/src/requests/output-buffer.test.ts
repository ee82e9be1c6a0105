import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamName } from '@remote-agent/contracts';
import { OutputCredit } from './credit.js';
import { OutputBuffer } from './output-buffer.js';

function chunk(stream: StreamName, seq: number, offset: number, text: string) {
  return { stream, seq, offset, data: Buffer.from(text) };
}

describe('OutputBuffer', () => {
  it('keeps the streams apart and in order', () => {
    const out = new OutputBuffer(1024);
    assert.equal(out.add(chunk('stdout', 0, 0, 'hel')).verdict, 'appended');
    out.add(chunk('stderr', 1, 0, 'oops'));
    out.add(chunk('stdout', 2, 3, 'lo'));
    assert.equal(out.text('stdout'), 'hello');
    assert.equal(out.text('stderr'), 'oops');
    assert.equal(out.bytes('stdout'), 5);
    assert.equal(out.truncated, false);
  });

  it('caps what it holds per stream and says so, while counting every byte', () => {
    const out = new OutputBuffer(4);
    out.add(chunk('stdout', 0, 0, 'abc'));
    out.add(chunk('stdout', 1, 3, 'defgh'));
    out.add(chunk('stderr', 2, 0, 'xy'));
    assert.equal(out.text('stdout'), 'abcd');
    assert.equal(out.text('stderr'), 'xy');
    assert.equal(out.bytes('stdout'), 8);
    assert.equal(out.truncated, true);
  });

  it('joins a UTF-8 character split across two chunks', () => {
    const out = new OutputBuffer(64);
    const euro = Buffer.from('€\n');
    out.add({ stream: 'stdout', seq: 0, offset: 0, data: euro.subarray(0, 1) });
    out.add({ stream: 'stdout', seq: 1, offset: 1, data: euro.subarray(1) });
    assert.equal(out.text('stdout'), '€\n');
  });

  it('ignores a repeated chunk and counts no credit for it', () => {
    const out = new OutputBuffer(64);
    out.add(chunk('stdout', 0, 0, 'one'));
    const again = out.add(chunk('stdout', 0, 0, 'one'));
    assert.deepEqual(again, { verdict: 'duplicate', chunks: 0 });
    assert.equal(out.text('stdout'), 'one');
  });

  it('flags a lost chunk as a gap and the output as truncated', () => {
    const out = new OutputBuffer(64);
    out.add(chunk('stdout', 0, 0, 'aa'));
    const after = out.add(chunk('stdout', 2, 4, 'cc'));
    assert.deepEqual(after, { verdict: 'gap', chunks: 2 }, 'the lost chunk used credit too');
    assert.equal(out.truncated, true);
  });

  it('notices a chunk lost from the other stream by its seq', () => {
    const out = new OutputBuffer(64);
    out.add(chunk('stdout', 0, 0, 'a'));
    assert.equal(out.add(chunk('stdout', 2, 1, 'b')).verdict, 'gap');
  });

  it('is truncated when the final totals exceed what arrived', () => {
    const out = new OutputBuffer(64);
    out.add(chunk('stdout', 0, 0, 'abc'));
    out.finish({ stdoutBytes: 3, stderrBytes: 0 });
    assert.equal(out.truncated, false);
    out.finish({ stdoutBytes: 10 });
    assert.equal(out.truncated, true);
    assert.equal(out.bytes('stdout'), 10);
  });
});

describe('OutputBuffer holes', () => {
  it('lists a hole and the missing tail, and fill closes them so the text is whole again', () => {
    const out = new OutputBuffer(64);
    out.add(chunk('stdout', 0, 0, 'aa'));
    out.add(chunk('stdout', 2, 4, 'cc'));
    out.finish({ stdoutBytes: 8 });
    assert.deepEqual(out.missing(), [
      { stream: 'stdout', start: 2, end: 4 },
      { stream: 'stdout', start: 6, end: 8 },
    ]);
    assert.equal(out.text('stdout'), 'aacc');
    out.fill('stdout', 2, Buffer.from('bb'));
    out.fill('stdout', 6, Buffer.from('dd'));
    assert.deepEqual(out.missing(), []);
    assert.equal(out.text('stdout'), 'aabbccdd');
    assert.equal(out.truncated, false);
  });

  it('does not count what lies past the cap as missing', () => {
    const out = new OutputBuffer(3);
    out.add(chunk('stdout', 0, 0, 'a'));
    out.add(chunk('stdout', 2, 5, 'zz'));
    assert.deepEqual(out.missing(), [{ stream: 'stdout', start: 1, end: 3 }]);
    out.fill('stdout', 1, Buffer.from('bcde'));
    assert.equal(out.text('stdout'), 'abc');
    assert.deepEqual(out.missing(), []);
    assert.equal(out.truncated, true, 'still over the cap');
  });

  it('accepts a late chunk into its hole instead of calling it a duplicate', () => {
    const out = new OutputBuffer(64);
    out.add(chunk('stdout', 0, 0, 'a'));
    out.add(chunk('stdout', 2, 2, 'c'));
    assert.equal(out.add(chunk('stdout', 1, 1, 'b')).verdict, 'appended');
    assert.equal(out.text('stdout'), 'abc');
    assert.equal(out.truncated, false);
  });

  it('markSent settles chunks that were sent but never arrived', () => {
    const out = new OutputBuffer(64);
    out.add(chunk('stdout', 0, 0, 'a'));
    assert.equal(out.markSent(4), true);
    assert.equal(out.settledChunks, 4);
    assert.equal(out.markSent(2), false);
    assert.equal(out.settledChunks, 4);
  });
});

describe('OutputCredit', () => {
  it('moves the grant forward in steps of half a window', () => {
    const grants: number[] = [];
    const credit = new OutputCredit(8, (through) => grants.push(through));
    for (let settled = 1; settled <= 11; settled++) credit.onProgress(settled);
    assert.deepEqual(grants, [12, 16]);
  });

  it('grants after every chunk with a window of one', () => {
    const grants: number[] = [];
    const credit = new OutputCredit(1, (through) => grants.push(through));
    credit.onProgress(1);
    credit.onProgress(2);
    assert.deepEqual(grants, [2, 3]);
  });

  it('resends the current grant, never moving it back', () => {
    const grants: number[] = [];
    const credit = new OutputCredit(8, (through) => grants.push(through));
    credit.onProgress(4);
    credit.resend(4);
    credit.resend(2);
    credit.resend(6);
    assert.deepEqual(grants, [12, 12, 12, 14]);
  });
});
