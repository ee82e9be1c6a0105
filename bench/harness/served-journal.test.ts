import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JOURNAL_FILE, Journal } from '@remote-agent/executor';
import { silentLogger } from '@remote-agent/transport';
import { fillJournal } from './served-journal.js';

test('leaves a full journal that the executor reads back, each request with its result', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ra-served-'));
  try {
    const stateDir = join(root, 'state');
    await fillJournal(stateDir, 50);
    const file = join(stateDir, JOURNAL_FILE);
    assert.equal((await readFile(file, 'utf8')).trim().split('\n').length, 100);
    const journal = new Journal({ file, retain: 50, logger: silentLogger });
    try {
      assert.equal(journal.get('served-0')?.result?.outcome, 'exited');
      assert.equal(journal.get('served-49')?.result?.ok, true);
      assert.equal(journal.get('served-50'), undefined);
    } finally {
      journal.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
