import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, lstat, readFile, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, FsEditResultSchema } from '@remote-agent/contracts';
import { fsEdit } from './edit.js';
import { encodeText } from './text-codec.js';
import { canSymlink, makeTempDir, rejectsWith, writeTree } from './temp-tree.test.util.js';

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('fsEdit', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await makeTempDir()));
  afterEach(() => remove());

  const edit = async (params: Parameters<typeof fsEdit>[0]) => FsEditResultSchema.parse(await fsEdit(params, { workDir: dir }));
  const text = (name: string) => readFile(path.join(dir, name), 'utf8');

  it('replaces a unique string and returns a unified diff of the change', async () => {
    await writeTree(dir, { 'a.py': 'def f():\n    return 1\n\nprint(f())\n' });
    const r = await edit({ path: 'a.py', edits: [{ oldText: 'return 1', newText: 'return 2' }] });
    assert.equal(await text('a.py'), 'def f():\n    return 2\n\nprint(f())\n');
    assert.equal(r.replacements, 1);
    assert.equal(r.written, true);
    assert.equal(r.previousSha256, sha('def f():\n    return 1\n\nprint(f())\n'));
    assert.equal(r.sha256, sha(await readFile(path.join(dir, 'a.py'))));
    assert.match(r.diff, /^--- .*a\.py/m);
    assert.match(r.diff, /^@@ -1,4 \+1,4 @@$/m);
    assert.match(r.diff, /^- {4}return 1$/m);
    assert.match(r.diff, /^\+ {4}return 2$/m);
    assert.equal(r.diffTruncated, false);
  });

  it('refuses an ambiguous edit, saying how many matches and where, and writes nothing', async () => {
    const original = 'x = 1\ny = 2\nx = 1\n';
    await writeTree(dir, { 'a.txt': original });
    const err = await rejectsWith(
      fsEdit({ path: 'a.txt', edits: [{ oldText: 'x = 1', newText: 'x = 3' }] }, { workDir: dir }),
      ErrorCode.Conflict,
      'matches 2 times',
      'lines 1, 3',
      'replaceAll',
      path.join(dir, 'a.txt'),
    );
    assert.equal(err.details?.matches, 2);
    assert.equal(await text('a.txt'), original);
  });

  it('replaceAll replaces every occurrence', async () => {
    await writeTree(dir, { 'a.txt': 'x = 1\ny = 2\nx = 1\n' });
    const r = await edit({ path: 'a.txt', edits: [{ oldText: 'x = 1', newText: 'x = $&3', replaceAll: true }] });
    assert.equal(r.replacements, 2);
    assert.equal(await text('a.txt'), 'x = $&3\ny = 2\nx = $&3\n', 'replacement text is literal, never a pattern');
  });

  it('refuses a missing text quoting it and pointing at where its first line is', async () => {
    await writeTree(dir, { 'a.ts': 'function main() {\n  run();\n}\n' });
    await rejectsWith(
      fsEdit({ path: 'a.ts', edits: [{ oldText: 'function main() {\n    run();', newText: '' }] }, { workDir: dir }),
      ErrorCode.NotFound,
      'was not found',
      '"function main() {\\n    run();"',
      'line 1',
      path.join(dir, 'a.ts'),
    );
  });

  it('applies edits in order, all or nothing', async () => {
    await writeTree(dir, { 'a.txt': 'alpha beta gamma\n' });
    const r = await edit({
      path: 'a.txt',
      edits: [
        { oldText: 'alpha', newText: 'ALPHA' },
        { oldText: 'ALPHA beta', newText: 'one two' },
      ],
    });
    assert.equal(r.replacements, 2);
    assert.equal(await text('a.txt'), 'one two gamma\n');
    await rejectsWith(
      fsEdit({ path: 'a.txt', edits: [{ oldText: 'gamma', newText: 'G' }, { oldText: 'delta', newText: 'D' }] }, { workDir: dir }),
      ErrorCode.NotFound,
      'edit 2 of 2',
    );
    assert.equal(await text('a.txt'), 'one two gamma\n', 'the first edit was not written either');
  });

  it('keeps CRLF line endings when the edit is given with LF', async () => {
    await writeTree(dir, { 'w.txt': 'one\r\ntwo\r\nthree\r\n' });
    const r = await edit({ path: 'w.txt', edits: [{ oldText: 'one\ntwo\n', newText: 'one\nTWO\nand a half\n' }] });
    assert.equal(await text('w.txt'), 'one\r\nTWO\r\nand a half\r\nthree\r\n');
    assert.equal(r.lineEnding, 'crlf');
  });

  it('keeps CRLF when the edit is given with CRLF', async () => {
    await writeTree(dir, { 'w.txt': 'a\r\nb\r\n' });
    await edit({ path: 'w.txt', edits: [{ oldText: 'a\r\n', newText: 'A\r\n' }] });
    assert.equal(await text('w.txt'), 'A\r\nb\r\n');
  });

  it('keeps a UTF-16 BOM and encoding', async () => {
    await writeTree(dir, { 'u.txt': encodeText('Hallo Welt\r\n', 'utf16le', true) });
    const r = await edit({ path: 'u.txt', edits: [{ oldText: 'Welt', newText: 'Wörld' }] });
    assert.deepEqual(await readFile(path.join(dir, 'u.txt')), encodeText('Hallo Wörld\r\n', 'utf16le', true));
    assert.equal(r.encoding, 'utf16le');
  });

  it('keeps a UTF-8 BOM', async () => {
    await writeTree(dir, { 'b.txt': encodeText('x=1\n', 'utf8', true) });
    await edit({ path: 'b.txt', edits: [{ oldText: '1', newText: '2' }] });
    assert.deepEqual(await readFile(path.join(dir, 'b.txt')), encodeText('x=2\n', 'utf8', true));
  });

  it('refuses a stale expectedSha256', async () => {
    await writeTree(dir, { 'a.txt': 'now' });
    await rejectsWith(
      fsEdit({ path: 'a.txt', edits: [{ oldText: 'now', newText: 'then' }], expectedSha256: sha('before') }, { workDir: dir }),
      ErrorCode.Conflict,
      'changed since it was read',
    );
    assert.equal(await text('a.txt'), 'now');
  });

  it('a dry run returns the diff and the would-be hash without writing', async () => {
    await writeTree(dir, { 'a.txt': 'keep me\n' });
    const r = await edit({ path: 'a.txt', edits: [{ oldText: 'keep', newText: 'change' }], dryRun: true });
    assert.equal(r.written, false);
    assert.equal(r.sha256, sha('change me\n'));
    assert.match(r.diff, /^\+change me$/m);
    assert.equal(await text('a.txt'), 'keep me\n');
  });

  it('keeps the file mode', { skip: process.platform === 'win32' }, async () => {
    await writeTree(dir, { 'x.sh': 'echo a\n' });
    await chmod(path.join(dir, 'x.sh'), 0o750);
    await edit({ path: 'x.sh', edits: [{ oldText: 'a', newText: 'b' }] });
    assert.equal((await stat(path.join(dir, 'x.sh'))).mode & 0o7777, 0o750);
  });

  it('edits the target of a symlink, keeping the link', { skip: !canSymlink }, async () => {
    await writeTree(dir, { 'real.txt': 'v1' });
    await symlink('real.txt', path.join(dir, 'link.txt'));
    await edit({ path: 'link.txt', edits: [{ oldText: 'v1', newText: 'v2' }] });
    assert.equal(await text('real.txt'), 'v2');
    assert.equal((await lstat(path.join(dir, 'link.txt'))).isSymbolicLink(), true);
  });

  it('refuses binary files and folders, naming them', async () => {
    await writeTree(dir, { 'b.bin': Buffer.from([1, 0, 2]), 'sub/': '' });
    await rejectsWith(fsEdit({ path: 'b.bin', edits: [{ oldText: 'a', newText: 'b' }] }, { workDir: dir }), ErrorCode.BadRequest, 'binary', path.join(dir, 'b.bin'));
    await rejectsWith(fsEdit({ path: 'sub', edits: [{ oldText: 'a', newText: 'b' }] }, { workDir: dir }), ErrorCode.IsDirectory, path.join(dir, 'sub'));
    await rejectsWith(fsEdit({ path: 'none', edits: [{ oldText: 'a', newText: 'b' }] }, { workDir: dir }), ErrorCode.NotFound, path.join(dir, 'none'));
  });

  it('refuses an empty oldText as a bad request', async () => {
    await writeTree(dir, { 'a.txt': 'x' });
    await rejectsWith(fsEdit({ path: 'a.txt', edits: [{ oldText: '', newText: 'y' }] }, { workDir: dir }), ErrorCode.BadRequest, 'oldText');
  });
});
