import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from '../harness/context.js';
import type { RemoteAgentSetup } from '../harness/remote-agent.js';
import type { FilesResults, LatencyRow, Skipped } from '../report/model.js';
import type { FilesSettings } from '../settings.js';
import { SampleBuffer, summarize } from '../stats.js';

const CALL_TIMEOUT_MS = 30_000;
const WARMUP = 10;
const MAX_EXAMPLES = 5;
const FILE_NAME = 'bench-read.txt';

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

/**
 * File operations, when the executor offers them: fs.read of a small text file through the daemon's API
 * beside a local readFile of the same file. Artifact transfers are measured once the daemon exposes them
 * on its API; until then the row says so.
 */
export async function measureFiles(setup: RemoteAgentSetup, settings: FilesSettings, ctx: BenchContext): Promise<FilesResults> {
  const capabilities = setup.core.getExecutor(setup.executorId).capabilities;
  const artifact: Skipped = {
    skipped: true,
    reason: capabilities.includes('artifact.upload')
      ? 'the executor handles artifact.*, but the daemon API the benchmark drives (createDaemonCore) has no artifact transfer yet'
      : 'this build has no artifact.* request kinds',
  };
  if (!capabilities.includes('fs.read')) {
    ctx.log('files: skipped, the executor has no fs.read');
    return { fsRead: { skipped: true, reason: 'this build of the executor has no fs.read request kind' }, artifact };
  }

  const text = fileText(settings.fileBytes);
  const path = join(setup.workDir, FILE_NAME);
  await writeFile(path, text);
  const remote = await timeCalls(
    settings.calls,
    async () => {
      const submitted = setup.core.submit(setup.executorId, 'fs.read', { path: FILE_NAME });
      const view = await setup.core.waitForRequest(submitted.requestId, { maxWaitMs: CALL_TIMEOUT_MS });
      const content = (view.result as { content?: unknown } | undefined)?.content;
      if (view.state === 'completed' && view.ok === true && content === text) return null;
      return `fs.read ended ${view.state}/${view.outcome ?? '-'}: ${view.error?.message ?? 'content differs'}`;
    },
    'fs.read (daemon API)',
  );
  const local = await timeCalls(
    settings.calls,
    async () => ((await readFile(path, 'utf8')) === text ? null : 'local read differs'),
    'local readFile',
  );
  ctx.log(`files: fs.read p50 ${remote.summary.p50Ms.toFixed(2)} ms, local ${local.summary.p50Ms.toFixed(3)} ms`);
  return { fsRead: { fileBytes: settings.fileBytes, remote, local }, artifact };
}
