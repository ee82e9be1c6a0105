import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, test } from 'node:test';
import { ArtifactResultSchema, ErrorCode, type DataEof } from '@remote-agent/contracts';
import { emptyTally, extractArchive, packFolder } from '@remote-agent/transfer';
import { DataReceiver, DataSender, type DataSink, type DataSource } from '@remote-agent/transport';
import { daemonChannel } from '../test-support/daemon-channel.js';
import { startHarness, type Harness } from '../test-support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});


const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function bufferSource(data: Buffer): DataSource {
  return {
    format: 'file',
    total: data.length,
    open: () =>
      (async function* () {
        for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
      })(),
  };
}

function memorySink(): DataSink & { bytes(): Buffer } {
  const parts: Buffer[] = [];
  return {
    write: async (data) => void parts.push(Buffer.from(data)),
    finish: async (_eof: DataEof) => undefined,
    bytes: () => Buffer.concat(parts),
  };
}

async function upload(harness: Harness, requestId: string, params: Record<string, unknown>, source: DataSource) {
  const channel = daemonChannel(harness.daemon, 'exec-1', requestId);
  const sender = new DataSender({ channel, source, clock: harness.clock });
  const sent = sender.run();
  await harness.daemon.submit('exec-1', requestId, 'artifact.upload', params);
  return { sender, channel, sent };
}

async function treeOf(dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = `${prefix}${entry.name}`;
    if (entry.isDirectory()) Object.assign(out, { [`${rel}/`]: '' }, await treeOf(join(dir, entry.name), `${rel}/`));
    else out[rel] = sha(await readFile(join(dir, entry.name)));
  }
  return out;
}

describe('artifact.upload', () => {
  test('receives a file, verifies it and puts it in place with the given mode', async () => {
    h = await startHarness();
    const data = randomBytes(300_000);
    const { sent } = await upload(h, 'u1', { path: 'sub/out.bin', type: 'file', size: data.length, fileMode: '0750' }, bufferSource(data));
    const result = await h.daemon.result('u1');
    assert.equal(result.outcome, 'done', result.error?.message);
    const artifact = ArtifactResultSchema.parse(result.result);
    assert.equal(artifact.sha256, sha(data));
    assert.equal(artifact.bytes, data.length);
    assert.equal((await sent).sha256, sha(data));
    const file = join(h.config.workDir, 'sub', 'out.bin');
    assert.deepEqual(await readFile(file), data);
    if (process.platform !== 'win32') assert.equal((await stat(file)).mode & 0o777, 0o750);
    assert.deepEqual(await readdir(join(h.config.workDir, 'sub')), ['out.bin'], 'no temporary file is left');
  });

  test('receives a folder as a tar stream and unpacks it at the destination', async () => {
    h = await startHarness();
    const src = join(h.root, 'src');
    await mkdir(join(src, 'a', 'b'), { recursive: true });
    await writeFile(join(src, 'top.txt'), 'top\n');
    await writeFile(join(src, 'a', 'b', 'deep.bin'), randomBytes(5000));
    await mkdir(join(src, 'empty'));
    const source: DataSource = { format: 'tar', open: () => packFolder(src, emptyTally()) };
    await upload(h, 'u2', { path: join(h.root, 'dest'), type: 'directory' }, source);
    const result = await h.daemon.result('u2');
    assert.equal(result.outcome, 'done', result.error?.message);
    const artifact = ArtifactResultSchema.parse(result.result);
    assert.deepEqual([artifact.type, artifact.files, artifact.directories], ['directory', 2, 3]);
    assert.deepEqual(await treeOf(join(h.root, 'dest')), await treeOf(src));
  });

  test('refuses an existing destination unless overwrite, before any data moves', async () => {
    h = await startHarness();
    await writeFile(join(h.config.workDir, 'keep.txt'), 'old');
    await upload(h, 'u3', { path: 'keep.txt', type: 'file' }, bufferSource(Buffer.from('new')));
    const refused = await h.daemon.result('u3');
    assert.equal(refused.outcome, 'failed');
    assert.equal(refused.error?.code, ErrorCode.AlreadyExists);
    assert.match(refused.error?.message ?? '', /overwrite: true/);
    assert.equal(await readFile(join(h.config.workDir, 'keep.txt'), 'utf8'), 'old');

    await upload(h, 'u4', { path: 'keep.txt', type: 'file', overwrite: true }, bufferSource(Buffer.from('new')));
    assert.equal((await h.daemon.result('u4')).outcome, 'done');
    assert.equal(await readFile(join(h.config.workDir, 'keep.txt'), 'utf8'), 'new');
  });

  test('a cancel stops the transfer and leaves nothing behind', async () => {
    h = await startHarness();
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const source: DataSource = {
      format: 'file',
      open: () =>
        (async function* () {
          yield Buffer.alloc(1000, 1);
          await stuck;
        })(),
    };
    const { sent } = await upload(h, 'u5', { path: 'never.bin', type: 'file' }, source);
    await h.daemon.waitForType('request.accepted', 'u5');
    await h.daemon.send('exec-1', 'request.cancel', { reason: 'test' }, 'u5');
    const result = await h.daemon.result('u5');
    assert.equal(result.outcome, 'cancelled');
    assert.deepEqual(await readdir(h.config.workDir), []);
    release();
    void sent.catch(() => undefined);
  });

  test('continues from the confirmed offset after the executor lost its relay connection', async () => {
    h = await startHarness();
    const harness = h;
    const data = randomBytes(10 * 1024 * 1024);
    const channel = daemonChannel(harness.daemon, 'exec-1', 'u6');
    let dropped = false;
    const sender = new DataSender({
      channel,
      source: bufferSource(data),
      clock: harness.clock,
      onProgress: (p) => {
        if (!dropped && p.bytes >= 3 * 1024 * 1024) {
          dropped = true;
          harness.connection.drop();
        }
      },
    });
    const sent = sender.run();
    await harness.daemon.submit('exec-1', 'u6', 'artifact.upload', { path: 'big.bin', type: 'file' });
    while (!dropped) await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    await harness.connection.start();
    channel.reconnected();
    const result = await harness.daemon.result('u6');
    assert.equal(result.outcome, 'done', result.error?.message);
    assert.equal((await sent).sha256, sha(data));
    assert.deepEqual(await readFile(join(harness.config.workDir, 'big.bin')), data);
    const { resumes, resumedAt } = sender.progress();
    assert.ok(resumes >= 1, 'the transfer resumed');
    assert.ok(resumedAt.every((offset) => offset > 0), `resumed from the confirmed offset, not 0: ${resumedAt.join(', ')}`);
  });
});

