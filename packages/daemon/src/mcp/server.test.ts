import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProgressNotification } from '@modelcontextprotocol/sdk/types.js';
import { TOOL_NAME_PATTERN, toolAlias, ToolNames } from '@remote-agent/contracts';
import { call, connectInMemory, errorText, structured, TEST_MAX_WAIT_MS, TEST_PROGRESS_INTERVAL_MS } from './test-client.js';
import { defaultTools } from './tools/index.js';
import { TIMEOUT_REPORT_MARGIN_MS } from './tools/remote-run.js';

/** The seed's tools; other families join defaultTools as they are built. */
const SEED_TOOLS = [
  ToolNames.executorsList,
  ToolNames.executorsGet,
  ToolNames.executorsFind,
  ToolNames.executorInstructionSet,
  ToolNames.remoteRun,
  ToolNames.remoteCancel,
  ToolNames.remoteRequestStatus,
];

type Report = Record<string, unknown> & { requestId: string; status: string };

test('tools/list advertises underscore names by default, with schemas and annotations', async () => {
  const { client, close } = await connectInMemory();
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), defaultTools.map((t) => toolAlias(t.name)).sort());
  for (const seed of SEED_TOOLS) assert.ok(tools.some((t) => t.name === toolAlias(seed)), seed);
  for (const tool of tools) {
    assert.match(tool.name, TOOL_NAME_PATTERN);
    assert.equal(tool.inputSchema.type, 'object');
    assert.equal(tool.outputSchema?.type, 'object');
    assert.ok((tool.description ?? '').length > 40, tool.name);
    assert.ok(!(tool.description ?? '').includes('remote.'), `${tool.name} mentions a dotted name`);
  }
  const byName = new Map(tools.map((t) => [t.name, t]));
  assert.equal(byName.get('executors_list')?.annotations?.readOnlyHint, true);
  assert.equal(byName.get('remote_request_status')?.annotations?.readOnlyHint, true);
  assert.equal(byName.get('remote_run')?.annotations?.destructiveHint, true);
  assert.equal(byName.get('remote_run')?.annotations?.openWorldHint, true);
  assert.equal(byName.get('remote_cancel')?.annotations?.destructiveHint, true);
  assert.equal(byName.get('executor_instruction_set')?.annotations?.idempotentHint, true);
  assert.deepEqual(byName.get('remote_run')?.inputSchema.required, ['executorId', 'command']);
  await close();
});

test('dotted mode advertises the seed names and descriptions point at them', async () => {
  const { client, close } = await connectInMemory('dotted');
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), defaultTools.map((t) => t.name).sort());
  for (const seed of SEED_TOOLS) assert.ok(tools.some((t) => t.name === seed), seed);
  const run = tools.find((t) => t.name === 'remote.run');
  assert.match(run?.description ?? '', /remote\.request_status/);
  await close();
});

for (const naming of ['underscore', 'dotted'] as const) {
  test(`a call works by either name in ${naming} mode`, async () => {
    const { client, core, close } = await connectInMemory(naming);
    core.addExecutor('a');
    for (const name of ['executors.list', 'executors_list']) {
      const out = structured<{ total: number }>(await call(client, name));
      assert.equal(out.total, 1, name);
    }
    await close();
  });
}

test('an unknown tool is a tool error naming the tools', async () => {
  const { client, close } = await connectInMemory();
  const result = await call(client, 'remote_explode');
  assert.equal(result.isError, true);
  assert.match(errorText(result), /unknown tool "remote_explode".*remote_run/);
  await close();
});

test('executors_list filters by status, sorts by id and bounds the list', async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('b', { instruction: 'x'.repeat(500) });
  core.addExecutor('a');
  core.addExecutor('c', { status: 'offline' });
  const all = structured<{ executors: Array<{ executorId: string; instructionPreview: string }>; total: number }>(
    await call(client, 'executors_list'),
  );
  assert.deepEqual(all.executors.map((e) => e.executorId), ['a', 'b', 'c']);
  assert.ok(all.executors[1]!.instructionPreview.length <= 200);
  const online = structured<{ executors: Array<{ executorId: string }> }>(
    await call(client, 'executors_list', { status: 'online' }),
  );
  assert.deepEqual(online.executors.map((e) => e.executorId), ['a', 'b']);
  const limited = structured<{ executors: unknown[]; total: number }>(await call(client, 'executors_list', { limit: 1 }));
  assert.equal(limited.executors.length, 1);
  assert.equal(limited.total, 3);
  await close();
});

