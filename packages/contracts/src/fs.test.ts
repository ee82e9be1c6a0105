import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import {
  FS_KINDS,
  FS_READ_DEFAULT_BYTES,
  FS_READ_MAX_BYTES,
  FS_RESULT_BUDGET_BYTES,
  FS_WRITE_MAX_BYTES,
  FsKindEffects,
  FsRequestParams,
  FsRequestResults,
  isFsKind,
} from './fs.js';
import { MAX_FRAME_BYTES } from './limits.js';

describe('fs schemas', () => {
  it('have params, a result and effects for the same nine kinds', () => {
    assert.deepEqual(FS_KINDS, ['fs.list', 'fs.stat', 'fs.read', 'fs.write', 'fs.edit', 'fs.search', 'fs.mkdir', 'fs.move', 'fs.remove']);
    assert.deepEqual(Object.keys(FsRequestResults), FS_KINDS);
    assert.deepEqual(Object.keys(FsKindEffects).sort(), [...FS_KINDS].sort());
    assert.equal(isFsKind('fs.read'), true);
    assert.equal(isFsKind('run'), false);
    assert.equal(isFsKind('toString'), false);
  });

  it('apply sane defaults', () => {
    assert.deepEqual(FsRequestParams['fs.read'].parse({ path: 'a' }), { path: 'a', format: 'text', maxBytes: FS_READ_DEFAULT_BYTES });
    assert.deepEqual(FsRequestParams['fs.list'].parse({}), { path: '.', depth: 1, hidden: false, limit: 200 });
    assert.equal(FsRequestParams['fs.remove'].parse({ path: 'x' }).recursive, false);
    assert.equal(FsRequestParams['fs.write'].parse({ path: 'x', content: '' }).mode, 'overwrite');
  });

  it('enforce bounds that keep every answer inside one relay frame', () => {
    assert.equal(FsRequestParams['fs.read'].safeParse({ path: 'a', maxBytes: FS_READ_MAX_BYTES + 1 }).success, false);
    assert.equal(FsRequestParams['fs.read'].safeParse({ path: 'a', length: FS_READ_MAX_BYTES + 1, format: 'base64' }).success, false);
    assert.equal(FsRequestParams['fs.list'].safeParse({ limit: 1001 }).success, false);
    assert.equal(FsRequestParams['fs.search'].safeParse({ pattern: 'x', maxResults: 1001 }).success, false);
    assert.equal(FsRequestParams['fs.read'].safeParse({ path: '' }).success, false);
    assert.equal(FsRequestParams['fs.read'].safeParse({ path: 'a\0b' }).success, false);
    assert.equal(FsRequestParams['fs.write'].safeParse({ path: 'a', content: 'x', expectedSha256: 'abc' }).success, false);
    assert.equal(FsRequestParams['fs.edit'].safeParse({ path: 'a', edits: [] }).success, false);
    // The largest base64 read plus an envelope's fields stays well under a frame.
    const base64 = Math.ceil(FS_READ_MAX_BYTES / 3) * 4;
    assert.ok(base64 + 4096 < 0.7 * MAX_FRAME_BYTES);
    assert.ok(FS_RESULT_BUDGET_BYTES + 16 * 1024 < 0.7 * MAX_FRAME_BYTES);
    assert.ok(Math.ceil(FS_WRITE_MAX_BYTES / 3) * 4 + 4096 < 0.7 * MAX_FRAME_BYTES);
  });

  it('can be extended with executorId for the MCP tools and turned into JSON Schema', () => {
    for (const kind of FS_KINDS) {
      const input = FsRequestParams[kind].extend({ executorId: z.string().min(1) });
      const json = z.toJSONSchema(input, { io: 'input' }) as { properties?: Record<string, { description?: string }> };
      assert.ok(json.properties?.executorId, kind);
      for (const [name, prop] of Object.entries(json.properties ?? {})) {
        if (name !== 'executorId') assert.ok(prop.description, `${kind}.${name} needs a description an agent can act on`);
      }
      const output = z.toJSONSchema(FsRequestResults[kind], { io: 'output' }) as { type?: string };
      assert.equal(output.type, 'object', kind);
    }
  });
});
