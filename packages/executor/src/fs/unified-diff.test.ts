import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePatch } from 'diff';
import { unifiedDiff } from './unified-diff.js';

describe('unifiedDiff', () => {
  it('gives real line numbers for a small change deep in a large file', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i + 1}\n`);
    const before = lines.join('');
    const after = before.replace('line 15000\n', 'changed\n');
    const { diff, truncated } = unifiedDiff('/f.txt', before, after, 64 * 1024);
    assert.equal(truncated, false);
    const [patch] = parsePatch(diff);
    assert.equal(patch?.hunks.length, 1);
    assert.equal(patch?.hunks[0]?.oldStart, 14997);
    assert.equal(patch?.hunks[0]?.newStart, 14997);
    assert.deepEqual(patch?.hunks[0]?.lines, [' line 14997', ' line 14998', ' line 14999', '-line 15000', '+changed', ' line 15001', ' line 15002', ' line 15003']);
  });

  it('keeps separate hunks for changes far apart', () => {
    const before = Array.from({ length: 100 }, (_, i) => `${i}\n`).join('');
    const after = before.replace('\n10\n', '\nten\n').replace('\n90\n', '\nninety\n');
    const [patch] = parsePatch(unifiedDiff('f', before, after, 64 * 1024).diff);
    assert.deepEqual(
      patch?.hunks.map((h) => h.oldStart),
      [8, 88],
    );
  });

  it('marks a missing newline at the end of the file', () => {
    assert.match(unifiedDiff('f', 'a\nb', 'a\nc', 1024).diff, /\\ No newline at end of file/);
  });

  it('is empty when nothing changed', () => {
    assert.deepEqual(unifiedDiff('f', 'same\n', 'same\n', 1024), { diff: '', truncated: false });
  });

  it('cuts a long diff at a line boundary and flags it', () => {
    const before = Array.from({ length: 2000 }, (_, i) => `old ${i}\n`).join('');
    const after = Array.from({ length: 2000 }, (_, i) => `new ${i}\n`).join('');
    const { diff, truncated } = unifiedDiff('f', before, after, 4096);
    assert.equal(truncated, true);
    assert.ok(Buffer.byteLength(diff) <= 4096);
    assert.ok(diff.endsWith('\n'));
  });
});