test('executors_find matches tags, status and text', async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('gpu-1', { tags: { gpu: 'a100' } });
  core.addExecutor('win-1', { os: 'windows', tags: { gpu: 'none' }, instruction: 'Runs the Windows test suite' });
  core.addExecutor('gpu-2', { tags: { gpu: 'a100' }, status: 'suspect' });
  const ids = async (args: Record<string, unknown>): Promise<string[]> =>
    structured<{ executors: Array<{ executorId: string }> }>(await call(client, 'executors_find', args)).executors.map(
      (e) => e.executorId,
    );
  assert.deepEqual(await ids({ tags: { gpu: 'a100' } }), ['gpu-1', 'gpu-2']);
  assert.deepEqual(await ids({ tags: { gpu: 'a100' }, status: ['online'] }), ['gpu-1']);
  assert.deepEqual(await ids({ text: 'windows TEST' }), ['win-1']);
  await close();
});

test('executors_get returns the full executor with its instruction; unknown ids are tool errors', async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a', { instruction: 'The build box: use /srv/build' });
  const out = structured<{ executorId: string; instruction: string; status: string }>(
    await call(client, 'executors_get', { executorId: 'a' }),
  );
  assert.equal(out.instruction, 'The build box: use /srv/build');
  assert.equal(out.status, 'online');
  const missing = await call(client, 'executors_get', { executorId: 'nope' });
  assert.equal(missing.isError, true);
  assert.match(errorText(missing), /UNKNOWN_EXECUTOR: no executor "nope".*executors_list/);
  await close();
});

test('executor_instruction_set replaces the instruction, then get shows it', async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a', { instruction: 'old' });
  const set = structured<{ instruction: string; instructionUpdatedAt: number }>(
    await call(client, 'executor_instruction_set', { executorId: 'a', instruction: 'GPU box; CUDA 12' }),
  );
  assert.equal(set.instruction, 'GPU box; CUDA 12');
  assert.equal(set.instructionUpdatedAt, core.clock.now());
  const got = structured<{ instruction: string }>(await call(client, 'executors_get', { executorId: 'a' }));
  assert.equal(got.instruction, 'GPU box; CUDA 12');
  const missing = await call(client, 'executor_instruction_set', { executorId: 'a' });
  assert.match(errorText(missing), /instruction is required/);
  await close();
});

test('remote_run waits for the result and keeps stdout and stderr apart', async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a');
  core.respond = () => ({ stdout: 'hi\n', stderr: 'oops\n', exitCode: 3 });
  const result = await call(client, 'remote_run', {
    executorId: 'a',
    command: 'echo hi; echo oops >&2; exit 3',
    cwd: '/tmp',
    env: { A: '1' },
    timeoutMs: 5000,
    stdin: 'input',
  });
  const out = structured<Report>(result);
  assert.equal(out.status, 'completed');
  assert.equal(out.outcome, 'exited');
  assert.equal(out.ok, false);
  assert.equal(out.exitCode, 3);
  assert.equal(out.stdout, 'hi\n');
  assert.equal(out.stderr, 'oops\n');
  assert.equal(out.truncated, false);
  assert.equal(out.executorId, 'a');
  assert.equal(typeof out.durationMs, 'number');
  assert.deepEqual(core.submitted, [
    {
      executorId: 'a',
      kind: 'run',
      params: { command: 'echo hi; echo oops >&2; exit 3', cwd: '/tmp', env: { A: '1' }, timeoutMs: 5000, stdin: 'input' },
    },
  ]);
  assert.match(errorText(result), /exited with code 3, ok=false/);
  const json = result.content[1];
  assert.ok(json !== undefined && json.type === 'text');
  assert.deepEqual(JSON.parse(json.text), result.structuredContent);
  await close();
});

