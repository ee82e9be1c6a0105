import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archiveEntryProblem } from './artifact.js';
import { CHUNK_BYTES, MAX_FRAME_BYTES } from './limits.js';
import { RequestDataBody } from './data-stream.js';
import { envelopeFactory } from './envelope.js';
import { toWire, WirePieces } from './wire-form.js';

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
  it('fit in one relay frame even where the JSON subprotocol carries them as base64', () => {
    const body = { seq: 1, offset: 0, data: Buffer.alloc(CHUNK_BYTES, 0xff), total: 2 ** 40 };
    assert.equal(RequestDataBody.safeParse(body).success, true);
    const make = envelopeFactory({ role: 'daemon', id: 'd'.repeat(128), now: () => 2 ** 45, newId: () => 'i'.repeat(128) });
    const wire = toWire(make('request.data', body, 'r'.repeat(128)));
    assert.ok(wire instanceof WirePieces);
    assert.ok(Math.ceil(wire.byteLength / 3) * 4 < MAX_FRAME_BYTES - 64 * 1024);
    assert.equal(RequestDataBody.safeParse({ ...body, data: Buffer.alloc(CHUNK_BYTES + 1) }).success, false);
    assert.equal(RequestDataBody.safeParse({ ...body, data: body.data.toString('base64') }).success, false);
  });
});
