/**
 * fs.* and artifact.* as an agent uses them: a relay, an executor and the HTTP MCP daemon as real processes
 * from the built output, driven by the official MCP SDK client. Large transfers are timed (printed as
 * diagnostics beside a plain local copy, never asserted), and one transfer survives a relay restart.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { eventually, freePort, loopbackConnectionString, startEntry, tempDir, type EntryProcess } from '../helpers/spawn-entry.js';

interface Transfer {
  requestId: string;
  status: string;
  ok: boolean | null;
  outcome: string | null;
  localPath: string;
  remotePath: string;
  type: string | null;
  totalBytes: number | null;
  transferredBytes: number;
  wireBytes: number;
  resumes: number;
  resumedAt: number[];
  sha256: string | null;
  files: number | null;
  directories: number | null;
  durationMs: number | null;
  megabytesPerSecond: number | null;
  error?: { code: string; message: string };
}

const EXECUTOR = 'files-e2e';
const MB = 1024 * 1024;
const LONG_CALL = { timeout: 120_000 };

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Relative path -> sha256 of every file, and '' for every folder, under `dir`. */
async function treeDigest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      const rel = relative(dir, full).split('\\').join('/');
      if (entry.isDirectory()) {
        out[`${rel}/`] = '';
        await walk(full);
      } else out[rel] = createHash('sha256').update(await readFile(full)).digest('hex');
    }
  };
  await walk(dir);
  return out;
}

