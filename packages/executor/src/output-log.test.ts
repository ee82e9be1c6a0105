import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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

function log(maxBytesPerStream = 1024 * 1024, retain = 10, maxTotalBytes = 1024 * 1024 * 1024): OutputLog {
  return new OutputLog({ dir, maxBytesPerStream, retain, maxTotalBytes, logger: silentLogger });
}

/** Every file in the log's folder with its size. */
function filesOnDisk(): Map<string, number> {
  return new Map(readdirSync(dir).map((name) => [name, statSync(join(dir, name)).size]));
}

/** The name a request's segment files start with, as OutputLog names it. */
function runName(requestId: string): string {
  return createHash('sha256').update(requestId).digest('hex').slice(0, 32);
}

/** The runs that have files on disk. */
function runsOnDisk(): Set<string> {
  return new Set(readdirSync(dir).map((name) => name.split('.')[0]!));
}

function bytesOnDisk(): number {
  return [...filesOnDisk().values()].reduce((a, b) => a + b, 0);
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
    const files = readdirSync(dir);
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
    assert.deepEqual(runsOnDisk(), new Set([runName('b'), runName('c')]));
  });

  test('survives a restart: a new instance reads the old logs', () => {
    const writer = log().open('req-1')!;
    writer.append('stdout', Buffer.from('kept'));
    writer.close();
    const again = log();
    assert.deepEqual(again.read('req-1', { stream: 'stdout' })?.data, 'kept');
    assert.equal(again.read('req-1', { stream: 'stdout' })?.complete, true);
  });

  test('keeps every run as files in one folder; a restart removes the run folders of the earlier layout', () => {
    const writer = log().open('req-1')!;
    writer.append('stdout', Buffer.from('out'));
    writer.append('stderr', Buffer.from('err'));
    writer.close();
    assert.deepEqual(readdirSync(dir).sort(), [`${runName('req-1')}.stderr.0.log`, `${runName('req-1')}.stdout.0.log`]);
    const oldRun = join(dir, runName('old'));
    mkdirSync(oldRun);
    writeFileSync(join(oldRun, 'stdout.0.log'), 'from an earlier version');
    writeFileSync(join(dir, 'notes.txt'), 'not ours');
    const again = log();
    assert.equal(again.read('old', { stream: 'stdout' }), null);
    assert.equal(again.read('req-1', { stream: 'stderr' })?.data, 'err');
    assert.equal(again.keptBytes, 6);
    assert.deepEqual(runsOnDisk(), new Set([runName('req-1'), 'notes']), 'the old folder is gone; a file not of the log stays');
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
    const off = new OutputLog({ dir: join(dir, 'off'), maxBytesPerStream: 0, retain: 10, maxTotalBytes: 1024, logger: silentLogger });
    assert.equal(off.keepsOutput, false);
    assert.equal(off.open('req-1'), null);
    assert.equal(off.read('req-1', { stream: 'stdout' }), null);
    assert.deepEqual(readdirSync(dir), [], 'not even its folder is made');
  });

  describe('the byte budget over all runs', () => {
    // 4 KiB per stream makes 1 KiB segments; the budget holds 10 of them.
    const budgetLog = (retain = 100) => log(4096, retain, 10 * 1024);
    const write = (output: OutputLog, id: string, stream: 'stdout' | 'stderr', bytes: number, fill = id) => {
      const writer = output.open(id)!;
      writer.append(stream, Buffer.alloc(bytes, fill));
      return writer;
    };

    test('removes the oldest segments of the oldest finished run first, keeping its newest output readable', () => {
      const output = budgetLog();
      void write(output, 'a', 'stdout', 4096).close();
      void write(output, 'b', 'stdout', 4096).close();
      assert.equal(output.keptBytes, 8192);
      void write(output, 'c', 'stdout', 3072).close();
      assert.ok(output.keptBytes <= 10 * 1024, `kept ${output.keptBytes}`);
      assert.equal(output.keptBytes, bytesOnDisk(), 'the count matches the files');
      const a = output.read('a', { stream: 'stdout', offset: 0, length: 4096 })!;
      assert.equal(a.totalBytes, 4096);
      assert.equal(a.discardedBytes, 1024, 'one segment of the oldest run made room');
      assert.equal(a.data, 'a'.repeat(3072));
      assert.equal(output.read('b', { stream: 'stdout' })?.discardedBytes, 0, 'the newer run is untouched');
      assert.equal(output.read('c', { stream: 'stdout' })?.data, 'c'.repeat(3072));
    });

    test('an old run down to its last segment per stream goes whole, and then reads as unknown', () => {
      const output = budgetLog();
      const first = output.open('a')!;
      first.append('stdout', Buffer.alloc(2048, 'o'));
      first.append('stderr', Buffer.alloc(1024, 'e'));
      void first.close();
      for (const id of ['b', 'c']) void write(output, id, 'stdout', 4096).close();
      assert.equal(output.read('a', { stream: 'stdout' })?.discardedBytes, 1024);
      assert.equal(output.read('a', { stream: 'stderr' })?.data, 'e'.repeat(1024), 'a last segment stays while the run is kept');
      void write(output, 'd', 'stdout', 1024).close();
      assert.equal(output.read('a', { stream: 'stdout' }), null);
      assert.equal(output.read('a', { stream: 'stderr' }), null);
      assert.ok(output.keptBytes <= 10 * 1024);
      assert.equal(output.keptBytes, bytesOnDisk());
      assert.equal(runsOnDisk().size, 3);
    });

    test('never cuts a run that is still writing, even past the budget', () => {
      const output = budgetLog();
      const running = output.open('running')!;
      running.append('stdout', Buffer.alloc(4096, 'r'));
      running.append('stderr', Buffer.alloc(4096, 's'));
      const next = output.open('next')!;
      next.append('stdout', Buffer.alloc(4096, 'n'));
      assert.equal(output.read('running', { stream: 'stdout', length: 4096 })?.data, 'r'.repeat(4096));
      assert.equal(output.read('running', { stream: 'stderr', length: 4096 })?.data, 's'.repeat(4096));
      assert.equal(output.keptBytes, 12 * 1024, 'over budget while both write');
      void running.close();
      void next.close();
      void write(output, 'later', 'stdout', 1024).close();
      assert.ok(output.keptBytes <= 10 * 1024, `kept ${output.keptBytes}`);
      assert.equal(output.keptBytes, bytesOnDisk());
      assert.equal(output.read('next', { stream: 'stdout' })?.discardedBytes, 0, 'the older finished run paid');
    });

    test('counts the logs it finds after a restart, and prunes them first', () => {
      const before = budgetLog();
      for (const id of ['a', 'b']) void write(before, id, 'stdout', 4096).close();
      // A restart orders runs by their files' times, which two runs in one millisecond share.
      for (const name of readdirSync(dir).filter((n) => n.startsWith(runName('a')))) {
        utimesSync(join(dir, name), new Date(1_000_000), new Date(1_000_000));
      }
      const after = budgetLog();
      assert.equal(after.keptBytes, 8192);
      void write(after, 'c', 'stdout', 4096).close();
      assert.ok(after.keptBytes <= 10 * 1024);
      assert.equal(after.keptBytes, bytesOnDisk());
      assert.ok(after.read('a', { stream: 'stdout' })!.discardedBytes > 0);
      assert.equal(after.read('c', { stream: 'stdout' })?.discardedBytes, 0);
    });

    test('makes room for what a write carries, not for the segment it may grow to', () => {
      // 16 KiB segments, 40 KiB in all: two runs of 15 KiB and a short third fit without removing anything.
      const output = log(64 * 1024, 100, 40 * 1024);
      for (const id of ['a', 'b']) void write(output, id, 'stdout', 15 * 1024).close();
      void write(output, 'c', 'stdout', 100).close();
      for (const id of ['a', 'b', 'c']) assert.equal(output.read(id, { stream: 'stdout' })?.discardedBytes, 0, id);
      assert.equal(output.keptBytes, 30 * 1024 + 100);
      void write(output, 'd', 'stdout', 12 * 1024).close();
      assert.equal(output.read('a', { stream: 'stdout' }), null, 'a single-segment run goes whole');
      assert.equal(output.read('b', { stream: 'stdout' })?.totalBytes, 15 * 1024);
      assert.equal(output.keptBytes, bytesOnDisk());
    });

    test('the count of runs and the rotation inside a run keep the byte count true', () => {
      const output = budgetLog(2);
      for (const id of ['a', 'b', 'c']) void write(output, id, 'stdout', 6144).close();
      assert.equal(output.read('a', { stream: 'stdout' }), null, 'beyond the retention count');
      assert.equal(output.read('c', { stream: 'stdout' })?.discardedBytes, 2048, 'rotated within its own bound');
      assert.equal(output.keptBytes, bytesOnDisk());
      assert.equal(output.keptBytes, 8192);
    });
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
