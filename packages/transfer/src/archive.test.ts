import assert from 'node:assert/strict';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as tar from 'tar';
import { emptyTally, extractArchive, packFolder } from './archive.js';
import { canSymlink, makeTempDir } from './temp-dir.test.util.js';

describe('folder archives', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await makeTempDir()));
  afterEach(() => remove());

  it('packs the same tree to the same bytes, counting what it holds', async () => {
    const src = join(dir, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'alpha');
    await writeFile(join(src, 'sub', 'b.txt'), 'beta!');
    const read = async () => {
      const tally = emptyTally();
      const parts: Buffer[] = [];
      for await (const chunk of packFolder(src, tally)) parts.push(chunk);
      return { bytes: Buffer.concat(parts), tally };
    };
    const first = await read();
    const second = await read();
    assert.ok(first.bytes.equals(second.bytes), 'a resumed transfer reads identical bytes');
    assert.deepEqual([first.tally.files, first.tally.directories, first.tally.fileBytes], [2, 1, 10]);
  });

  it('skips entries that would land or point outside the destination, and unpacks the rest', { skip: !canSymlink }, async () => {
    const inner = join(dir, 'made', 'inner');
    await mkdir(inner, { recursive: true });
    await writeFile(join(inner, 'ok.txt'), 'fine');
    await writeFile(join(dir, 'made', 'evil.txt'), 'outside');
    await symlink('/etc', join(inner, 'abs-link'));
    await symlink('../..', join(inner, 'up-link'));
    await symlink('ok.txt', join(inner, 'good-link'));
    const tarFile = join(dir, 'crafted.tar');
    await pipeline(
      tar.c({ cwd: inner, preservePaths: true, portable: true }, ['ok.txt', '../evil.txt', 'abs-link', 'up-link', 'good-link']),
      createWriteStream(tarFile),
    );
    const dest = join(dir, 'dest', 'unpacked');
    await mkdir(dest, { recursive: true });
    const tally = await extractArchive(tarFile, dest);
    assert.equal(await readFile(join(dest, 'ok.txt'), 'utf8'), 'fine');
    assert.equal(await readFile(join(dest, 'good-link'), 'utf8'), 'fine', 'a link inside the destination is kept');
    assert.equal(existsSync(join(dir, 'dest', 'evil.txt')), false);
    assert.equal(existsSync(join(dest, 'abs-link')), false);
    assert.equal(existsSync(join(dest, 'up-link')), false);
    assert.deepEqual(tally.skipped.map((s) => s.path).sort(), ['../evil.txt', 'abs-link', 'up-link']);
    assert.match(tally.skipped.find((s) => s.path === 'abs-link')!.reason, /absolute/);
    assert.deepEqual([tally.files, tally.links, tally.skippedCount], [1, 1, 3]);
  });

  it('refuses a damaged archive as a whole', async () => {
    const tarFile = join(dir, 'bad.tar');
    await writeFile(tarFile, Buffer.alloc(1536, 7));
    const dest = join(dir, 'out');
    await mkdir(dest);
    await assert.rejects(extractArchive(tarFile, dest), /could not be unpacked/);
  });
});
