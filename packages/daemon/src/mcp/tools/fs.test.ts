import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, FS_KINDS, toolAlias } from '@remote-agent/contracts';
import { FakeCore } from '../fake-core.js';
import { call, connectInMemory, errorText, structured, TEST_MAX_WAIT_MS } from '../test-client.js';

const READ_RESULT = {
  path: '/work/a.txt',
  size: 6,
  sha256: 'a'.repeat(64),
  mtime: '2026-01-01T00:00:00.000Z',
  format: 'text',
  binary: false,
  encoding: 'utf8',
  bom: false,
  lineEnding: 'lf',
  content: 'hello\n',
  startLine: 1,
  endLine: 1,
  totalLines: 1,
  truncated: false,
};

function coreWithExecutor(): FakeCore {
  const core = new FakeCore();
  core.addExecutor('box');
  return core;
}

test('every fs kind is a tool named by the naming mode, annotated by its effects', async () => {
  for (const naming of ['underscore', 'dotted'] as const) {
    const { client, close } = await connectInMemory(naming);
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const kind of FS_KINDS) assert.ok(byName.has(naming === 'dotted' ? kind : toolAlias(kind)), `${kind} in ${naming} mode`);
    const name = (kind: string): string => (naming === 'dotted' ? kind : toolAlias(kind));
    assert.equal(byName.get(name('fs.read'))?.annotations?.readOnlyHint, true);
    assert.equal(byName.get(name('fs.remove'))?.annotations?.destructiveHint, true);
    assert.equal(byName.get(name('fs.mkdir'))?.annotations?.destructiveHint, false);
    assert.deepEqual(byName.get(name('fs.read'))?.inputSchema.required, ['executorId', 'path']);
    await close();
  }
});

test('a call submits the kind with its params (defaults applied) and returns the executor result', async () => {
  const core = coreWithExecutor();
  core.respond = () => ({ outcome: 'done', ok: true, result: READ_RESULT });
  const { client, close } = await connectInMemory('underscore', core);
  const result = await call(client, 'fs.read', { executorId: 'box', path: 'a.txt' });
  assert.deepEqual(structured(result), READ_RESULT);
  assert.deepEqual(core.submitted[0], {
    executorId: 'box',
    kind: 'fs.read',
    params: { path: 'a.txt', format: 'text', maxBytes: 256 * 1024 },
  });
  await close();
});

test("the executor's error comes back as a tool error with its code and message", async () => {
  const core = coreWithExecutor();
  core.respond = () => ({
    outcome: 'failed',
    ok: false,
    error: { code: ErrorCode.Conflict, message: 'oldText "x" matches 2 times in /w/b.txt: add surrounding lines' },
  });
  const { client, close } = await connectInMemory('underscore', core);
  const result = await call(client, 'fs_edit', { executorId: 'box', path: 'b.txt', edits: [{ oldText: 'x', newText: 'y' }] });
  assert.equal(result.isError, true);
  assert.equal(errorText(result), 'CONFLICT: oldText "x" matches 2 times in /w/b.txt: add surrounding lines');
  const bad = await call(client, 'fs_write', { executorId: 'box', path: 'c', content: 'z', mode: 'truncate' });
  assert.equal(bad.isError, true);
  assert.match(errorText(bad), /^BAD_REQUEST: invalid arguments for fs_write: .*mode/);
  assert.equal(core.submitted.length, 1, 'invalid arguments never reach the executor');
  await close();
});

test('a request still running after the max wait is a TIMED_OUT error naming how to get its result', async () => {
  const core = coreWithExecutor();
  const { client, close } = await connectInMemory('underscore', core);
  const pending = call(client, 'fs_search', { executorId: 'box', pattern: 'TODO' });
  await core.nextWait();
  core.clock.advance(TEST_MAX_WAIT_MS);
  const result = await pending;
  assert.equal(result.isError, true);
  assert.match(errorText(result), /^TIMED_OUT: fs_search on box has not finished .*remote_request_status with requestId "req-1"/);
  await close();
});
