import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { RunParamsSchema } from '../requests.js';
import {
  advertisedToolName,
  ExecutorInstructionSetInputSchema,
  ExecutorsFindInputSchema,
  ExecutorsListInputSchema,
  MAX_RUN_TIMEOUT_MS,
  RemoteRequestStatusInputSchema,
  RemoteRunInputSchema,
  RemoteRunOutputSchema,
  TOOL_ALIASES,
  TOOL_NAME_PATTERN,
  toolAlias,
  ToolNames,
} from './index.js';

test('every tool has an underscore alias that every client accepts', () => {
  for (const name of Object.values(ToolNames)) {
    const alias = TOOL_ALIASES[name];
    assert.match(alias, TOOL_NAME_PATTERN, name);
    assert.equal(alias, name.replace(/\./g, '_'));
    assert.equal(advertisedToolName(name, 'underscore'), alias);
    assert.equal(advertisedToolName(name, 'dotted'), name);
  }
  assert.equal(toolAlias('fs.read_file'), 'fs_read_file');
});

test('input schemas become JSON Schema objects; defaults are not required', () => {
  for (const schema of [RemoteRunInputSchema, RemoteRequestStatusInputSchema, ExecutorsFindInputSchema]) {
    const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' });
    assert.equal(json.type, 'object');
  }
  const run = z.toJSONSchema(RemoteRunInputSchema, { target: 'draft-7', io: 'input' });
  assert.deepEqual(run.required, ['executorId', 'command']);
});

test('run input defaults waitForCompletion and yields params the executor accepts', () => {
  const parsed = RemoteRunInputSchema.parse({ executorId: 'a', command: 'echo hi', timeoutMs: MAX_RUN_TIMEOUT_MS });
  assert.equal(parsed.waitForCompletion, true);
  const { executorId: _id, waitForCompletion: _wait, ...params } = parsed;
  assert.equal(RunParamsSchema.safeParse(params).success, true);
});

test('bad run input gets messages that say what to do', () => {
  const messages = (input: unknown): string =>
    (RemoteRunInputSchema.safeParse(input).error?.issues ?? []).map((i) => i.message).join('; ');
  assert.match(messages({ executorId: 'a', command: '   ' }), /command is empty/);
  assert.match(messages({ executorId: 'a' }), /command is required/);
  assert.match(messages({ executorId: 'a', command: 'x', timeoutMs: 0 }), /timeoutMs must be a whole number/);
  assert.match(messages({ executorId: 'a', command: 'x', timeoutMs: 1.5 }), /timeoutMs must be a whole number/);
  assert.match(messages({ executorId: 'a', command: 'x', timeoutMs: '10' }), /timeoutMs must be a whole number/);
  assert.match(messages({ command: 'x' }), /executorId is required/);
  assert.match(messages({ executorId: 7, command: 'x' }), /executorId must be a string/);
  assert.match(messages({ executorId: 'a', command: 'x', env: 'A=1' }), /env must be an object/);
  assert.match(messages({ executorId: 'a', command: 'x', env: { 'A=B': '1' } }), /Invalid key|env names cannot/);
});

test('status paging takes tailLines or offset/length, not both', () => {
  assert.equal(RemoteRequestStatusInputSchema.safeParse({ requestId: 'r', tailLines: 5 }).success, true);
  assert.equal(RemoteRequestStatusInputSchema.safeParse({ requestId: 'r', offset: 0, length: 10 }).success, true);
  const both = RemoteRequestStatusInputSchema.safeParse({ requestId: 'r', tailLines: 5, offset: 0 });
  assert.match(both.error?.issues[0]?.message ?? '', /either tailLines or offset/);
});

test('executor inputs accept one status or several, and bound instructions', () => {
  assert.equal(ExecutorsListInputSchema.safeParse({ status: 'online' }).success, true);
  assert.equal(ExecutorsListInputSchema.safeParse({ status: ['online', 'suspect'] }).success, true);
  assert.equal(ExecutorsListInputSchema.safeParse({ status: 'gone' }).success, false);
  assert.equal(ExecutorInstructionSetInputSchema.safeParse({ executorId: 'a', instruction: '' }).success, true);
  assert.equal(ExecutorInstructionSetInputSchema.safeParse({ executorId: 'a', instruction: 'x'.repeat(9000) }).success, false);
});

test('a run report validates with nulls before completion', () => {
  const report = {
    requestId: 'r',
    executorId: 'a',
    kind: 'run',
    status: 'running',
    outcome: null,
    ok: null,
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    truncated: false,
    stdoutBytes: 0,
    stderrBytes: 0,
    durationMs: null,
    createdAt: 1,
    startedAt: null,
    completedAt: null,
  };
  assert.equal(RemoteRunOutputSchema.safeParse(report).success, true);
  assert.equal(RemoteRunOutputSchema.safeParse({ ...report, status: 'finished' }).success, false);
});
