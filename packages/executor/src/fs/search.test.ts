import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, FsSearchResultSchema, FS_RESULT_BUDGET_BYTES, FS_SEARCH_MAX_LINE_CHARS } from '@remote-agent/contracts';
import { fsSearch } from './search.js';
import { encodeText } from './text-codec.js';
import { makeTempDir, rejectsWith, writeTree } from './temp-tree.test.util.js';

describe('fsSearch', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await makeTempDir());
    await writeTree(dir, {
      'src/app.ts': 'import x from "y";\nconst TODO = 1;\n// todo: later\nexport default TODO;\n',
      'src/lib/util.py': 'def helper():\n    return "TODO"\n',
      'node_modules/pkg/index.js': 'const TODO = "vendored";\n',
      '.git/config': 'TODO in git\n',
      '.github/ci.yml': 'name: TODO\n',
      'image.bin': Buffer.concat([Buffer.from('TODO'), Buffer.from([0, 1, 2, 3])]),
      'notes.txt': 'a.b\naxb\n',
    });
  });
  afterEach(() => remove());

  const search = async (params: Parameters<typeof fsSearch>[0]) => FsSearchResultSchema.parse(await fsSearch(params, { workDir: dir }));
  const where = (r: { matches: Array<{ path: string; line: number }> }) => r.matches.map((m) => `${m.path}:${m.line}`);

  it('finds matches with path, line and column, skipping node_modules, .git, hidden and binary files', async () => {
    const r = await search({ pattern: 'TODO' });
    assert.deepEqual(where(r), ['src/app.ts:2', 'src/app.ts:4', 'src/lib/util.py:2']);
    assert.equal(r.matches[0]?.column, 7);
    assert.equal(r.matches[0]?.text, 'const TODO = 1;');
    assert.equal(r.filesSkipped, 1, 'the binary file');
    assert.equal(r.filesSearched, 3);
    assert.equal(r.truncated, false);
  });

  it('searches node_modules and .git when asked, and hidden folders with hidden', async () => {
    const r = await search({ pattern: 'TODO', skipDefaultDirs: false, hidden: true });
    assert.deepEqual(where(r), ['.git/config:1', '.github/ci.yml:1', 'node_modules/pkg/index.js:1', 'src/app.ts:2', 'src/app.ts:4', 'src/lib/util.py:2']);
  });

  it('is case-insensitive on request', async () => {
    const r = await search({ pattern: 'todo', caseSensitive: false, include: ['*.ts'] });
    assert.deepEqual(where(r), ['src/app.ts:2', 'src/app.ts:3', 'src/app.ts:4']);
  });

  it('treats the pattern as a regex by default, and literally with regex: false', async () => {
    assert.deepEqual(where(await search({ pattern: 'a.b', include: ['notes.txt'] })), ['notes.txt:1', 'notes.txt:2']);
    assert.deepEqual(where(await search({ pattern: 'a.b', regex: false, include: ['notes.txt'] })), ['notes.txt:1']);
    assert.deepEqual(where(await search({ pattern: 'def \\w+\\(' })), ['src/lib/util.py:1']);
  });

  it('filters files with include and exclude globs', async () => {
    assert.deepEqual(where(await search({ pattern: 'TODO', include: ['*.py'] })), ['src/lib/util.py:2']);
    assert.deepEqual(where(await search({ pattern: 'TODO', exclude: ['lib'] })), ['src/app.ts:2', 'src/app.ts:4']);
  });

  it('returns context lines before and after', async () => {
    const r = await search({ pattern: 'todo:', contextLines: 1 });
    assert.deepEqual(r.matches[0]?.before, ['const TODO = 1;']);
    assert.deepEqual(r.matches[0]?.after, ['export default TODO;']);
  });

  it('stops at maxResults and says so', async () => {
    await writeTree(dir, { 'many.txt': 'hit\n'.repeat(50) });
    const r = await search({ pattern: 'hit', maxResults: 10 });
    assert.equal(r.matches.length, 10);
    assert.equal(r.truncated, true);
    assert.match(r.notice ?? '', /maxResults/);
  });

  it('stops at the result size cap, and says so, when lines are long', async () => {
    await writeTree(dir, { 'wide.txt': `${'"hit"'.repeat(200)}\n`.repeat(1000) });
    const r = await search({ pattern: 'hit', maxResults: 1000, include: ['wide.txt'], contextLines: 2 });
    assert.equal(r.truncated, true);
    assert.ok(r.matches.length < 1000);
    assert.ok(Buffer.byteLength(JSON.stringify(r)) <= FS_RESULT_BUDGET_BYTES + 1024);
    assert.match(r.notice ?? '', /size cap/);
  });

  it('cuts a long matching line around the match and flags it', async () => {
    await writeTree(dir, { 'long.txt': `${'x'.repeat(5000)}NEEDLE${'y'.repeat(5000)}\n` });
    const r = await search({ pattern: 'NEEDLE', include: ['long.txt'] });
    assert.equal(r.matches[0]?.column, 5001);
    assert.equal(r.matches[0]?.lineCut, true);
    assert.equal(r.matches[0]?.text.length, FS_SEARCH_MAX_LINE_CHARS);
    assert.ok(r.matches[0]?.text.includes('NEEDLE'));
  });

  it('searches UTF-16 files and a single file given as path', async () => {
    await writeTree(dir, { 'w.txt': encodeText('erste\r\nfindMich\r\n', 'utf16le', true) });
    const r = await search({ path: 'w.txt', pattern: 'findMich' });
    assert.deepEqual(where(r), ['w.txt:2']);
    assert.equal(r.matches[0]?.text, 'findMich');
  });

  it('skips files over maxFileBytes', async () => {
    const r = await search({ pattern: 'TODO', maxFileBytes: 40 });
    assert.deepEqual(where(r), ['src/lib/util.py:2']);
  });

  it('refuses an invalid regex with a clear BAD_REQUEST', async () => {
    await rejectsWith(fsSearch({ pattern: '(unclosed' }, { workDir: dir }), ErrorCode.BadRequest, 'regex: false');
  });

  it('names a missing path', async () => {
    await rejectsWith(fsSearch({ path: 'nope', pattern: 'x' }, { workDir: dir }), ErrorCode.NotFound, path.join(dir, 'nope'));
  });

  it('stops with CANCELLED when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await rejectsWith(fsSearch({ pattern: 'x' }, { workDir: dir, signal: controller.signal }), ErrorCode.Cancelled);
  });
});
