import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archiveEntryProblem } from './artifact.js';
import { CHUNK_BYTES, MAX_FRAME_BYTES } from './limits.js';
import { DATA_CHUNK_MAX_CHARS, RequestDataBody } from './data-stream.js';

describe('archive entries', () => {
  it('accepts plain relative files, folders and links that stay inside', () => {
    assert.equal(archiveEntryProblem('a/b.txt', 'file'), null);
    assert.equal(archiveEntryProblem('a/', 'directory'), null);
    assert.equal(archiveEntryProblem('a/link', 'symlink', '../b.txt'), null);
    assert.equal(archiveEntryProblem('a/hard', 'hardlink', 'a/b.txt'), null);
  });

  it('refuses what could write or lead outside the destination, on any platform', () => {
    assert.match(archiveEntryProblem('/etc/passwd', 'file') ?? '', /absolute/);
    assert.match(archiveEntryProblem('C:/Windows/x', 'file') ?? '', /absolute/);
    assert.match(archiveEntryProblem('a/../../x', 'file') ?? '', /"\.\."/);
    assert.match(archiveEntryProblem('a\\..\\x', 'file') ?? '', /backslash/);
    assert.match(archiveEntryProblem('dev', 'other') ?? '', /device/);
    assert.match(archiveEntryProblem('a/link', 'symlink', '../../x') ?? '', /outside/);
    assert.match(archiveEntryProblem('link', 'symlink', '/etc') ?? '', /absolute/);
    assert.match(archiveEntryProblem('hard', 'hardlink', '../x') ?? '', /outside/);
  });
});

describe('data chunks', () => {
  it('fit in one relay frame with room for the envelope', () => {
    const body = { seq: 1, offset: 0, data: Buffer.alloc(CHUNK_BYTES, 0xff).toString('base64'), total: 2 ** 40 };
    assert.equal(body.data.length, DATA_CHUNK_MAX_CHARS);
    assert.equal(RequestDataBody.safeParse(body).success, true);
    assert.ok(JSON.stringify(body).length < MAX_FRAME_BYTES - 64 * 1024);
    assert.equal(Buffer.from(body.data, 'base64').length, CHUNK_BYTES);
    assert.equal(RequestDataBody.safeParse({ ...body, data: `${body.data}AAAA` }).success, false);
  });
});
