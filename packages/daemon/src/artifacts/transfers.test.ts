import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  ErrorCode,
  envelopeFactory,
  isDataStreamMessageType,
  parseEnvelope,
  type ArtifactResult,
  type DataEof,
  type DataStreamMessageType,
  type EnvelopeOf,
} from '@remote-agent/contracts';
import { emptyTally, packFolder } from '@remote-agent/transfer';
import {
  DataChannelListeners,
  DataReceiver,
  DataSender,
  InMemoryHub,
  ManualClock,
  memoryLogger,
  type DataChannel,
  type DataSink,
  type DataSource,
} from '@remote-agent/transport';
import { createDaemonCore, type LocalDaemonCore } from '../core.js';
import { FakeExecutor, settle } from '../testing/fake-executor.js';

const D = 'd1';
const E = 'box';
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The executor's end of request byte streams, over the fake executor's connection. */
function executorChannels(exec: FakeExecutor) {
  const make = envelopeFactory({ role: 'executor', id: E, now: () => 0, newId: () => `m-${Math.random()}` });
  const open = new Map<string, DataChannelListeners>();
  exec.conn.on('message', (msg) => {
    const parsed = parseEnvelope(msg.data);
    if (!parsed.ok || !isDataStreamMessageType(parsed.envelope.type)) return;
    const env = parsed.envelope as EnvelopeOf<DataStreamMessageType>;
    open.get(env.requestId)?.deliver(env);
  });
  return (requestId: string): DataChannel => {
    const listeners = new DataChannelListeners((err) => assert.fail(String(err)));
    open.set(requestId, listeners);
    return listeners.channel((type, body) => exec.reply(D, make(type, body, requestId)));
  };
}

function memorySink(): DataSink & { bytes(): Buffer; eof: DataEof | null } {
  const parts: Buffer[] = [];
  const sink = {
    eof: null as DataEof | null,
    write: async (data: Buffer) => void parts.push(Buffer.from(data)),
    finish: async (eof: DataEof) => void (sink.eof = eof),
    bytes: () => Buffer.concat(parts),
  };
  return sink;
}

function bytesSource(data: Buffer, format: 'file' | 'tar' = 'file'): DataSource {
  return { format, total: data.length, open: () => (async function* () { yield data; })() };
}

function artifactResult(fields: Partial<ArtifactResult>): ArtifactResult {
  return { path: '/remote', type: 'file', bytes: 0, sha256: '0'.repeat(64), files: 1, directories: 0, links: 0, fileBytes: 0, skipped: [], skippedCount: 0, ...fields };
}