describe('artifact.download', () => {
  test('sends a file; the daemon side gets the same bytes and sha256', async () => {
    h = await startHarness();
    const data = randomBytes(400_000);
    await writeFile(join(h.config.workDir, 'f.bin'), data);
    const sink = memorySink();
    const receiver = new DataReceiver({ channel: daemonChannel(h.daemon, 'exec-1', 'd1'), sink, clock: h.clock });
    const received = receiver.run();
    await h.daemon.submit('exec-1', 'd1', 'artifact.download', { path: 'f.bin' });
    const summary = await received;
    const result = await h.daemon.result('d1');
    assert.equal(result.outcome, 'done', result.error?.message);
    assert.deepEqual(sink.bytes(), data);
    assert.deepEqual(summary, { size: data.length, sha256: sha(data), format: 'file' });
    assert.equal(ArtifactResultSchema.parse(result.result).sha256, sha(data));
    receiver.close();
  });

  test('sends a folder as a tar stream that unpacks to the same tree', async () => {
    h = await startHarness();
    const src = join(h.config.workDir, 'tree');
    for (let i = 0; i < 30; i++) {
      await mkdir(join(src, `d${i % 3}`), { recursive: true });
      await writeFile(join(src, `d${i % 3}`, `f${i}.txt`), `file ${i}\n`);
    }
    const tarFile = join(h.root, 'got.tar');
    const out = createWriteStream(tarFile);
    const sink: DataSink = {
      write: (data) => new Promise((resolve, reject) => out.write(data, (err) => (err ? reject(err) : resolve()))),
      finish: async () => void (await pipeline(async function* () {}, out)),
    };
    const receiver = new DataReceiver({ channel: daemonChannel(h.daemon, 'exec-1', 'd2'), sink, clock: h.clock });
    const received = receiver.run();
    await h.daemon.submit('exec-1', 'd2', 'artifact.download', { path: 'tree' });
    assert.equal((await received).format, 'tar');
    const result = await h.daemon.result('d2');
    const artifact = ArtifactResultSchema.parse(result.result);
    assert.deepEqual([artifact.type, artifact.files, artifact.directories], ['directory', 30, 3]);
    const dest = join(h.root, 'unpacked');
    await mkdir(dest);
    await extractArchive(tarFile, dest);
    assert.deepEqual(await treeOf(dest), await treeOf(src));
    receiver.close();
  });

  test('a missing path fails with NOT_FOUND naming it', async () => {
    h = await startHarness();
    await h.daemon.submit('exec-1', 'd3', 'artifact.download', { path: 'nope' });
    const result = await h.daemon.result('d3');
    assert.equal(result.outcome, 'failed');
    assert.equal(result.error?.code, ErrorCode.NotFound);
    assert.match(result.error?.message ?? '', /nope/);
  });
});
