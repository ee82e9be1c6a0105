import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, readdir, readFile, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, FsWriteResultSchema, FS_WRITE_MAX_BYTES } from '@remote-agent/contracts';
import { fsRead } from './read.js';
import { encodeText } from './text-codec.js';
import { fsWrite } from './write.js';
import { canSymlink, makeTempDir, rejectsWith, writeTree } from './temp-tree.test.util.js';

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const posixModes = process.platform !== 'win32';

describe('fsWrite', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await makeTempDir()));
  afterEach(() => remove());

  const write = async (params: Parameters<typeof fsWrite>[0]) => FsWriteResultSchema.parse(await fsWrite(params, { workDir: dir }));
  const content = (name: string) => readFile(path.join(dir, name));

  it('creates a file and reports its hash, size and that it was created', async () => {
    const r = await write({ path: 'new.txt', content: 'hello\n' });
    assert.equal(r.created, true);
    assert.equal(r.size, 6);
    assert.equal(r.sha256, sha('hello\n'));
    assert.equal(r.atomic, true);
    assert.equal(r.encoding, 'utf8');
    assert.equal((await content('new.txt')).toString(), 'hello\n');
  });

  it('overwrites atomically and leaves no temporary file behind', async () => {
    await writeTree(dir, { 'a.txt': 'old' });
    const r = await write({ path: 'a.txt', content: 'new' });
    assert.equal(r.created, false);
    assert.equal(r.atomic, true);
    assert.equal((await content('a.txt')).toString(), 'new');
    assert.deepEqual(await readdir(dir), ['a.txt']);
  });

  it('mode create refuses an existing file and leaves it alone', async () => {
    await writeTree(dir, { 'a.txt': 'keep' });
    await rejectsWith(fsWrite({ path: 'a.txt', content: 'x', mode: 'create' }, { workDir: dir }), ErrorCode.AlreadyExists, path.join(dir, 'a.txt'), 'overwrite');
    assert.equal((await content('a.txt')).toString(), 'keep');
  });

  it('appends, without adding a second BOM, and hashes the whole result', async () => {
    await writeTree(dir, { 'log.txt': encodeText('one\n', 'utf8', true) });
    const r = await write({ path: 'log.txt', content: 'two\n', mode: 'append' });
    const expected = encodeText('one\ntwo\n', 'utf8', true);
    assert.deepEqual(await content('log.txt'), expected);
    assert.equal(r.sha256, sha(expected));
    assert.equal(r.bytesWritten, 4);
    assert.equal(r.atomic, false);
  });

  it('refuses a write based on a stale read (expectedSha256) and changes nothing', async () => {
    await writeTree(dir, { 'a.txt': 'version 1' });
    const first = await fsRead({ path: 'a.txt' }, { workDir: dir });
    await writeTree(dir, { 'a.txt': 'version 2 by someone else' });
    const err = await rejectsWith(
      fsWrite({ path: 'a.txt', content: 'mine', expectedSha256: first.sha256 }, { workDir: dir }),
      ErrorCode.Conflict,
      path.join(dir, 'a.txt'),
      'changed since it was read',
    );
    assert.equal(err.details?.sha256, sha('version 2 by someone else'));
    assert.equal((await content('a.txt')).toString(), 'version 2 by someone else');
  });

  it('accepts a current expectedSha256 (in any hex case), and refuses one for a file that is gone', async () => {
    await writeTree(dir, { 'a.txt': 'v1' });
    const r = await write({ path: 'a.txt', content: 'v2', expectedSha256: sha('v1').toUpperCase() });
    assert.equal(r.sha256, sha('v2'));
    await rejectsWith(fsWrite({ path: 'gone.txt', content: 'x', expectedSha256: sha('v1') }, { workDir: dir }), ErrorCode.Conflict, 'does not exist');
  });

  it('creates missing folders only when asked, and says how otherwise', async () => {
    await rejectsWith(fsWrite({ path: 'a/b/c.txt', content: 'x' }, { workDir: dir }), ErrorCode.NotFound, `${path.join(dir, 'a', 'b')}`, 'createDirs');
    const r = await write({ path: 'a/b/c.txt', content: 'x', createDirs: true });
    assert.equal(r.created, true);
    assert.equal((await content('a/b/c.txt')).toString(), 'x');
  });

  it('refuses to write over a folder', async () => {
    await writeTree(dir, { 'sub/': '' });
    await rejectsWith(fsWrite({ path: 'sub', content: 'x' }, { workDir: dir }), ErrorCode.IsDirectory, path.join(dir, 'sub'));
  });

  it('keeps the mode of the file it replaces', { skip: !posixModes }, async () => {
    await writeTree(dir, { 'run.sh': '#!/bin/sh\necho 1\n' });
    await chmod(path.join(dir, 'run.sh'), 0o751);
    const r = await write({ path: 'run.sh', content: '#!/bin/sh\necho 2\n' });
    assert.equal((await stat(path.join(dir, 'run.sh'))).mode & 0o7777, 0o751);
    assert.equal(r.mode, '0751');
  });

  it('gives a new file the fileMode asked for', { skip: !posixModes }, async () => {
    const r = await write({ path: 'tool.sh', content: 'echo\n', fileMode: '0700' });
    assert.equal(r.mode, '0700');
  });

  it('writes base64 bytes exactly and rejects malformed base64', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const r = await write({ path: 'b.bin', content: bytes.toString('base64'), contentEncoding: 'base64' });
    assert.deepEqual(await content('b.bin'), bytes);
    assert.equal(r.encoding, undefined);
    await rejectsWith(fsWrite({ path: 'c.bin', content: 'not base64!', contentEncoding: 'base64' }, { workDir: dir }), ErrorCode.BadRequest, 'base64');
  });

  it('keeps UTF-16 with BOM and CRLF through a read / write round trip', async () => {
    const original = encodeText('eins\r\nzwei\r\n', 'utf16le', true);
    await writeTree(dir, { 'u.txt': original });
    const r = await fsRead({ path: 'u.txt' }, { workDir: dir });
    const w = await write({ path: 'u.txt', content: r.content.replace('zwei', 'drei'), expectedSha256: r.sha256 });
    assert.equal(w.encoding, 'utf16le');
    assert.deepEqual(await content('u.txt'), encodeText('eins\r\ndrei\r\n', 'utf16le', true));
    await write({ path: 'u.txt', content: r.content });
    assert.deepEqual(await content('u.txt'), original, 'unchanged text gives back the same bytes');
  });

  it('converts encoding when asked, with a BOM by default for UTF-16', async () => {
    await writeTree(dir, { 'a.txt': 'plain' });
    await write({ path: 'a.txt', content: 'wide', encoding: 'utf16be' });
    assert.deepEqual(await content('a.txt'), encodeText('wide', 'utf16be', true));
  });

  it('writes through a symlink to the file it points to', { skip: !canSymlink }, async () => {
    await writeTree(dir, { 'real.txt': 'old' });
    await symlink('real.txt', path.join(dir, 'link.txt'));
    const r = await write({ path: 'link.txt', content: 'new' });
    assert.equal(r.path, path.join(dir, 'real.txt'));
    assert.equal((await content('real.txt')).toString(), 'new');
  });

  it('refuses content over the per-request size with TOO_LARGE and says how to proceed', async () => {
    await rejectsWith(fsWrite({ path: 'big.txt', content: 'x'.repeat(FS_WRITE_MAX_BYTES + 1) }, { workDir: dir }), ErrorCode.TooLarge, 'append');
  });
});
