import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, FsReadResultSchema, FS_READ_MAX_BYTES } from '@remote-agent/contracts';
import { fsRead } from './read.js';
import { encodeText } from './text-codec.js';
import { makeTempDir, rejectsWith, writeTree } from './temp-tree.test.util.js';

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('fsRead', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await makeTempDir()));
  afterEach(() => remove());

  const read = async (params: Parameters<typeof fsRead>[0]) => FsReadResultSchema.parse(await fsRead(params, { workDir: dir }));

  it('returns a line range with the sha256 and size of the whole file and where to continue', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i + 1}\n`).join('');
    await writeTree(dir, { 'a.txt': lines });
    const r = await read({ path: 'a.txt', startLine: 10, endLine: 12 });
    assert.equal(r.content, 'line 10\nline 11\nline 12\n');
    assert.equal(r.sha256, sha(lines));
    assert.equal(r.size, Buffer.byteLength(lines));
    assert.equal(r.totalLines, 100);
    assert.equal(r.startLine, 10);
    assert.equal(r.endLine, 12);
    assert.equal(r.nextStartLine, 13);
    assert.equal(r.truncated, false, 'the asked range was returned whole');
    assert.equal(r.encoding, 'utf8');
    assert.equal(r.lineEnding, 'lf');
  });

  it('reads the whole file by default, with no next line', async () => {
    await writeTree(dir, { 'a.txt': 'one\ntwo' });
    const r = await read({ path: path.join(dir, 'a.txt') });
    assert.equal(r.content, 'one\ntwo');
    assert.equal(r.totalLines, 2);
    assert.equal(r.nextStartLine, undefined);
    assert.equal(r.truncated, false);
  });

  it('stops at maxBytes on a line boundary, says truncated, and the next part continues exactly', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(3, '0')}-${'x'.repeat(16)}\n`).join('');
    await writeTree(dir, { 'a.txt': lines });
    let content = '';
    let next: number | undefined = 1;
    let pages = 0;
    while (next !== undefined) {
      const r = await read({ path: 'a.txt', startLine: next, maxBytes: 100 });
      assert.ok(Buffer.byteLength(r.content) <= 100);
      assert.equal(r.sha256, sha(lines), 'every page carries the hash of the whole file');
      assert.equal(r.truncated, r.nextStartLine !== undefined);
      content += r.content;
      next = r.nextStartLine;
      pages++;
    }
    assert.equal(content, lines);
    assert.ok(pages > 5);
  });

  it('cuts a single line longer than maxBytes and says so', async () => {
    await writeTree(dir, { 'min.js': `${'a'.repeat(5000)}\nshort\n` });
    const r = await read({ path: 'min.js', maxBytes: 1000 });
    assert.equal(r.content, 'a'.repeat(1000));
    assert.equal(r.truncated, true);
    assert.equal(r.nextStartLine, 2);
    assert.match(r.notice ?? '', /line 1 is longer than maxBytes/);
  });

  it('keeps CRLF line endings in the text and reports them', async () => {
    await writeTree(dir, { 'w.txt': 'a\r\nb\r\nc' });
    const r = await read({ path: 'w.txt' });
    assert.equal(r.content, 'a\r\nb\r\nc');
    assert.equal(r.lineEnding, 'crlf');
    assert.equal(r.totalLines, 3);
  });

  it('decodes UTF-16 with a BOM, without the BOM in the text', async () => {
    const text = 'Grüße\r\nzweite Zeile\r\n';
    for (const encoding of ['utf16le', 'utf16be'] as const) {
      await writeTree(dir, { [`${encoding}.txt`]: encodeText(text, encoding, true) });
      const r = await read({ path: `${encoding}.txt`, startLine: 2 });
      assert.equal(r.encoding, encoding);
      assert.equal(r.bom, true);
      assert.equal(r.content, 'zweite Zeile\r\n');
      assert.equal(r.totalLines, 2);
    }
  });

  it('reports a UTF-8 BOM and leaves it out of the text', async () => {
    await writeTree(dir, { 'b.txt': encodeText('hi\n', 'utf8', true) });
    const r = await read({ path: 'b.txt' });
    assert.equal(r.bom, true);
    assert.equal(r.content, 'hi\n');
  });

  it('falls back to latin1 when bytes past the sample are not UTF-8, losing no byte', async () => {
    const head = Buffer.from(`${'ascii line\n'.repeat(10_000)}`);
    const tail = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]);
    await writeTree(dir, { 'mixed.txt': Buffer.concat([head, tail]) });
    const r = await read({ path: 'mixed.txt', startLine: 10_001 });
    assert.equal(r.encoding, 'latin1');
    assert.equal(r.content, 'café\n');
  });

  it('answers that a binary file is binary in text format, and gives bytes in base64 when asked', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0xff, 0x10, 0x20]);
    await writeTree(dir, { 'img.png': bytes });
    const text = await read({ path: 'img.png' });
    assert.equal(text.binary, true);
    assert.equal(text.content, '');
    assert.match(text.notice ?? '', /binary file.*format "base64"/);
    assert.equal(text.sha256, sha(bytes));

    const b64 = await read({ path: 'img.png', format: 'base64', offset: 2, length: 5 });
    assert.equal(b64.binary, true);
    assert.deepEqual(Buffer.from(b64.content, 'base64'), bytes.subarray(2, 7));
    assert.equal(b64.offset, 2);
    assert.equal(b64.length, 5);
    assert.equal(b64.nextOffset, 7);
    assert.equal(b64.truncated, false);
    assert.equal(b64.sha256, sha(bytes));
  });

  it('pages bytes with the default size and says truncated when more remain', async () => {
    const bytes = Buffer.alloc(300_000, 7);
    await writeTree(dir, { 'big.bin': bytes });
    const first = await read({ path: 'big.bin', format: 'base64' });
    assert.equal(first.length, 256 * 1024);
    assert.equal(first.truncated, true);
    const second = await read({ path: 'big.bin', format: 'base64', offset: first.nextOffset ?? -1 });
    assert.equal(second.length, 300_000 - 256 * 1024);
    assert.equal(second.nextOffset, undefined);
    assert.equal(second.truncated, false);
  });

  it('keeps the largest base64 read well under a relay frame', async () => {
    await writeTree(dir, { 'big.bin': Buffer.alloc(FS_READ_MAX_BYTES + 10, 0xab) });
    const r = await read({ path: 'big.bin', format: 'base64', length: FS_READ_MAX_BYTES });
    assert.equal(r.length, FS_READ_MAX_BYTES);
    assert.ok(Buffer.byteLength(JSON.stringify(r)) < 0.75 * 1024 * 1024);
  });

  it('bounds a text read of characters that need JSON escaping by what they cost on the wire', async () => {
    await writeTree(dir, { 'q.txt': '"\\'.repeat(1000) + '\n' + 'x\n' });
    const r = await read({ path: 'q.txt', maxBytes: 1000 });
    assert.ok(Buffer.byteLength(JSON.stringify(r.content)) - 2 <= 1000);
    assert.equal(r.truncated, true);
  });

  it('errors name the path and the reason', async () => {
    await writeTree(dir, { 'sub/': '' });
    await rejectsWith(fsRead({ path: 'nope.txt' }, { workDir: dir }), ErrorCode.NotFound, path.join(dir, 'nope.txt'), 'no such file');
    await rejectsWith(fsRead({ path: 'sub' }, { workDir: dir }), ErrorCode.IsDirectory, path.join(dir, 'sub'), 'fs.list');
  });

  it('refuses mixed selectors and bad params with BAD_REQUEST', async () => {
    await writeTree(dir, { 'a.txt': 'x' });
    await rejectsWith(fsRead({ path: 'a.txt', offset: 3 }, { workDir: dir }), ErrorCode.BadRequest, 'format "base64"');
    await rejectsWith(fsRead({ path: 'a.txt', format: 'base64', startLine: 2 }, { workDir: dir }), ErrorCode.BadRequest, 'startLine');
    await rejectsWith(fsRead({ path: 'a.txt', startLine: 5, endLine: 2 }, { workDir: dir }), ErrorCode.BadRequest, 'before startLine');
    await rejectsWith(fsRead({ path: 'a.txt', maxBytes: FS_READ_MAX_BYTES + 1 }, { workDir: dir }), ErrorCode.BadRequest, 'maxBytes');
  });

  it('stops with CANCELLED when the signal is aborted', async () => {
    await writeTree(dir, { 'a.txt': 'x\n'.repeat(1000) });
    const controller = new AbortController();
    controller.abort();
    await rejectsWith(fsRead({ path: 'a.txt' }, { workDir: dir, signal: controller.signal }), ErrorCode.Cancelled);
  });
});