describe('artifact transfers on the daemon', () => {
  let dir: string;
  let root: string;
  let core: LocalDaemonCore;
  let exec: FakeExecutor;
  let channelFor: (requestId: string) => DataChannel;
  const clock = new ManualClock();

  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'ra-transfers-')));
    root = join(dir, 'root');
    const hub = new InMemoryHub();
    let n = 0;
    core = await createDaemonCore({
      daemonId: D,
      connection: hub.connect(D),
      registry: { refreshIntervalMs: 60_000, suspectAfterMs: 30_000, offlineAfterMs: 60_000, inventoryLogIntervalMs: 60_000 },
      requests: { outputMaxBytes: 1024, retain: 100 },
      logger: memoryLogger('warn'),
      clock,
      newId: () => `req-${++n}`,
      artifactRoots: [root],
    });
    exec = new FakeExecutor(hub, E, clock, { capabilities: ['artifact.upload', 'artifact.download'] });
    await exec.start();
    await settle();
    channelFor = executorChannels(exec);
  });

  afterEach(async () => {
    await core.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads a file from a root: params announce it, the bytes arrive, the report carries the executor result', async () => {
    const data = randomBytes(700_000);
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'in.bin'), data, { mode: 0o751 });
    const submitted = exec.next('request.submit');
    const started = await core.artifacts.upload({ executorId: E, localPath: 'in.bin', remotePath: '/x/in.bin', overwrite: false, createDirs: true });
    assert.equal(started.status, 'queued');
    const submit = await submitted;
    assert.equal(submit.body.kind, 'artifact.upload');
    const params = submit.body.params as Record<string, unknown>;
    assert.deepEqual(
      { ...params },
      { path: '/x/in.bin', type: 'file', size: data.length, overwrite: false, createDirs: true, ...(process.platform === 'win32' ? { fileMode: params.fileMode } : { fileMode: '0751' }) },
    );
    await exec.accept(D, submit.requestId);
    const sink = memorySink();
    const summary = await new DataReceiver({ channel: channelFor(submit.requestId), sink, clock }).run();
    await exec.result(D, submit.requestId, {
      kind: 'artifact.upload',
      outcome: 'done',
      exitCode: null,
      result: artifactResult({ path: '/x/in.bin', bytes: data.length, sha256: summary.sha256, fileBytes: data.length }),
    });
    const view = await core.artifacts.wait(submit.requestId, { maxWaitMs: 60_000 });
    assert.deepEqual(sink.bytes(), data);
    assert.equal(summary.sha256, sha(data));
    assert.deepEqual(
      [view.status, view.ok, view.outcome, view.sha256, view.totalBytes, view.transferredBytes, view.remotePath, view.localPath],
      ['completed', true, 'done', sha(data), data.length, data.length, '/x/in.bin', join(root, 'in.bin')],
    );
  });

  it('downloads a folder into a root: the tar stream is verified and unpacked in place', async () => {
    const src = join(dir, 'remote-tree');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'alpha');
    await writeFile(join(src, 'sub', 'b.bin'), randomBytes(3000));
    const parts: Buffer[] = [];
    for await (const chunk of packFolder(src, emptyTally())) parts.push(chunk);
    const tarBytes = Buffer.concat(parts);
    const submitted = exec.next('request.submit');
    const started = await core.artifacts.download({ executorId: E, remotePath: '/srv/remote-tree', overwrite: false, createDirs: true });
    assert.equal(started.localPath, join(root, 'remote-tree'), 'named after the remote folder, in the first root');
    const submit = await submitted;
    assert.deepEqual(submit.body.params, { path: '/srv/remote-tree' });
    await exec.accept(D, submit.requestId);
    const summary = await new DataSender({ channel: channelFor(submit.requestId), source: bytesSource(tarBytes, 'tar'), clock }).run();
    await exec.result(D, submit.requestId, {
      kind: 'artifact.download',
      outcome: 'done',
      exitCode: null,
      result: artifactResult({ path: '/srv/remote-tree', type: 'directory', bytes: tarBytes.length, sha256: summary.sha256, files: 2, directories: 1 }),
    });
    const view = await core.artifacts.wait(submit.requestId, { maxWaitMs: 60_000 });
    assert.equal(view.ok, true, view.error?.message);
    assert.deepEqual([view.type, view.files, view.directories, view.sha256], ['directory', 2, 1, sha(tarBytes)]);
    assert.equal(await readFile(join(root, 'remote-tree', 'a.txt'), 'utf8'), 'alpha');
    assert.deepEqual(await readFile(join(root, 'remote-tree', 'sub', 'b.bin')), await readFile(join(src, 'sub', 'b.bin')));
    assert.deepEqual(await readdir(root), ['remote-tree'], 'no temporary file is left');
  });

  it('a download the executor refuses fails with its error and leaves nothing in the root', async () => {
    const submitted = exec.next('request.submit');
    await core.artifacts.download({ executorId: E, remotePath: 'nope.bin', overwrite: false, createDirs: true });
    const submit = await submitted;
    await exec.result(D, submit.requestId, {
      kind: 'artifact.download',
      outcome: 'failed',
      ok: false,
      exitCode: null,
      error: { code: ErrorCode.NotFound, message: 'cannot read /w/nope.bin: no such file or folder' },
    });
    const view = await core.artifacts.wait(submit.requestId, { maxWaitMs: 60_000 });
    assert.deepEqual([view.ok, view.outcome, view.error?.code], [false, 'failed', ErrorCode.NotFound]);
    assert.deepEqual(await readdir(root), []);
  });

  it('a failure on the daemon side cancels the request and discards the partial data', async () => {
    const submitted = exec.next('request.submit');
    const cancelled = exec.next('request.cancel');
    await core.artifacts.download({ executorId: E, remotePath: 'broken.tar', overwrite: false, createDirs: true });
    const submit = await submitted;
    await exec.accept(D, submit.requestId);
    const sender = new DataSender({ channel: channelFor(submit.requestId), source: bytesSource(Buffer.alloc(2048, 9), 'tar'), clock });
    void sender.run().catch(() => undefined);
    const cancel = await cancelled;
    assert.match(cancel.body.reason ?? '', /could not be unpacked/);
    await exec.result(D, submit.requestId, { kind: 'artifact.download', outcome: 'cancelled', ok: false, exitCode: null });
    const view = await core.artifacts.wait(submit.requestId, { maxWaitMs: 60_000 });
    assert.deepEqual([view.ok, view.outcome, view.error?.code], [false, 'failed', ErrorCode.BadRequest]);
    assert.deepEqual(await readdir(root), []);
  });

  it('refuses local paths outside the roots before anything is sent, and unknown transfer ids', async () => {
    await assert.rejects(
      core.artifacts.upload({ executorId: E, localPath: '/etc/hostname', remotePath: 'x', overwrite: false, createDirs: true }),
      (err: Error) => err.message.includes(`outside the artifact roots (${root})`),
    );
    assert.equal(exec.received.length, 0);
    assert.throws(() => core.artifacts.get('req-404'), /no artifact transfer with request id "req-404"/);
  });
});
