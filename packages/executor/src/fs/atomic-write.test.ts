import assert from 'node:assert/strict';
import { chmod, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { writeFileAtomic, type AtomicWriteOps } from './atomic-write.js';
import { makeTempDir, writeTree } from './temp-tree.test.util.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('writeFileAtomic', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await makeTempDir()));
  afterEach(() => remove());

  it('falls back to copying in place when the platform refuses the rename (a Windows file held open)', async () => {
    await writeTree(dir, { 'a.txt': 'old' });
    const ops: AtomicWriteOps = { rename: () => Promise.reject(errno('EPERM')), link: () => Promise.reject(errno('EPERM')) };
    const r = await writeFileAtomic(path.join(dir, 'a.txt'), Buffer.from('new'), { exclusive: false, ops });
    assert.deepEqual(r, { atomic: false });
    assert.equal(await readFile(path.join(dir, 'a.txt'), 'utf8'), 'new');
    assert.deepEqual(await readdir(dir), ['a.txt'], 'the temporary file is removed');
  });

  it('falls back to an exclusive copy where hard links are not supported', async () => {
    const ops: AtomicWriteOps = { rename: () => Promise.reject(errno('EPERM')), link: () => Promise.reject(errno('ENOTSUP')) };
    const r = await writeFileAtomic(path.join(dir, 'b.txt'), Buffer.from('x'), { exclusive: true, ops });
    assert.deepEqual(r, { atomic: false });
    assert.equal(await readFile(path.join(dir, 'b.txt'), 'utf8'), 'x');
  });

  it('an exclusive write fails on an existing file, leaving it and no temporary file', async () => {
    await writeTree(dir, { 'c.txt': 'keep' });
    await assert.rejects(writeFileAtomic(path.join(dir, 'c.txt'), Buffer.from('x'), { exclusive: true }), { code: 'EEXIST' });
    assert.equal(await readFile(path.join(dir, 'c.txt'), 'utf8'), 'keep');
    assert.deepEqual(await readdir(dir), ['c.txt']);
  });

  it('passes other rename errors on and cleans up', async () => {
    const ops: AtomicWriteOps = { rename: () => Promise.reject(errno('ENOSPC')), link: () => Promise.reject(errno('ENOSPC')) };
    await assert.rejects(writeFileAtomic(path.join(dir, 'd.txt'), Buffer.from('x'), { exclusive: false, ops }), { code: 'ENOSPC' });
    assert.deepEqual(await readdir(dir), []);
  });

  it('sets the exact mode asked for, regardless of the umask', { skip: process.platform === 'win32' }, async () => {
    await writeTree(dir, { 'e.txt': 'x' });
    await chmod(path.join(dir, 'e.txt'), 0o600);
    await writeFileAtomic(path.join(dir, 'e.txt'), Buffer.from('y'), { exclusive: false, mode: 0o777 });
    assert.equal((await stat(path.join(dir, 'e.txt'))).mode & 0o777, 0o777);
  });
});