function rate(bytes: number, ms: number): string {
  return `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;
}

describe('fs.* and artifact.* end to end (relay, executor, MCP daemon as processes)', () => {
  const processes: EntryProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  let client: Client;
  let relay: EntryProcess;
  let relayEnv: Record<string, string>;
  let work: string;
  let root: string;
  let scratch: string;

  async function call(name: string, args: Record<string, unknown>, onprogress?: (p: { progress: number }) => void): Promise<CallToolResult> {
    const options = onprogress === undefined ? LONG_CALL : { ...LONG_CALL, onprogress };
    return (await client.callTool({ name, arguments: { executorId: EXECUTOR, ...args } }, undefined, options)) as CallToolResult;
  }

  async function callOk<T>(name: string, args: Record<string, unknown>, onprogress?: (p: { progress: number }) => void): Promise<T> {
    const result = await call(name, args, onprogress);
    assert.notEqual(result.isError, true, `${name} failed: ${JSON.stringify(result.content)}`);
    return result.structuredContent as T;
  }

  async function callError(name: string, args: Record<string, unknown>): Promise<string> {
    const result = await call(name, args);
    assert.equal(result.isError, true, `expected ${name} to fail, got ${JSON.stringify(result.structuredContent)}`);
    return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  }

  async function transferDone(requestId: string): Promise<Transfer> {
    return eventually(
      `transfer ${requestId} to complete`,
      async () => {
        const view = await callOk<Transfer>('artifact_status', { requestId });
        return view.status === 'completed' ? view : null;
      },
      90_000,
      100,
    );
  }

  before(async () => {
    const relayPort = await freePort();
    const mcpPort = await freePort();
    relayEnv = { WEB_PUBSUB_CONNECTION_STRING: loopbackConnectionString(relayPort), WEB_PUBSUB_HUB: 'files' };
    relay = startEntry('relay', 'packages/relay/dist/main.js', relayEnv);
    processes.push(relay);
    await relay.waitForLine(/relay listening/);

    const executorState = await tempDir('files-exec-state');
    const executorWork = await tempDir('files-exec-work');
    const daemonState = await tempDir('files-daemon-state');
    const artifacts = await tempDir('files-artifacts');
    const local = await tempDir('files-scratch');
    cleanups.push(executorState.remove, executorWork.remove, daemonState.remove, artifacts.remove, local.remove);
    work = executorWork.path;
    root = artifacts.path;
    scratch = local.path;

    const executor = startEntry('executor', 'packages/executor/dist/main.js', {
      ...relayEnv,
      EXECUTOR_ID: EXECUTOR,
      EXECUTOR_STATE_DIR: executorState.path,
      EXECUTOR_WORK_DIR: work,
    });
    const daemon = startEntry('daemon', 'packages/daemon/dist/mcp-main.js', {
      ...relayEnv,
      DAEMON_STATE_DIR: daemonState.path,
      DAEMON_MCP_PORT: String(mcpPort),
      DAEMON_ARTIFACT_ROOTS: root,
      DAEMON_RUN_MAX_WAIT_MS: '60000',
      DAEMON_PROGRESS_INTERVAL_MS: '100',
    });
    processes.push(executor, daemon);
    await daemon.waitForLine(/mcp streamable http listening/);
    await executor.waitForLine(/hello published/);

    client = new Client({ name: 'remote-agent-files-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${mcpPort}/mcp`)));
    await client.listTools();
    await eventually('the executor to be online at the daemon', async () => {
      const listed = (await client.callTool({ name: 'executors_list', arguments: {} })).structuredContent as {
        executors: Array<{ executorId: string; status: string }>;
      };
      return listed.executors.some((e) => e.executorId === EXECUTOR && e.status === 'online');
    });
  });

  after(async () => {
    await client?.close().catch(() => undefined);
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all(cleanups.map((c) => c()));
  });

  it('lists, reads, writes, edits, searches, moves and removes files on the executor', async () => {
    const written = await callOk<{ created: boolean; sha256: string; size: number }>('fs_write', {
      path: 'proj/src/app.py',
      content: 'def main():\r\n    print("hello")\r\n    print("hello")\r\n',
      createDirs: true,
    });
    assert.equal(written.created, true);
    await callOk('fs_write', { path: 'proj/README.md', content: 'hello readme\n' });

    const listed = await callOk<{ entries: Array<{ path: string; type: string }> }>('fs_list', { path: 'proj', depth: 2 });
    assert.deepEqual(
      listed.entries.map((e) => `${e.type}:${e.path}`),
      ['file:README.md', 'directory:src', 'file:src/app.py'],
    );

    const read = await callOk<{ content: string; sha256: string; lineEnding: string; totalLines: number }>('fs_read', { path: 'proj/src/app.py' });
    assert.equal(read.content, 'def main():\r\n    print("hello")\r\n    print("hello")\r\n');
    assert.deepEqual([read.lineEnding, read.totalLines, read.sha256], ['crlf', 3, written.sha256]);

    const ambiguous = await callError('fs_edit', { path: 'proj/src/app.py', edits: [{ oldText: 'print("hello")', newText: 'print("bye")' }] });
    assert.match(ambiguous, /^CONFLICT: .*matches 2 times/);

    const edited = await callOk<{ diff: string; sha256: string; written: boolean }>('fs_edit', {
      path: 'proj/src/app.py',
      expectedSha256: read.sha256,
      edits: [{ oldText: 'print("hello")', newText: 'print("bye")', replaceAll: true }],
    });
    assert.equal(edited.written, true);
    assert.match(edited.diff, /-    print\("hello"\)\r?\n\+    print\("bye"\)/);
    assert.equal(await readFile(join(work, 'proj', 'src', 'app.py'), 'utf8'), 'def main():\r\n    print("bye")\r\n    print("bye")\r\n');

    const stale = await callError('fs_write', { path: 'proj/src/app.py', content: 'lost update', expectedSha256: read.sha256 });
    assert.match(stale, /^CONFLICT: /);
    assert.match(await readFile(join(work, 'proj', 'src', 'app.py'), 'utf8'), /bye/);

    const found = await callOk<{ matches: Array<{ path: string; line: number }> }>('fs_search', { path: 'proj', pattern: 'bye|readme', regex: true });
    assert.deepEqual(found.matches.map((m) => `${m.path}:${m.line}`).sort(), ['README.md:1', 'src/app.py:2', 'src/app.py:3']);

    await callOk('fs_move', { from: 'proj/README.md', to: 'proj/docs/README.md', createDirs: true });
    assert.equal((await callOk<{ exists: boolean }>('fs_stat', { path: 'proj/README.md' })).exists, false);
    assert.equal((await callOk<{ exists: boolean }>('fs_stat', { path: 'proj/docs/README.md' })).exists, true);

    assert.match(await callError('fs_remove', { path: 'proj' }), /not empty|recursive/);
    const removed = await callOk<{ removed: boolean }>('fs_remove', { path: 'proj', recursive: true });
    assert.equal(removed.removed, true);
    assert.deepEqual(await readdir(work), []);
  });

  it('uploads and downloads a 50 MB file with matching sha256, reporting progress', async (t: TestContext) => {
    const source = join(root, 'big.bin');
    await writeFile(source, randomBytes(50 * MB));
    const expected = await sha256File(source);

    const copyStarted = Date.now();
    await copyFile(source, join(scratch, 'plain-copy.bin'));
    const copyMs = Date.now() - copyStarted;

    const progress: number[] = [];
    const up = await callOk<Transfer>('artifact_upload', { localPath: 'big.bin', remotePath: 'in/big.bin' }, (p) => progress.push(p.progress));
    assert.equal(up.ok, true, up.error?.message);
    assert.equal(up.sha256, expected);
    assert.equal(up.totalBytes, 50 * MB);
    assert.equal(await sha256File(join(work, 'in', 'big.bin')), expected);
    assert.ok(progress.length > 1, 'progress notifications arrived');
    assert.ok(progress.every((p, i) => i === 0 || p > progress[i - 1]!), 'progress only grows');

    const down = await callOk<Transfer>('artifact_download', { remotePath: 'in/big.bin', localPath: 'back/big.bin' });
    assert.equal(down.ok, true, down.error?.message);
    assert.equal(down.sha256, expected);
    assert.equal(down.localPath, join(root, 'back', 'big.bin'));
    assert.equal(await sha256File(down.localPath), expected);

    t.diagnostic(`50 MiB plain local copy: ${copyMs} ms (${rate(50 * MB, copyMs)})`);
    t.diagnostic(`50 MiB artifact_upload: ${up.durationMs} ms (${rate(50 * MB, up.durationMs!)})`);
    t.diagnostic(`50 MiB artifact_download: ${down.durationMs} ms (${rate(50 * MB, down.durationMs!)})`);
  });

  it('uploads and downloads a folder of 1,000 small files, tree and sha256 intact', async (t: TestContext) => {
    const tree = join(root, 'many');
    for (let d = 0; d < 10; d++) {
      await mkdir(join(tree, `dir-${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) await writeFile(join(tree, `dir-${d}`, `file-${f}.txt`), `${d}/${f} ${randomBytes(200).toString('hex')}\n`);
    }
    const expected = await treeDigest(tree);

    const up = await callOk<Transfer>('artifact_upload', { localPath: 'many', remotePath: 'uploaded/many' });
    assert.equal(up.ok, true, up.error?.message);
    assert.deepEqual([up.type, up.files, up.directories], ['directory', 1000, 10]);
    assert.deepEqual(await treeDigest(join(work, 'uploaded', 'many')), expected);

    const down = await callOk<Transfer>('artifact_download', { remotePath: 'uploaded/many', localPath: 'many-back' });
    assert.equal(down.ok, true, down.error?.message);
    assert.equal(down.sha256, up.sha256, 'the tar stream of the same tree is the same both ways');
    assert.deepEqual(await treeDigest(join(root, 'many-back')), expected);

    const refused = await callError('artifact_download', { remotePath: 'uploaded/many', localPath: 'many-back' });
    assert.match(refused, /^ALREADY_EXISTS: .*overwrite/);
    const outside = await callError('artifact_upload', { localPath: join(scratch, 'plain-copy.bin'), remotePath: 'x' });
    assert.match(outside, new RegExp(`^FORBIDDEN: .*outside the artifact roots \\(${root.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}\\)`));

    t.diagnostic(`1,000 files upload: ${up.durationMs} ms, download: ${down.durationMs} ms (${up.totalBytes} tar bytes)`);
  });

  it('cancels a transfer with remote_cancel, leaving nothing at the destination', async () => {
    const started = await callOk<Transfer>('artifact_upload', { localPath: 'big.bin', remotePath: 'cancelled/big.bin', waitForCompletion: false });
    await eventually(
      'the upload to be under way',
      async () => (await callOk<Transfer>('artifact_status', { requestId: started.requestId })).transferredBytes > 0,
      30_000,
      10,
    );
    const cancelled = await callOk<{ status: string; outcome: string }>('remote_cancel', { requestId: started.requestId, reason: 'e2e' });
    assert.deepEqual([cancelled.status, cancelled.outcome], ['completed', 'cancelled']);
    const done = await transferDone(started.requestId);
    assert.deepEqual([done.ok, done.outcome], [false, 'cancelled']);
    assert.deepEqual(await readdir(join(work, 'cancelled')), [], 'no partial or temporary file is left');
  });

  it('resumes a transfer after the relay restarts halfway, from the confirmed offset, and still matches', async (t: TestContext) => {
    const size = 32 * MB;
    await writeFile(join(root, 'resume.bin'), randomBytes(size));
    const expected = await sha256File(join(root, 'resume.bin'));

    const started = await callOk<Transfer>('artifact_upload', { localPath: 'resume.bin', remotePath: 'resume.bin', waitForCompletion: false });
    await eventually(
      'the upload to be under way',
      async () => (await callOk<Transfer>('artifact_status', { requestId: started.requestId })).transferredBytes >= 8 * MB,
      30_000,
      10,
    );
    await relay.stop('SIGKILL');
    const before = await callOk<Transfer>('artifact_status', { requestId: started.requestId });
    relay = startEntry('relay', 'packages/relay/dist/main.js', relayEnv);
    processes.push(relay);
    await relay.waitForLine(/relay listening/);

    const done = await transferDone(started.requestId);
    assert.equal(done.ok, true, done.error?.message);
    assert.equal(done.sha256, expected);
    assert.equal(await sha256File(join(work, 'resume.bin')), expected);
    assert.ok(before.transferredBytes < size, 'the relay went down halfway through the transfer');
    // Chunks lost with the relay are sent again from the executor's confirmed offset; starting over would
    // have sent everything before the drop a second time.
    assert.ok(done.resumedAt.every((offset) => offset > 0), `resumed from confirmed offsets, not 0: ${done.resumedAt.join(', ')}`);
    assert.ok(done.wireBytes >= size, 'every byte was sent');
    assert.ok(
      done.wireBytes < size + before.transferredBytes,
      `sent ${done.wireBytes} bytes for ${size}: only what was in flight was sent again, not the ${before.transferredBytes} bytes before the drop`,
    );
    t.diagnostic(
      `relay killed at ${(before.transferredBytes / MB).toFixed(1)} MiB of ${size / MB} MiB; ${((done.wireBytes - size) / MB).toFixed(1)} MiB sent again; resumed ${done.resumes} time(s) at ${done.resumedAt
        .map((o) => `${(o / MB).toFixed(1)} MiB`)
        .join(', ')}; total ${done.durationMs} ms`,
    );
    const onDisk = await stat(join(work, 'resume.bin'));
    assert.equal(onDisk.size, size);
  });
});
