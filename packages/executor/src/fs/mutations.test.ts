import assert from 'node:assert/strict';
import { lstat, readFile, readdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, FsMkdirResultSchema, FsMoveResultSchema, FsRemoveResultSchema } from '@remote-agent/contracts';
import { fsMkdir } from './mkdir.js';
import { fsMove, type MoveOps } from './move.js';
import { fsRemove } from './remove.js';
import { canSymlink, makeTempDir, rejectsWith, writeTree } from './temp-tree.test.util.js';

const exists = (p: string) => lstat(p).then(() => true, () => false);

describe('fsMkdir', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await makeTempDir()));
  afterEach(() => remove());

  it('creates nested folders and accepts an existing one by default', async () => {
    assert.deepEqual(FsMkdirResultSchema.parse(await fsMkdir({ path: 'a/b/c' }, { workDir: dir })), { path: path.join(dir, 'a/b/c'), created: true });
    assert.deepEqual(await fsMkdir({ path: 'a/b/c' }, { workDir: dir }), { path: path.join(dir, 'a/b/c'), created: false });
  });

  it('without parents, refuses a missing parent or an existing folder, saying what to pass', async () => {
    await rejectsWith(fsMkdir({ path: 'x/y', parents: false }, { workDir: dir }), ErrorCode.NotFound, 'parents: true', path.join(dir, 'x'));
    await fsMkdir({ path: 'x' }, { workDir: dir });
    await rejectsWith(fsMkdir({ path: 'x', parents: false }, { workDir: dir }), ErrorCode.AlreadyExists, 'already exists');
  });

  it('refuses when a file is in the way', async () => {
    await writeTree(dir, { f: 'x' });
    await rejectsWith(fsMkdir({ path: 'f/sub' }, { workDir: dir }), ErrorCode.AlreadyExists, 'file is in the way');
  });
});

describe('fsMove', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await makeTempDir());
    await writeTree(dir, { 'a.txt': 'A', 'b.txt': 'B', 'folder/inner.txt': 'I', 'other/': '' });
  });
  afterEach(() => remove());

  const at = (p: string) => path.join(dir, p);

  it('renames a file', async () => {
    const r = FsMoveResultSchema.parse(await fsMove({ from: 'a.txt', to: 'c.txt' }, { workDir: dir }));
    assert.deepEqual(r, { from: at('a.txt'), to: at('c.txt'), overwritten: false, copied: false });
    assert.equal(await readFile(at('c.txt'), 'utf8'), 'A');
    assert.equal(await exists(at('a.txt')), false);
  });

  it('refuses to replace an existing file unless overwrite', async () => {
    await rejectsWith(fsMove({ from: 'a.txt', to: 'b.txt' }, { workDir: dir }), ErrorCode.AlreadyExists, 'overwrite: true', at('b.txt'));
    assert.equal(await readFile(at('b.txt'), 'utf8'), 'B');
    const r = await fsMove({ from: 'a.txt', to: 'b.txt', overwrite: true }, { workDir: dir });
    assert.equal(r.overwritten, true);
    assert.equal(await readFile(at('b.txt'), 'utf8'), 'A');
  });

  it('moves a folder into a new parent with createDirs, and refuses moving it into itself', async () => {
    await rejectsWith(fsMove({ from: 'folder', to: 'new/place' }, { workDir: dir }), ErrorCode.NotFound, 'createDirs');
    await fsMove({ from: 'folder', to: 'new/place', createDirs: true }, { workDir: dir });
    assert.equal(await readFile(at('new/place/inner.txt'), 'utf8'), 'I');
    await rejectsWith(fsMove({ from: 'new', to: 'new/place/deeper' }, { workDir: dir }), ErrorCode.BadRequest, 'into itself');
  });

  it('refuses a file over a folder, telling the full path to use', async () => {
    await rejectsWith(fsMove({ from: 'a.txt', to: 'other', overwrite: true }, { workDir: dir }), ErrorCode.IsDirectory, path.join(at('other'), 'a.txt'));
  });

  it('names a missing source', async () => {
    await rejectsWith(fsMove({ from: 'nope', to: 'x' }, { workDir: dir }), ErrorCode.NotFound, at('nope'));
  });

  it('copies then removes across devices', async () => {
    const ops: MoveOps = { rename: () => Promise.reject(Object.assign(new Error('EXDEV'), { code: 'EXDEV' })) };
    const r = await fsMove({ from: 'folder', to: 'other', overwrite: true }, { workDir: dir }, ops);
    assert.equal(r.copied, true);
    assert.equal(r.overwritten, true);
    assert.equal(await readFile(at('other/inner.txt'), 'utf8'), 'I');
    assert.equal(await exists(at('folder')), false);
  });

  it('across devices, refuses to replace a folder that is not empty', async () => {
    await writeTree(dir, { 'other/keep.txt': 'K' });
    const ops: MoveOps = { rename: () => Promise.reject(Object.assign(new Error('EXDEV'), { code: 'EXDEV' })) };
    await rejectsWith(fsMove({ from: 'folder', to: 'other', overwrite: true }, { workDir: dir }, ops), ErrorCode.AlreadyExists, 'not empty');
    assert.equal(await exists(at('folder/inner.txt')), true);
  });
});