test('remote_run without waiting returns the requestId at once; status and cancel take it', async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a');
  const started = structured<Report>(
    await call(client, 'remote_run', { executorId: 'a', command: 'sleep 30', waitForCompletion: false }),
  );
  assert.equal(started.status, 'running');
  assert.match(String(started.hint), /remote_request_status.*remote_cancel/);
  core.output(started.requestId, 'stdout', 'tick\n');
  const status = structured<Report>(await call(client, 'remote_request_status', { requestId: started.requestId }));
  assert.equal(status.status, 'running');
  assert.equal(status.stdout, 'tick\n');
  const cancelled = structured<Report>(await call(client, 'remote_cancel', { requestId: started.requestId, reason: 'test' }));
  assert.equal(cancelled.status, 'completed');
  assert.equal(cancelled.outcome, 'cancelled');
  assert.equal(cancelled.ok, false);
  assert.equal(cancelled.exitCode, null);
  await close();
});

test('a waited run past the max wait returns running with the output so far and the requestId', { timeout: 20_000 }, async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a');
  const pending = call(client, 'remote_run', { executorId: 'a', command: 'sleep 100' });
  const wait = await core.nextWait();
  assert.equal(wait.maxWaitMs, TEST_MAX_WAIT_MS);
  core.output(wait.requestId, 'stdout', 'partial\n');
  core.clock.advance(TEST_MAX_WAIT_MS);
  const out = structured<Report>(await pending);
  assert.equal(out.status, 'running');
  assert.equal(out.requestId, wait.requestId);
  assert.equal(out.stdout, 'partial\n');
  assert.equal(out.ok, null);
  assert.match(String(out.hint), new RegExp(`remote_request_status with requestId "${wait.requestId}"`));
  await close();
});

test('a short timeoutMs bounds the wait (plus a margin for the timed_out result)', { timeout: 20_000 }, async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a');
  const pending = call(client, 'remote_run', { executorId: 'a', command: 'sleep 100', timeoutMs: 1000 });
  const wait = await core.nextWait();
  assert.equal(wait.maxWaitMs, 1000 + TIMEOUT_REPORT_MARGIN_MS);
  core.complete(wait.requestId, { outcome: 'timed_out', ok: false, exitCode: null, signal: 'SIGTERM' });
  const out = structured<Report>(await pending);
  assert.equal(out.outcome, 'timed_out');
  assert.equal(out.exitCode, null);
  await close();
});

test('progress notifications carry the output so far, at most once per interval', { timeout: 20_000 }, async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a');
  const notes: Array<ProgressNotification['params']> = [];
  let first: () => void = () => undefined;
  const firstArrived = new Promise<void>((resolve) => (first = resolve));
  const pending = client.callTool({ name: 'remote_run', arguments: { executorId: 'a', command: 'build' } }, undefined, {
    onprogress: (p) => {
      notes.push(p as ProgressNotification['params']);
      first();
    },
  });
  const wait = await core.nextWait();
  core.output(wait.requestId, 'stdout', 'step 1\n');
  await firstArrived;
  core.output(wait.requestId, 'stdout', 'step 2\n');
  core.output(wait.requestId, 'stderr', 'warn\n');
  core.clock.advance(TEST_PROGRESS_INTERVAL_MS);
  core.complete(wait.requestId, { stdout: 'done\n' });
  await pending;
  assert.equal(notes.length, 2);
  assert.equal(notes[0]!.progress, 7);
  assert.equal(notes[0]!.message, 'step 1\n');
  assert.equal(notes[1]!.progress, 19);
  assert.equal(notes[1]!.message, 'step 2\n\n[stderr] warn\n');
  await close();
});

test('no progress notifications without a progress token', { timeout: 20_000 }, async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a');
  let notified = 0;
  client.setNotificationHandler(
    (await import('@modelcontextprotocol/sdk/types.js')).ProgressNotificationSchema,
    () => {
      notified += 1;
    },
  );
  const pending = call(client, 'remote_run', { executorId: 'a', command: 'build' });
  const wait = await core.nextWait();
  core.output(wait.requestId, 'stdout', 'step 1\n');
  core.complete(wait.requestId);
  structured(await pending);
  assert.equal(notified, 0);
  await close();
});

