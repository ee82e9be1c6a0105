import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { ErrorCode, FS_KINDS, FsRequestResults } from '@remote-agent/contracts';
import { startHarness, type Harness } from '../test-support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('fs.* handlers', () => {
  test('every fs kind is advertised and answered with outcome done and its result', async () => {
    h = await startHarness();
    for (const kind of FS_KINDS) assert.ok(h.executor.info().capabilities.includes(kind), kind);
    await writeFile(join(h.config.workDir, 'a.txt'), 'one\r\ntwo\r\n');
    await h.daemon.submit('exec-1', 'r1', 'fs.read', { path: 'a.txt' });
    const result = await h.daemon.result('r1');
    assert.equal(result.outcome, 'done');
    assert.equal(result.ok, true);
    const read = FsRequestResults['fs.read'].parse(result.result);
    assert.equal(read.content, 'one\r\ntwo\r\n');
    assert.equal(read.lineEnding, 'crlf');
    const accepted = await h.daemon.waitForType('request.accepted', 'r1');
    assert.deepEqual(accepted.body, { kind: 'fs.read', state: 'running' });
  });

  test('an operation error is outcome failed with its code; bad params are rejected before running', async () => {
    h = await startHarness();
    await writeFile(join(h.config.workDir, 'b.txt'), 'x x\n');
    await h.daemon.submit('exec-1', 'r1', 'fs.edit', { path: 'b.txt', edits: [{ oldText: 'x', newText: 'y' }] });
    const ambiguous = await h.daemon.result('r1');
    assert.equal(ambiguous.outcome, 'failed');
    assert.equal(ambiguous.error?.code, ErrorCode.Conflict);
    assert.match(ambiguous.error?.message ?? '', /2 times|replaceAll/);
    assert.equal(await readFile(join(h.config.workDir, 'b.txt'), 'utf8'), 'x x\n');

    await h.daemon.submit('exec-1', 'r2', 'fs.write', { path: 'c.txt', content: 'z', mode: 'truncate' });
    const rejected = await h.daemon.result('r2');
    assert.equal(rejected.outcome, 'rejected');
    assert.equal(rejected.error?.code, ErrorCode.BadRequest);
    assert.match(rejected.error?.message ?? '', /mode/);
  });

  test('fs requests take no concurrency slot: they run while commands fill every slot', async () => {
    h = await startHarness({ env: { EXECUTOR_MAX_CONCURRENT: '1' } });
    await h.daemon.submit('exec-1', 'busy', 'run', { command: process.platform === 'win32' ? 'ping -n 30 127.0.0.1' : 'sleep 30' });
    await h.daemon.waitForType('request.accepted', 'busy');
    await h.daemon.submit('exec-1', 'r1', 'fs.stat', { path: 'nothing-here' });
    const result = await h.daemon.result('r1');
    assert.equal(result.ok, true);
    assert.equal(FsRequestResults['fs.stat'].parse(result.result).exists, false);
  });
});
