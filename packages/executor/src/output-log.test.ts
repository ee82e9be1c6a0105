import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { silentLogger } from '@remote-agent/transport';
import { OutputLog } from './output-log.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ra-output-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function log(maxBytesPerStream = 1024 * 1024, retain = 10): OutputLog {
  return new OutputLog({ dir, maxBytesPerStream, retain, logger: silentLogger });
}

describe('OutputLog', () => {
  test('reads by offset and length across writes, and reports completeness', () => {
    const output = log();
    const writer = output.open('req-1')!;
    writer.append('stdout', Buffer.from('hello '));
    writer.append('stdout', Buffer.from('world'));
    writer.append('stderr', Buffer.from('warn'));
    const partial = output.read('req-1', { stream: 'stdout', offset: 3, length: 5 });
    assert.deepEqual(partial, {
      stream: 'stdout',
      data: 'lo wo',
      encoding: 'utf8',
      offset: 3,
      nextOffset: 8,
      totalBytes: 11,
      discardedBytes: 0,
      complete: false,
    });
    writer.close();
    assert.equal(output.read('req-1', { stream: 'stdout', offset: 8 })?.complete, true);
    assert.equal(output.read('req-1', { stream: 'stderr' })?.data, 'warn');
    assert.equal(output.read('other', { stream: 'stdout' }), null);
  });

  test('tail lines ignore a final newline and stop at the requested count', () => {
    const output = log();
    const writer = output.open('req-1')!;
    writer.append('stdout', Buffer.from('one\ntwo\nthree\nfour\n'));
    writer.close();
    assert.equal(output.read('req-1', { stream: 'stdout', tailLines: 2 })?.data, 'three\nfour\n');
    assert.equal(output.read('req-1', { stream: 'stdout', tailLines: 10 })?.data, 'one\ntwo\nthree\nfour\n');
    const tail = output.read('req-1', { stream: 'stdout', tailLines: 1 });
    assert.equal(tail?.data, 'four\n');
    assert.equal(tail?.offset, 14);
  });

  test('rotates old bytes away to stay within the bound, and says how many are gone', () => {
    const output = log(1024);
    const writer = output.open('req-1')!;
    const line = (i: number) => `line ${String(i).padStart(4, '0')}\n`;
    for (let i = 0; i < 300; i++) writer.append('stdout', Buffer.from(line(i)));
    writer.close();
    const everything = Array.from({ length: 300 }, (_, i) => line(i)).join('');
    const total = everything.length;
    const first = output.read('req-1', { stream: 'stdout', offset: 0, length: 20 })!;
    assert.equal(first.totalBytes, total);
    assert.ok(first.discardedBytes > 0);
    assert.ok(total - first.discardedBytes <= 1024, `kept ${total - first.discardedBytes} bytes`);
    assert.ok(total - first.discardedBytes >= 768);
    assert.equal(first.offset, first.discardedBytes);
    assert.equal(first.data, everything.slice(first.discardedBytes, first.discardedBytes + 20));
    assert.equal(output.read('req-1', { stream: 'stdout', tailLines: 3 })?.data, line(297) + line(298) + line(299));
    assert.equal(output.read('req-1', { stream: 'stdout', tailLines: 1000 })?.offset, first.discardedBytes);
    const files = readdirSync(join(dir, readdirSync(dir)[0]!));
    assert.ok(files.length <= 5, files.join(','));
  });

  test('keeps only the newest logs beyond the retention count', () => {
    const output = log(1024, 2);
    for (const id of ['a', 'b', 'c']) {
      const writer = output.open(id)!;
      writer.append('stdout', Buffer.from(id));
      writer.close();
    }
    assert.equal(output.read('a', { stream: 'stdout' }), null);
    assert.equal(output.read('b', { stream: 'stdout' })?.data, 'b');
    assert.equal(output.read('c', { stream: 'stdout' })?.data, 'c');
    assert.equal(readdirSync(dir).length, 2);
  });

  test('survives a restart: a new instance reads the old logs', () => {
    const writer = log().open('req-1')!;
    writer.append('stdout', Buffer.from('kept'));
    writer.close();
    const again = log();
    assert.deepEqual(again.read('req-1', { stream: 'stdout' })?.data, 'kept');
    assert.equal(again.read('req-1', { stream: 'stdout' })?.complete, true);
  });

  test('does not cut a character in half at the end of a read; binary reads come as base64', () => {
    const output = log();
    const writer = output.open('req-1')!;
    writer.append('stdout', Buffer.from('a€b'));
    writer.append('stderr', Buffer.from([0xff, 0xfe]));
    writer.close();
    const read = output.read('req-1', { stream: 'stdout', offset: 0, length: 3 })!;
    assert.equal(read.data, 'a');
    assert.equal(read.nextOffset, 1);
    assert.equal(output.read('req-1', { stream: 'stderr' })?.encoding, 'base64');
  });

  test('keeps nothing on disk when its size is 0, and says so by reading nothing', () => {
    const off = new OutputLog({ dir: join(dir, 'off'), maxBytesPerStream: 0, retain: 10, logger: silentLogger });
    assert.equal(off.keepsOutput, false);
    assert.equal(off.open('req-1'), null);
    assert.equal(off.read('req-1', { stream: 'stdout' }), null);
    assert.deepEqual(readdirSync(dir), [], 'not even its folder is made');
  });

  describe('bulk writes on the thread pool', () => {
    const block = (fill: string, bytes = 48 * 1024) => Buffer.alloc(bytes, fill);

    test('keep append order across bulk and small appends; a flushed log reads every byte', async () => {
      const output = log(8 * 1024 * 1024);
      const writer = output.open('req-1')!;
      writer.append('stdout', block('a'));
      writer.append('stdout', Buffer.from('-small-'));
      writer.append('stderr', block('e', 20 * 1024));
      writer.append('stdout', block('b'));
      await output.flushed('req-1');
      const expected = block('a').toString() + '-small-' + block('b').toString();
      const read = output.read('req-1', { stream: 'stdout', length: expected.length })!;
      assert.equal(read.totalBytes, expected.length);
      assert.equal(read.data, expected);
      assert.equal(read.complete, false, 'still open');
      assert.equal(output.read('req-1', { stream: 'stderr' })?.totalBytes, 20 * 1024);
    });

    test('close waits for queued bytes; only then is the log complete', async () => {
      const output = log(8 * 1024 * 1024);
      const writer = output.open('req-1')!;
      for (let i = 0; i < 8; i++) writer.append('stdout', block(String(i)));
      const closed = writer.close();
      writer.append('stdout', Buffer.from('after close'));
      await closed;
      const read = output.read('req-1', { stream: 'stdout', offset: 7 * 48 * 1024 })!;
      assert.equal(read.totalBytes, 8 * 48 * 1024, 'nothing appended after close');
      assert.equal(read.data, block('7').toString());
      assert.equal(read.complete, true);
    });

    test('ask the producer to pause beyond the queue bound and let it go on once the disk caught up', async () => {
      const writer = log(64 * 1024 * 1024).open('req-1')!;
      const bound = 4 * 1024 * 1024;
      let appended = 0;
      while (writer.hasRoom() && appended < 4 * bound) {
        writer.append('stdout', block('x', 256 * 1024));
        appended += 256 * 1024;
      }
      assert.equal(writer.hasRoom(), false, `no pause after ${appended} bytes`);
      assert.ok(appended >= bound, `paused after ${appended} bytes`);
      await writer.waitForRoom();
      assert.equal(writer.hasRoom(), true);
      await writer.close();
    });

    test('rotate bulk writes within the bound like small ones', async () => {
      const output = log(128 * 1024);
      const writer = output.open('req-1')!;
      for (let i = 0; i < 10; i++) writer.append('stdout', block(String(i), 40 * 1024));
      await writer.close();
      const read = output.read('req-1', { stream: 'stdout', tailLines: 1 })!;
      assert.equal(read.totalBytes, 400 * 1024);
      assert.ok(read.discardedBytes >= 400 * 1024 - 128 * 1024, `discarded ${read.discardedBytes}`);
      assert.ok(read.discardedBytes < 400 * 1024 - 64 * 1024, `discarded ${read.discardedBytes}`);
      assert.equal(read.data.slice(-40 * 1024), block('9', 40 * 1024).toString());
    });

    test('a failing disk stops the log and releases whoever waits, never the producer', async () => {
      const output = log(64 * 1024 * 1024);
      const writer = output.open('req-1')!;
      rmSync(dir, { recursive: true, force: true });
      for (let i = 0; i < 40; i++) writer.append('stdout', block('x', 256 * 1024));
      assert.equal(writer.hasRoom(), true, 'a failed log holds nothing back');
      await writer.waitForRoom();
      await writer.close();
      assert.equal(output.read('req-1', { stream: 'stdout' })?.totalBytes ?? 0, 0);
    });
  });
});
