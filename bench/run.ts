import { loadavg } from 'node:os';
import type { BenchContext } from './harness/context.js';
import { describeMachine } from './harness/machine.js';
import { startRemoteAgent } from './harness/remote-agent.js';
import { measureFiles } from './phases/files.js';
import { measureLatency } from './phases/latency.js';
import { measureRelay } from './phases/relay-fanout.js';
import { measureScale } from './phases/scale.js';
import { measureThroughput } from './phases/throughput.js';
import { isSkipped, type BenchResults } from './report/model.js';
import { evaluateTargets } from './report/targets.js';
import type { BenchSettings } from './settings.js';
import { MIB } from './stats.js';

const UNACKED_DROP = /dropped a connection over its un-acknowledged message bounds/;

/** Runs the selected phases in order; the remote-agent processes are shared by latency, throughput and files. */
export async function runBenchmark(settings: BenchSettings, ctx: BenchContext, command: string): Promise<BenchResults> {
  const began = performance.now();
  const results: BenchResults = {
    schema: 1,
    generatedAt: new Date().toISOString(),
    command,
    machine: describeMachine(),
    loadAverage: { atStart: loadavg(), atEnd: [] },
    settings: {
      quick: settings.quick,
      phases: settings.phases,
      profileDir: settings.profileDir,
      latency: settings.latency,
      throughput: settings.throughput,
      relay: settings.relay,
      scale: settings.scale,
      files: settings.files,
    },
    targets: [],
    lostRuns: 0,
    notes: [],
    durationMs: 0,
  };
  const wants = (phase: BenchSettings['phases'][number]): boolean => settings.phases.includes(phase);

  if (wants('latency') || wants('throughput') || wants('files')) {
    ctx.log('starting relay, executor, ra-mcp and the in-process daemon');
    const setup = await startRemoteAgent(ctx, { logBudgetBytes: Math.max(MIB, settings.throughput.bytes) });
    if (wants('latency')) {
      ctx.log(`latency: ${settings.latency.calls} calls per row`);
      results.latency = await measureLatency(setup, settings.latency, ctx);
    }
    if (wants('throughput')) {
      ctx.log(`throughput: ${settings.throughput.repeats} x ${settings.throughput.bytes} bytes per row, after ${settings.throughput.warmup} warm-up`);
      results.throughput = await measureThroughput(setup, settings.throughput, ctx);
    }
    if (wants('files')) results.files = await measureFiles(setup, settings.files, ctx);
    // Only the shared setup is registered at this point: stop it before the phases that start their own.
    await ctx.cleanup.runAll();
  }
  if (wants('relay')) {
    ctx.log(`relay fan-out: ${settings.relay.receivers} members`);
    results.relay = await measureRelay(settings.relay, ctx);
  }
  if (wants('scale')) {
    ctx.log(`scale: ${settings.scale.sizes.join(', ')} executors`);
    results.scale = await measureScale(settings.scale, ctx);
  }

  results.targets = evaluateTargets(results);
  results.lostRuns = countLostRuns(results);
  results.notes = diagnose(results);
  results.loadAverage.atEnd = loadavg();
  results.durationMs = performance.now() - began;
  return results;
}

function countLostRuns(r: BenchResults): number {
  let lost = 0;
  if (r.latency) lost += r.latency.core.failures + r.latency.mcp.failures;
  if (r.throughput) lost += r.throughput.stream.failedRuns;
  if (r.files && !isSkipped(r.files.fsRead)) lost += r.files.fsRead.remote.failures;
  if (r.files && !isSkipped(r.files.artifact)) lost += r.files.artifact.upload.failedRuns + r.files.artifact.download.failedRuns;
  if (r.scale) lost += r.scale.concurrency.lost;
  return lost;
}

/** Observations worth a line under the targets: causes the benchmark can recognise in the logs it kept. */
function diagnose(r: BenchResults): string[] {
  const notes: string[] = [];
  const logs = [
    ...(r.throughput?.stream.problems ?? []),
    ...(r.scale?.sizes.flatMap((s) => s.problems) ?? []),
    ...(r.scale?.concurrency.problems ?? []),
  ];
  const drops = logs.filter((l) => UNACKED_DROP.test(l)).length;
  if (drops > 0) {
    notes.push(
      `the relay dropped the daemon's connection ${drops} time(s) for too many un-acknowledged messages: they arrived ` +
        'faster than the daemon acknowledged them (see bench/README.md, "What the figures say", 1 and 2)',
    );
  }
  if (r.lostRuns > 0) notes.push(`${r.lostRuns} run(s) were lost or failed: the benchmark exits 1`);
  return notes;
}
