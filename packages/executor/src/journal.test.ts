import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { RequestResult } from '@remote-agent/contracts';
import { silentLogger } from '@remote-agent/transport';
import { Journal, MAX_JOURNAL_RESULT_BYTES } from './journal.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ra-journal-'));
  file = join(dir, 'journal.jsonl');
});
const opened: Journal[] = [];
afterEach(() => {
  for (const journal of opened.splice(0)) journal.close();
  rmSync(dir, { recursive: true, force: true });
});

function openJournal(): Journal {
  const journal = new Journal({ file, retain: 10, logger: silentLogger });
  opened.push(journal);
  return journal;
}

const done = (extra: Partial<RequestResult> = {}): RequestResult => ({
  kind: 'run',
  outcome: 'exited',
  ok: true,
  exitCode: 0,
  signal: null,
  durationMs: 5,
  ...extra,
});

function accept(journal: Journal, id: string): void {
  journal.accepted({ requestId: id, kind: 'run', daemonId: 'd', acceptedAt: 1 });
}

describe('Journal', () => {
  test('remembers accepted requests and results across instances', () => {
    const first = openJournal();
    accept(first, 'a');
    first.completed('a', done());
    accept(first, 'b');
    const second = openJournal();
    assert.deepEqual(second.get('a')?.result, done());
    assert.equal(second.get('b')?.result, null);
    const closed = second.closeUnfinished(() => done({ outcome: 'lost', ok: false, exitCode: null }));
    assert.deepEqual(
      closed.map((e) => e.requestId),
      ['b'],
    );
    assert.equal(openJournal().get('b')?.result?.outcome, 'lost');
  });

  test('forgets the oldest completed requests and compacts the file', () => {
    const journal = openJournal();
    for (let i = 0; i < 100; i++) {
      accept(journal, `r${i}`);
      journal.completed(`r${i}`, done());
    }
    assert.equal(journal.get('r0'), undefined);
    assert.ok(journal.get('r99'));
    const lines = readFileSync(file, 'utf8').trim().split('\n').length;
    assert.ok(lines <= 4 * 10 + 16 + 2, `${lines} lines`);
    const reloaded = openJournal();
    assert.ok(reloaded.get('r99')?.result);
    assert.equal(reloaded.get('r80'), undefined);
  });

  test('rewrites the file no more often than it appends the lines a rewrite writes', () => {
    const journal = openJournal();
    let inode = -1;
    let rewrites = -1;
    for (let i = 0; i < 200; i++) {
      accept(journal, `r${i}`);
      journal.completed(`r${i}`, done());
      // A rewrite renames a new file over the old one.
      const now = statSync(file).ino;
      if (now !== inode) rewrites++;
      inode = now;
    }
    // 400 lines appended. A rewrite leaves 20 (10 requests kept); the next waits until the file holds 2 x 20 + 16.
    assert.ok(rewrites >= 1 && rewrites <= Math.ceil(400 / 36), `${rewrites} rewrites`);
  });

  test('never forgets a request that is still running', () => {
    const journal = openJournal();
    accept(journal, 'long');
    for (let i = 0; i < 30; i++) {
      accept(journal, `r${i}`);
      journal.completed(`r${i}`, done());
    }
    assert.ok(journal.get('long'));
  });

  test('a record appended after a torn last line is not lost with it', () => {
    const first = openJournal();
    accept(first, 'a');
    first.close();
    appendFileSync(file, '{"t":"r","id":"a","resu');
    const second = openJournal();
    accept(second, 'b');
    second.completed('b', done());
    second.close();
    const third = openJournal();
    assert.equal(third.get('a')?.result, null);
    assert.deepEqual(third.get('b')?.result, done());
  });

  test('appends to the file it keeps open, and again after closing it', () => {
    const journal = openJournal();
    accept(journal, 'a');
    journal.close();
    journal.completed('a', done());
    journal.close();
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 2);
    assert.deepEqual(openJournal().get('a')?.result, done());
  });

  test('keeps an oversized payload out, saying how to get it', () => {
    const journal = openJournal();
    accept(journal, 'big');
    const kept = journal.completed('big', done({ outcome: 'done', result: 'x'.repeat(MAX_JOURNAL_RESULT_BYTES + 1) }));
    assert.equal(kept.result, undefined);
    assert.equal(kept.error?.code, 'TOO_LARGE');
    assert.match(kept.error?.message ?? '', /new request id/);
  });
});