test('remote_request_status pages through stored output by offset or tail', async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a');
  core.respond = () => ({ stdout: 'one\ntwo\nthree\n' });
  const run = structured<Report>(await call(client, 'remote_run', { executorId: 'a', command: 'x' }));
  const page = structured<{ output: { data: string; nextOffset: number } }>(
    await call(client, 'remote_request_status', { requestId: run.requestId, offset: 4, length: 4 }),
  );
  assert.equal(page.output.data, 'two\n');
  assert.equal(page.output.nextOffset, 8);
  const tail = structured<{ output: { data: string } }>(
    await call(client, 'remote_request_status', { requestId: run.requestId, stream: 'stdout', tailLines: 1 }),
  );
  assert.equal(tail.output.data, 'three\n');
  assert.deepEqual(core.outputReads.map((r) => r.options), [
    { stream: 'stdout', offset: 4, length: 4 },
    { stream: 'stdout', tailLines: 1 },
  ]);
  const plain = structured<Record<string, unknown>>(await call(client, 'remote_request_status', { requestId: run.requestId }));
  assert.equal(plain.output, undefined);
  assert.equal(core.outputReads.length, 2);
  await close();
});

test('a truncated completed run says how to page through the rest', async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a');
  const started = structured<Report>(
    await call(client, 'remote_run', { executorId: 'a', command: 'big', waitForCompletion: false }),
  );
  core.complete(started.requestId, { stdout: 'x', truncated: true });
  const status = structured<Report>(await call(client, 'remote_request_status', { requestId: started.requestId }));
  assert.equal(status.truncated, true);
  assert.match(String(status.hint), /longer than the daemon keeps.*remote_request_status.*tailLines/);
  core.respond = () => ({ stdout: 'short' });
  const small = structured<Report>(await call(client, 'remote_run', { executorId: 'a', command: 'echo' }));
  assert.equal(small.hint, undefined);
  await close();
});

test('bad input gets tool errors that say what was wrong and what to do', async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a');
  core.addExecutor('down', { status: 'offline' });
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['remote_run', { executorId: 'ghost', command: 'ls' }, /UNKNOWN_EXECUTOR: .*"ghost".*executors_list/],
    ['remote_run', { executorId: 'down', command: 'ls' }, /EXECUTOR_OFFLINE: .*"down" is offline.*online/],
    ['remote_run', { executorId: 'a', command: '  ' }, /BAD_REQUEST: invalid arguments for remote_run: command is empty.*call remote_run again/],
    ['remote_run', { executorId: 'a' }, /command is required/],
    ['remote_run', { executorId: 'a', command: 'ls', timeoutMs: -5 }, /timeoutMs must be a whole number of milliseconds/],
    ['remote_run', { executorId: 'a', command: 'ls', timeoutMs: 'soon' }, /timeoutMs must be a whole number/],
    ['remote_request_status', { requestId: 'r-404' }, /UNKNOWN_REQUEST: .*"r-404".*remote_run returned/],
    ['remote_cancel', { requestId: 'r-404' }, /UNKNOWN_REQUEST/],
    ['remote_request_status', { requestId: 'r', tailLines: 3, offset: 0 }, /either tailLines or offset/],
    ['executors_list', { status: 'sleeping' }, /status must be "online", "suspect" or "offline"/],
    ['executor_instruction_set', { executorId: 'down', instruction: 'x' }, /EXECUTOR_OFFLINE/],
  ];
  for (const [name, args, expected] of cases) {
    const result = await call(client, name, args);
    assert.equal(result.isError, true, `${name} ${JSON.stringify(args)}`);
    assert.equal(result.structuredContent, undefined);
    assert.match(errorText(result), expected);
  }
  assert.equal(core.submitted.length, 0);
  await close();
});

test('a core failure that is not a RemoteAgentError is an INTERNAL tool error, not a crash', async () => {
  const { client, core, close } = await connectInMemory();
  core.addExecutor('a');
  core.respond = () => {
    throw new Error('disk on fire');
  };
  const result = await call(client, 'remote_run', { executorId: 'a', command: 'ls' });
  assert.equal(result.isError, true);
  assert.match(errorText(result), /^INTERNAL: disk on fire/);
  const after = structured<{ total: number }>(await call(client, 'executors_list'));
  assert.equal(after.total, 1);
  await close();
});
