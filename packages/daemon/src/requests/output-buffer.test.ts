import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamName } from '@remote-agent/contracts';
import { CreditGranter } from './credit.js';
import { OutputBuffer } from './output-buffer.js';

function chunk(stream: StreamName, seq: number, offset: number, text: string) {
  return { stream, seq, offset, data: text, encoding: 'utf8' as const };
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

  it('decodes base64 chunks', () => {
    const out = new OutputBuffer(64);
    out.add({ stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('bin\n').toString('base64'), encoding: 'base64' });
    assert.equal(out.text('stdout'), 'bin\n');
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

describe('CreditGranter', () => {
  it('grants credit back in batches of half a window', () => {
    const grants: number[] = [];
    const credit = new CreditGranter(8, (n) => grants.push(n));
    for (let i = 0; i < 11; i++) credit.onChunkConsumed();
    assert.deepEqual(grants, [4, 4]);
  });

  it('grants after every chunk with a window of one', () => {
    const grants: number[] = [];
    const credit = new CreditGranter(1, (n) => grants.push(n));
    credit.onChunkConsumed();
    credit.onChunkConsumed();
    assert.deepEqual(grants, [1, 1]);
  });
});
