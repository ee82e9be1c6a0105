import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, FS_KINDS, FsRequestResults } from '@remote-agent/contracts';
import { fsOperations, runFsOperation } from './index.js';
import { makeTempDir, rejectsWith, writeTree } from './temp-tree.test.util.js';

describe('runFsOperation', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => ({ dir, remove } = await makeTempDir()));
  afterEach(() => remove());

  it('has an operation for every fs kind in the contracts', () => {
    assert.deepEqual(Object.keys(fsOperations).sort(), [...FS_KINDS].sort());
  });

  it('runs a kind with params off the wire and returns a result matching its schema', async () => {
    await writeTree(dir, { 'a.txt': 'hello\n' });
    const result = await runFsOperation('fs.read', { path: 'a.txt' }, { workDir: dir });
    assert.equal(FsRequestResults['fs.read'].parse(result).content, 'hello\n');
  });

  it('refuses an unknown kind and invalid params with errors an agent can act on', async () => {
    await rejectsWith(runFsOperation('fs.chmod', {}, { workDir: dir }), ErrorCode.UnsupportedKind, 'fs.read');
    await rejectsWith(runFsOperation('fs.read', { path: 42 }, { workDir: dir }), ErrorCode.BadRequest, 'invalid fs.read params', 'path');
    await rejectsWith(runFsOperation('fs.read', null, { workDir: dir }), ErrorCode.BadRequest, 'path');
    await rejectsWith(runFsOperation('fs.write', { path: 'x', content: 'y', mode: 'truncate' }, { workDir: dir }), ErrorCode.BadRequest, 'mode');
  });
});
