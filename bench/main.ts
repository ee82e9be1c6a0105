import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { relaunchWithStreamingHeap } from '@remote-agent/transport/streaming-heap';
import { Cleanup } from './harness/cleanup.js';
import type { BenchContext } from './harness/context.js';
import { benchDir } from './harness/paths.js';
import { replaceResults, resultsSection } from './report/readme.js';
import { renderText } from './report/render.js';
import { headline, resultTables } from './report/tables.js';
import { runBenchmark } from './run.js';
import { parseArgs, USAGE, type BenchSettings } from './settings.js';

// This process hosts the daemon core of the "daemon API" row and receives every stream, as ra-mcp does. Its
// old-generation floor is twice the bins' 64 MB because it also holds the harness (about 40 MB live after
// the latency phase, against ra-mcp's 25): with 64 MB its own full collections made it the streams'
// bottleneck (3.0-3.5 ms of CPU per MiB received, 1.4-1.5 with 128; bench/README.md, finding 3).
relaunchWithStreamingHeap(process, ['--initial-old-space-size=128']);

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function commandLine(): string {
  const args = process.argv.slice(2);
  return args.length === 0 ? 'npm run bench' : `npm run bench -- ${args.join(' ')}`;
}

async function main(): Promise<number> {
  let settings: BenchSettings;
  try {
    const parsed = parseArgs(process.argv.slice(2), benchDir, process.cwd());
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n`);
      return EXIT_OK;
    }
    settings = parsed.settings;
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }

  const cleanup = new Cleanup();
  const ctx: BenchContext = { cleanup, log, profileDir: settings.profileDir };
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: stopping every process the benchmark started and removing its folders`);
      void cleanup.runAll().then(() => process.exit(EXIT_INTERRUPTED));
    });
  }
  if (settings.profileDir !== null) await mkdir(settings.profileDir, { recursive: true });

  try {
    const results = await runBenchmark(settings, ctx, commandLine());
    const tables = resultTables(results);
    process.stdout.write(`\n${headline(results)}\n\n${tables.map(renderText).join('\n\n')}\n`);
    await mkdir(dirname(settings.outFile), { recursive: true });
    await writeFile(settings.outFile, `${JSON.stringify(results, null, 2)}\n`);
    log(`results written to ${settings.outFile}`);
    if (settings.updateReadme) {
      const readmePath = join(benchDir, 'README.md');
      const updated = replaceResults(await readFile(readmePath, 'utf8'), resultsSection(results, tables));
      if (updated === null) log(`${readmePath} has no results markers; left unchanged`);
      else {
        await writeFile(readmePath, updated);
        log(`latest results written to ${readmePath}`);
      }
    }
    if (results.lostRuns > 0) {
      log(`${results.lostRuns} run(s) were lost or failed; see the tables above`);
      return EXIT_FAILED;
    }
    return EXIT_OK;
  } catch (err) {
    // Once interrupted, the phase under way fails because its processes were stopped: that is no news.
    if (!interrupted) log(`the benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT_FAILED;
  } finally {
    for (const problem of await cleanup.runAll()) log(`cleanup: ${problem}`);
  }
}

const code = await main();
// Relay clients may hold sockets and timers for a moment after they stop; the benchmark is done.
process.exit(code);
