import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FsStatResultSchema } from '@remote-agent/contracts';
import { fsStat } from './stat.js';
import { canSymlink, makeTempDir, writeTree } from './temp-tree.test.util.js';

describe('fsStat', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await makeTempDir());
    await writeTree(dir, { 'file.txt': 'hello', 'sub/': '' });
  });
  afterEach(() => remove());

  const statOf = async (params: Parameters<typeof fsStat>[0]) => FsStatResultSchema.parse(await fsStat(params, { workDir: dir }));

  it('answers exists: false for a missing path, even below a file', async () => {
    assert.deepEqual(await statOf({ path: 'missing.txt' }), { path: path.join(dir, 'missing.txt'), exists: false });
    assert.equal((await statOf({ path: 'file.txt/below' })).exists, false);
  });

  it('describes a file and a folder', async () => {
    const f = await statOf({ path: 'file.txt' });
    assert.equal(f.exists, true);
    assert.equal(f.type, 'file');
    assert.equal(f.size, 5);
    assert.equal(f.sha256, undefined);
    assert.equal((await statOf({ path: 'sub' })).type, 'directory');
  });

  it('hashes a file on request', async () => {
    const f = await statOf({ path: 'file.txt', hash: true });
    assert.equal(f.sha256, createHash('sha256').update('hello').digest('hex'));
  });

  it('does not follow a symlink when asked not to, and does by default', { skip: !canSymlink }, async () => {
    await symlink('file.txt', path.join(dir, 'link'));
    const own = await statOf({ path: 'link', followLinks: false });
    assert.equal(own.type, 'symlink');
    assert.equal(own.linkTarget, 'file.txt');
    assert.notEqual(own.size, 5);
    const followed = await statOf({ path: 'link' });
    assert.equal(followed.type, 'file');
    assert.equal(followed.size, 5);
    assert.equal(followed.linkTarget, 'file.txt');
  });

  it('reports a broken link as existing, as a link, flagged broken', { skip: !canSymlink }, async () => {
    await symlink('gone.txt', path.join(dir, 'dangling'));
    const r = await statOf({ path: 'dangling' });
    assert.equal(r.exists, true);
    assert.equal(r.type, 'symlink');
    assert.equal(r.brokenLink, true);
  });
});
