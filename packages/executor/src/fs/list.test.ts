import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, FsListResultSchema } from '@remote-agent/contracts';
import { fsList } from './list.js';
import { canSymlink, makeTempDir, rejectsWith, writeTree } from './temp-tree.test.util.js';

describe('fsList', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await makeTempDir());
    await writeTree(dir, {
      'b.txt': 'bb',
      'a.md': 'a',
      '.env': 'SECRET=1',
      'src/index.ts': 'x',
      'src/util/strings.ts': 'y',
      'src/util/strings.test.ts': 'z',
      'src/.cache/blob': 'c',
      'empty/': '',
    });
  });
  afterEach(() => remove());

  const list = async (params: Parameters<typeof fsList>[0]) => FsListResultSchema.parse(await fsList(params, { workDir: dir }));
  const paths = (r: { entries: Array<{ path: string }> }) => r.entries.map((e) => e.path);

  it('lists one level by default, sorted, without hidden entries, with type, size, mtime and mode', async () => {
    const r = await list({});
    assert.equal(r.path, dir);
    assert.deepEqual(paths(r), ['a.md', 'b.txt', 'empty', 'src']);
    const b = r.entries.find((e) => e.name === 'b.txt');
    assert.equal(b?.type, 'file');
    assert.equal(b?.size, 2);
    assert.match(b?.mode ?? '', /^0[0-7]{3}$/);
    assert.ok(!Number.isNaN(Date.parse(b?.mtime ?? '')));
    assert.equal(r.entries.find((e) => e.name === 'src')?.type, 'directory');
    assert.equal(r.truncated, false);
    assert.equal(r.nextCursor, undefined);
  });

  it('recurses depth-first to the asked depth, showing hidden entries on request', async () => {
    assert.deepEqual(paths(await list({ depth: 2 })), ['a.md', 'b.txt', 'empty', 'src', 'src/index.ts', 'src/util']);
    assert.deepEqual(paths(await list({ depth: 3, hidden: true })), [
      '.env',
      'a.md',
      'b.txt',
      'empty',
      'src',
      'src/.cache',
      'src/.cache/blob',
      'src/index.ts',
      'src/util',
      'src/util/strings.test.ts',
      'src/util/strings.ts',
    ]);
  });

  it('filters with include globs (matching names at any depth) and prunes excluded folders', async () => {
    assert.deepEqual(paths(await list({ depth: 5, include: ['*.ts'] })), ['src/index.ts', 'src/util/strings.test.ts', 'src/util/strings.ts']);
    assert.deepEqual(paths(await list({ depth: 5, include: ['*.ts'], exclude: ['*.test.ts'] })), ['src/index.ts', 'src/util/strings.ts']);
    assert.deepEqual(paths(await list({ depth: 5, exclude: ['util'] })), ['a.md', 'b.txt', 'empty', 'src', 'src/index.ts']);
    assert.deepEqual(paths(await list({ depth: 5, include: ['src/**'] })), ['src', 'src/index.ts', 'src/util', 'src/util/strings.test.ts', 'src/util/strings.ts']);
  });

  it('pages with a cursor that visits every entry exactly once', async () => {
    await writeTree(
      dir,
      Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`many/d${i % 4}/f${String(i).padStart(2, '0')}.txt`, `${i}`])),
    );
    const all = paths(await list({ depth: 10, hidden: true, limit: 1000 }));
    for (const limit of [1, 3, 7]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const r = await list({ depth: 10, hidden: true, limit, ...(cursor ? { cursor } : {}) });
        assert.ok(r.entries.length <= limit);
        assert.equal(r.truncated, r.nextCursor !== undefined);
        seen.push(...paths(r));
        cursor = r.nextCursor;
        pages++;
      } while (cursor !== undefined);
      assert.deepEqual(seen, all, `limit ${limit}`);
      assert.equal(new Set(seen).size, seen.length);
      assert.equal(pages, Math.ceil(all.length / limit));
    }
  });

  it('a page resumes after its cursor even when entries before it were removed or added', async () => {
    const first = await list({ limit: 2 });
    assert.deepEqual(paths(first), ['a.md', 'b.txt']);
    await writeTree(dir, { '0-new.txt': 'x' });
    const second = await list({ limit: 10, cursor: first.nextCursor ?? '' });
    assert.deepEqual(paths(second), ['empty', 'src']);
  });

  it('refuses a cursor from another listing, or a made-up one', async () => {
    const first = await list({ limit: 1 });
    await rejectsWith(fsList({ limit: 1, depth: 2, cursor: first.nextCursor ?? '' }, { workDir: dir }), ErrorCode.BadRequest, 'different listing');
    await rejectsWith(fsList({ cursor: 'garbage' }, { workDir: dir }), ErrorCode.BadRequest, 'without a cursor');
  });

  it('reports a symlink as a link and does not enter a linked folder', { skip: !canSymlink }, async () => {
    await symlink(path.join(dir, 'src'), path.join(dir, 'link-to-src'));
    const r = await list({ depth: 3 });
    const link = r.entries.find((e) => e.name === 'link-to-src');
    assert.equal(link?.type, 'symlink');
    assert.equal(link?.linkTarget, path.join(dir, 'src'));
    assert.ok(!paths(r).some((p) => p.startsWith('link-to-src/')));
  });

  it('errors name the path: missing folder, or a file instead of a folder', async () => {
    await rejectsWith(fsList({ path: 'nope' }, { workDir: dir }), ErrorCode.NotFound, path.join(dir, 'nope'));
    await rejectsWith(fsList({ path: 'b.txt' }, { workDir: dir }), ErrorCode.NotDirectory, path.join(dir, 'b.txt'), 'fs.read');
  });

  it('stops with CANCELLED when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await rejectsWith(fsList({ depth: 5 }, { workDir: dir, signal: controller.signal }), ErrorCode.Cancelled);
  });
});
