import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import type { RequestView } from '../core-api.js';
import { InMemoryRequestJournal, SqliteRequestJournal, type RequestJournal } from './journal.js';

function completedView(requestId: string, createdAt: number, stdout = 'out\n'): RequestView {
  return {
    requestId,
    executorId: 'a',
    kind: 'run',
    state: 'completed',
    outcome: 'exited',
    ok: true,
    exitCode: 0,
    signal: null,
    stdout,
    stderr: '',
    stdoutBytes: Buffer.byteLength(stdout),
    stderrBytes: 0,
    truncated: false,
    createdAt,
    startedAt: createdAt + 1,
    completedAt: createdAt + 2,
    durationMs: 1,
    result: { nested: [1, 2] },
  };
}

function exercise(name: string, open: (retain: number) => Promise<RequestJournal>): void {
  describe(name, () => {
    it('keeps submitted and completed requests, oldest first', async () => {
      const journal = await open(10);
      journal.recordSubmitted({ requestId: 'r1', executorId: 'a', kind: 'run', createdAt: 1 });
      journal.recordSubmitted({ requestId: 'r2', executorId: 'b', kind: 'fs.read', createdAt: 2 });
      journal.recordCompleted(completedView('r1', 1));
      assert.deepEqual(journal.load(), [
        { requestId: 'r1', executorId: 'a', kind: 'run', createdAt: 1, completed: completedView('r1', 1) },
        { requestId: 'r2', executorId: 'b', kind: 'fs.read', createdAt: 2, completed: null },
      ]);
      journal.close();
    });

    it('forgets the oldest completed requests past retain, never one in flight', async () => {
      const journal = await open(2);
      journal.recordSubmitted({ requestId: 'busy', executorId: 'a', kind: 'run', createdAt: 0 });
      for (const id of ['c1', 'c2', 'c3']) journal.recordCompleted(completedView(id, Number(id.slice(1))));
      assert.deepEqual(journal.load().map((e) => e.requestId), ['busy', 'c2', 'c3']);
      journal.close();
    });
  });
}

exercise('InMemoryRequestJournal', (retain) => Promise.resolve(new InMemoryRequestJournal(retain)));

describe('SqliteRequestJournal', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ra-journal-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  let n = 0;
  exercise('SqliteRequestJournal (fresh file)', async (retain) => {
    const sub = join(dir, `fresh-${++n}`);
    await mkdir(sub);
    return SqliteRequestJournal.open(sub, retain);
  });

  it('survives a reopen, and keeps pruning by completion order across it', async () => {
    const first = await SqliteRequestJournal.open(dir, 2);
    first.recordCompleted(completedView('old', 1));
    first.recordSubmitted({ requestId: 'live', executorId: 'a', kind: 'run', createdAt: 2 });
    first.close();
    const second = await SqliteRequestJournal.open(dir, 2);
    assert.deepEqual(second.load().map((e) => [e.requestId, e.completed?.stdout ?? null]), [
      ['old', 'out\n'],
      ['live', null],
    ]);
    second.recordCompleted(completedView('live', 2, 'done\n'));
    second.recordCompleted(completedView('new', 3));
    assert.deepEqual(second.load().map((e) => [e.requestId, e.completed?.stdout ?? null]), [
      ['live', 'done\n'],
      ['new', 'out\n'],
    ]);
    second.close();
  });

  it('fails with what to do when the file is not a database', async () => {
    const bad = join(dir, 'bad');
    await mkdir(bad);
    await writeFile(join(bad, 'requests.db'), 'not a database at all, just text that fills a page '.repeat(100));
    await assert.rejects(
      SqliteRequestJournal.open(bad, 10),
      (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.InvalidConfig && /DAEMON_STATE_DIR/.test(err.message),
    );
  });
});
