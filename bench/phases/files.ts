import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BenchContext } from '../harness/context.js';
import type { RemoteAgentSetup } from '../harness/remote-agent.js';
import type { ArtifactResults, FilesResults, LatencyRow, Skipped, ThroughputRow, ThroughputRun } from '../report/model.js';
import type { FilesSettings } from '../settings.js';
import { median, mibPerSecond, SampleBuffer, summarize } from '../stats.js';

const CALL_TIMEOUT_MS = 30_000;
const TRANSFER_TIMEOUT_MS = 120_000;
const WARMUP = 10;
const MAX_EXAMPLES = 5;
const READ_FILE = 'bench-read.txt';

function fileText(bytes: number): string {
  const line = 'remote-agent bench: a line of a source file, 0123456789 abcdefghijklmnopqrstuvwxyz\n';
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

async function timeCalls(calls: number, run: () => Promise<string | null>, label: string): Promise<LatencyRow> {
  const samples = new SampleBuffer(calls);
  const examples: string[] = [];
  let failures = 0;
  for (let i = 0; i < WARMUP + calls; i++) {
    const start = performance.now();
    const problem = await run().catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
    const ms = performance.now() - start;
    if (problem !== null) {
      failures++;
      if (examples.length < MAX_EXAMPLES) examples.push(problem.slice(0, 300));
    } else if (i >= WARMUP) samples.push(ms);
  }
  return { label, summary: summarize(samples.values()), failures, failureExamples: examples };
}

async function measureFsRead(setup: RemoteAgentSetup, settings: FilesSettings): Promise<{ fileBytes: number; remote: LatencyRow; local: LatencyRow }> {
  const text = fileText(settings.fileBytes);
  const path = join(setup.workDir, READ_FILE);
  await writeFile(path, text);
  const remote = await timeCalls(
    settings.calls,
    async () => {
      const submitted = setup.core.submit(setup.executorId, 'fs.read', { path: READ_FILE });
      const view = await setup.core.waitForRequest(submitted.requestId, { maxWaitMs: CALL_TIMEOUT_MS });
      const content = (view.result as { content?: unknown } | undefined)?.content;
      if (view.state === 'completed' && view.ok === true && content === text) return null;
      return `fs.read ended ${view.state}/${view.outcome ?? '-'}: ${view.error?.message ?? 'content differs'}`;
    },
    'fs.read (daemon API)',
  );
  const local = await timeCalls(settings.calls, async () => ((await readFile(path, 'utf8')) === text ? null : 'local read differs'), 'local readFile');
  return { fileBytes: settings.fileBytes, remote, local };
}

function throughputRow(label: string, runs: ThroughputRun[], problems: string[], failedRuns: number): ThroughputRow {
  return { label, runs, mibPerSecond: median(runs.map((r) => r.mibPerSecond)), cpuMsPerMiB: null, problems, failedRuns };
}

/** A binary file (incompressible, like a build output) of `bytes`. */
async function writeBinary(path: string, bytes: number): Promise<void> {
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  const out = createWriteStream(path);
  for (let left = bytes; left > 0; left -= block.length) {
    if (!out.write(left >= block.length ? block : block.subarray(0, left))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Waits for a transfer; one still running after the timeout is cancelled so that nothing outlives the phase. */
async function finishTransfer(setup: RemoteAgentSetup, requestId: string) {
  const view = await setup.core.artifacts.wait(requestId, { maxWaitMs: TRANSFER_TIMEOUT_MS });
  if (view.status !== 'completed') await setup.core.cancel(requestId, 'benchmark timeout').catch(() => undefined);
  return view;
}

/**
 * Artifact upload and download of one binary file through the daemon's API, beside a local streamed copy
 * of the same file (read and write, as any transfer must at least do).
 */
async function measureArtifacts(setup: RemoteAgentSetup, settings: FilesSettings): Promise<ArtifactResults> {
  const bytes = settings.artifactBytes;
  const source = join(setup.artifactRoot, 'bench-artifact.bin');
  await writeBinary(source, bytes);
  const remotePath = join(setup.workDir, 'bench-artifact.bin');
  const copies: ThroughputRun[] = [];
  const uploads: ThroughputRun[] = [];
  const downloads: ThroughputRun[] = [];
  const problems = { upload: [] as string[], download: [] as string[] };
  let failed = { upload: 0, download: 0 };
  const transfers = setup.core.artifacts;

  for (let i = 0; i < settings.artifactRepeats; i++) {
    let start = performance.now();
    await pipeline(createReadStream(source), createWriteStream(join(setup.artifactRoot, 'bench-local-copy.bin')));
    copies.push({ bytes, ms: performance.now() - start, mibPerSecond: mibPerSecond(bytes, performance.now() - start) });

    start = performance.now();
    const up = await transfers.upload({ executorId: setup.executorId, localPath: source, remotePath, overwrite: true, createDirs: true });
    const upDone = await finishTransfer(setup, up.requestId);
    const upMs = performance.now() - start;
    uploads.push({ bytes: upDone.transferredBytes, ms: upMs, mibPerSecond: mibPerSecond(upDone.transferredBytes, upMs) });
    if (upDone.ok !== true) {
      failed = { ...failed, upload: failed.upload + 1 };
      problems.upload.push(`upload ${upDone.status}/${upDone.outcome ?? '-'}: ${upDone.error?.message ?? 'not ok'}`);
    } else if (upDone.resumes > 0) problems.upload.push(`upload resumed ${upDone.resumes} time(s)`);

    start = performance.now();
    const down = await transfers.download({
      executorId: setup.executorId,
      remotePath,
      localPath: join(setup.artifactRoot, 'bench-downloaded.bin'),
      overwrite: true,
      createDirs: true,
    });
    const downDone = await finishTransfer(setup, down.requestId);
    const downMs = performance.now() - start;
    downloads.push({ bytes: downDone.transferredBytes, ms: downMs, mibPerSecond: mibPerSecond(downDone.transferredBytes, downMs) });
    if (downDone.ok !== true) {
      failed = { ...failed, download: failed.download + 1 };
      problems.download.push(`download ${downDone.status}/${downDone.outcome ?? '-'}: ${downDone.error?.message ?? 'not ok'}`);
    } else if (downDone.resumes > 0) problems.download.push(`download resumed ${downDone.resumes} time(s)`);
  }
  return {
    bytes,
    localCopy: throughputRow('local copy (read + write stream)', copies, [], 0),
    upload: throughputRow('artifact upload (daemon -> executor)', uploads, problems.upload, failed.upload),
    download: throughputRow('artifact download (executor -> daemon)', downloads, problems.download, failed.download),
  };
}

/**
 * File operations, when this build has them: fs.read of a small text file through the daemon's API beside
 * a local readFile, and artifact transfers of a binary file beside a local copy.
 */
export async function measureFiles(setup: RemoteAgentSetup, settings: FilesSettings, ctx: BenchContext): Promise<FilesResults> {
  const capabilities = setup.core.getExecutor(setup.executorId).capabilities;
  let fsRead: FilesResults['fsRead'] = { skipped: true, reason: 'this build of the executor has no fs.read request kind' };
  if (capabilities.includes('fs.read')) {
    const measured = await measureFsRead(setup, settings);
    ctx.log(`files: fs.read p50 ${measured.remote.summary.p50Ms.toFixed(2)} ms, local ${measured.local.summary.p50Ms.toFixed(3)} ms`);
    fsRead = measured;
  }
  let artifact: ArtifactResults | Skipped = { skipped: true, reason: 'this build of the executor has no artifact.upload/artifact.download' };
  if (capabilities.includes('artifact.upload') && capabilities.includes('artifact.download')) {
    artifact = await measureArtifacts(setup, settings);
    ctx.log(
      `files: artifact upload ${artifact.upload.mibPerSecond.toFixed(0)}, download ${artifact.download.mibPerSecond.toFixed(0)}, local copy ${artifact.localCopy.mibPerSecond.toFixed(0)} MB/s`,
    );
  }
  return { fsRead, artifact };
}
