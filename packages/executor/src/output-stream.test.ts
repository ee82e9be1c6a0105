import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '@remote-agent/transport';
import { OutputStream, type OutputChunk } from './output-stream.js';

function text(chunk: OutputChunk): string {
  return chunk.data.toString('utf8');
}

function collect(window: number, chunkBytes: number): { stream: OutputStream; sent: OutputChunk[] } {
  const sent: OutputChunk[] = [];
  return { stream: new OutputStream({ window, chunkBytes, send: (chunk) => sent.push(chunk) }), sent };
}

describe('OutputStream', () => {
  test('numbers chunks over both streams and keeps per-stream offsets', () => {
    const { stream, sent } = collect(10, 100);
    stream.write('stdout', Buffer.from('abc'));
    stream.write('stderr', Buffer.from('E'));
    stream.write('stdout', Buffer.from('de'));
    assert.deepEqual(
      sent.map((c) => [c.stream, c.seq, c.offset, text(c)]),
      [
        ['stdout', 0, 0, 'abc'],
        ['stderr', 1, 0, 'E'],
        ['stdout', 2, 3, 'de'],
      ],
    );
    assert.deepEqual(stream.stats(), { stdoutBytes: 5, stderrBytes: 1, chunks: 3 });
  });

  test('splits large writes into chunks of at most chunkBytes', () => {
    const { stream, sent } = collect(100, 4);
    stream.write('stdout', Buffer.from('0123456789'));
    assert.deepEqual(
      sent.map(text),
      ['0123', '4567', '89'],
    );
  });

  test('stops at zero credit, holds the rest, and resumes on grant', async () => {
    const { stream, sent } = collect(2, 4);
    assert.equal(stream.write('stdout', Buffer.from('aaaabbbbccccdddd')), false);
    assert.equal(sent.length, 2);
    let roomAvailable = false;
    const room = stream.waitForRoom().then(() => (roomAvailable = true));
    await Promise.resolve();
    assert.equal(roomAvailable, false);
    stream.grant(1);
    assert.equal(sent.length, 3);
    assert.equal(roomAvailable, false);
    stream.grant(5);
    await room;
    assert.deepEqual(
      sent.map(text),
      ['aaaa', 'bbbb', 'cccc', 'dddd'],
    );
    assert.equal(stream.hasRoom(), true);
  });

  test('end() waits for credit to send what is held', async () => {
    const { stream, sent } = collect(1, 2);
    stream.write('stdout', Buffer.from('abcd'));
    let ended = false;
    const end = stream.end().then(() => (ended = true));
    await Promise.resolve();
    assert.equal(ended, false);
    stream.grant(1);
    await end;
    assert.deepEqual(
      sent.map(text),
      ['ab', 'cd'],
    );
  });

  test('chunks are base64 of their bytes, cut anywhere: a split character is whole again once joined', () => {
    const { stream, sent } = collect(100, 4);
    const bytes = Buffer.from('aé€𝄞b');
    stream.write('stdout', bytes.subarray(0, 5));
    stream.write('stdout', bytes.subarray(5));
    assert.ok(sent.every((c) => c.data.length <= 4));
    assert.deepEqual(Buffer.concat(sent.map((c) => c.data)), bytes);
    assert.deepEqual(
      sent.map((c) => c.offset),
      [0, 4, 5, 9],
    );
  });

  test('binary bytes survive', () => {
    const { stream, sent } = collect(10, 100);
    stream.write('stdout', Buffer.from([0xff, 0x00, 0x41]));
    assert.deepEqual([...sent[0]!.data], [0xff, 0x00, 0x41]);
  });

  test('abort drops what is held, releases waiters, and still counts bytes', async () => {
    const { stream, sent } = collect(1, 2);
    stream.write('stdout', Buffer.from('abcdef'));
    const room = stream.waitForRoom();
    const end = stream.end();
    stream.abort();
    await Promise.all([room, end]);
    assert.equal(sent.length, 1);
    assert.equal(stream.write('stdout', Buffer.from('more')), true);
    assert.equal(stream.stats().stdoutBytes, 10);
  });

  test('absolute credit is idempotent: an old or repeated grant changes nothing', () => {
    const { stream, sent } = collect(1, 1);
    stream.write('stdout', Buffer.from('abcdef'));
    assert.equal(sent.length, 1);
    stream.grantThrough(3);
    assert.equal(sent.length, 3);
    stream.grantThrough(3);
    stream.grantThrough(2);
    assert.equal(sent.length, 3);
    stream.grantThrough(6);
    assert.deepEqual(
      sent.map((c) => c.seq),
      [0, 1, 2, 3, 4, 5],
    );
  });

  test('says where it stands after waiting for credit, again at the interval, and stops once credit comes', () => {
    const clock = new ManualClock();
    const sent: OutputChunk[] = [];
    const nudges: number[] = [];
    const stream = new OutputStream({
      window: 2,
      chunkBytes: 1,
      send: (chunk) => sent.push(chunk),
      stall: { clock, afterMs: 100, onStalled: (n) => nudges.push(n) },
    });
    stream.write('stdout', Buffer.from('abc'));
    clock.advance(99);
    assert.deepEqual(nudges, []);
    clock.advance(1);
    assert.deepEqual(nudges, [2]);
    clock.advance(100);
    assert.deepEqual(nudges, [2, 2]);
    stream.grantThrough(3);
    clock.advance(1_000);
    assert.deepEqual(nudges, [2, 2], 'no nudge while nothing waits');
    assert.equal(sent.length, 3);
  });

  test('no nudge after abort', () => {
    const clock = new ManualClock();
    const nudges: number[] = [];
    const stream = new OutputStream({ window: 1, chunkBytes: 1, send: () => undefined, stall: { clock, afterMs: 10, onStalled: (n) => nudges.push(n) } });
    stream.write('stdout', Buffer.from('ab'));
    stream.abort();
    clock.advance(100);
    assert.deepEqual(nudges, []);
  });
});