describe('fsRemove', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await makeTempDir());
    await writeTree(dir, { 'work/f.txt': 'x', 'full/a/b.txt': 'y', 'empty/': '', 'target.txt': 't' });
  });
  afterEach(() => remove());

  const ctx = () => ({ workDir: path.join(dir, 'work') });

  it('removes a file and an empty folder', async () => {
    assert.deepEqual(FsRemoveResultSchema.parse(await fsRemove({ path: 'f.txt' }, ctx())), {
      path: path.join(dir, 'work/f.txt'),
      removed: true,
      type: 'file',
    });
    assert.equal((await fsRemove({ path: path.join(dir, 'empty') }, ctx())).type, 'directory');
  });

  it('needs recursive for a folder with content', async () => {
    await rejectsWith(fsRemove({ path: path.join(dir, 'full') }, ctx()), ErrorCode.Conflict, 'recursive: true', path.join(dir, 'full'));
    assert.equal(await exists(path.join(dir, 'full/a/b.txt')), true);
    await fsRemove({ path: path.join(dir, 'full'), recursive: true }, ctx());
    assert.equal(await exists(path.join(dir, 'full')), false);
  });

  it('refuses the working folder, a folder holding it, and the file system root', async () => {
    await rejectsWith(fsRemove({ path: '.', recursive: true }, ctx()), ErrorCode.Forbidden, 'working folder');
    await rejectsWith(fsRemove({ path: dir, recursive: true }, ctx()), ErrorCode.Forbidden, 'holds it');
    await rejectsWith(fsRemove({ path: path.parse(dir).root, recursive: true }, ctx()), ErrorCode.Forbidden, 'root of the file system');
    assert.equal(await exists(path.join(dir, 'work/f.txt')), true);
  });

  it('names a missing path, or ignores it when asked', async () => {
    await rejectsWith(fsRemove({ path: 'nope' }, ctx()), ErrorCode.NotFound, path.join(dir, 'work/nope'));
    assert.deepEqual(await fsRemove({ path: 'nope', ignoreMissing: true }, ctx()), { path: path.join(dir, 'work/nope'), removed: false });
  });

  it('removes a link, not what it points to', { skip: !canSymlink }, async () => {
    await symlink(path.join(dir, 'full'), path.join(dir, 'link'));
    const r = await fsRemove({ path: path.join(dir, 'link') }, ctx());
    assert.equal(r.type, 'symlink');
    assert.deepEqual(await readdir(path.join(dir, 'full/a')), ['b.txt']);
  });
});
