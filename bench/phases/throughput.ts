import type { LocalDaemonCore } from '@remote-agent/daemon';
import { timeSpawn } from '../baselines/local-spawn.js';
import { startWsPipe, type WsPipe } from '../baselines/ws-pipe.js';
import type { BenchContext } from '../harness/context.js';
import { medianCpu, startCpuMeter } from '../harness/cpu-meter.js';
import { writeOutputCommand, type OutputCommand } from '../harness/output-command.js';
import { createUsageReader, type UsageReader } from '../harness/proc-usage.js';
import type { RemoteAgentSetup, StreamEndpoints } from '../harness/remote-agent.js';
import type { ThroughputResults, ThroughputRow, ThroughputRun } from '../report/model.js';
import type { ThroughputSettings } from '../settings.js';
import { median, mibPerSecond } from '../stats.js';

/** Generous: a 64 MiB stream at a slow 2 MB/s still ends well within it. */
const RUN_TIMEOUT_MS = 120_000;
const MAX_PROBLEMS = 20;

function row(label: string, runs: ThroughputRun[], problems: string[], failedRuns: number): ThroughputRow {
  return {
    label,
    runs,
    mibPerSecond: median(runs.map((r) => r.mibPerSecond)),
    cpuMsPerMiB: medianCpu(runs.map((r) => r.cpuMsPerMiB)),
    problems,
    failedRuns,
  };
}

function run(bytes: number, ms: number, cpuMsPerMiB?: Record<string, number>): ThroughputRun {
  return { bytes, ms, mibPerSecond: mibPerSecond(bytes, ms), ...(cpuMsPerMiB ? { cpuMsPerMiB } : {}) };
}

interface PipeRows {
  runs: ThroughputRun[];
  problems: string[];
}

/** One run through a raw pipe with the CPU it cost (kept when `measured`); returns its MB/s for the log. */
async function pipeOnce(pipe: WsPipe, read: UsageReader, output: OutputCommand, into: PipeRows, measured: boolean): Promise<number> {
  const cpu = startCpuMeter(read, { source: pipe.sourcePid, bench: 'self' });
  const r = await pipe.run(RUN_TIMEOUT_MS);
  if (measured) into.runs.push(run(r.bytes, r.ms, cpu.stop(r.bytes)));
  if (r.bytes !== output.bytes) into.problems.push(`${r.bytes} of ${output.bytes} bytes arrived`);
  return mibPerSecond(r.bytes, r.ms);
}

interface StreamRows {
  runs: ThroughputRun[];
  problems: string[];
  failed: number;
}

/** One stream through `path`, with the CPU each process spent and any warnings logged meanwhile; returns its MB/s. */
async function streamInto(
  into: StreamRows,
  setup: RemoteAgentSetup,
  path: StreamEndpoints,
  read: UsageReader,
  output: OutputCommand,
  measured: boolean,
): Promise<number> {
  const coreMark = setup.coreWarnings.length;
  const relayMark = setup.relay.proc.lineCount;
  const cpu = startCpuMeter(read, { executor: path.executor.pid, relay: setup.relay.proc.pid, bench: 'self' });
  const s = await streamOnce(path.core, path.executorId, output);
  if (measured) into.runs.push({ ...s.run, ...(s.completed ? { cpuMsPerMiB: cpu.stop(s.run.bytes) } : {}) });
  if (s.problem) into.problems.push(s.problem);
  if (!s.completed) into.failed++;
  for (const l of setup.coreWarnings.slice(coreMark)) into.problems.push(`daemon: ${l}`);
  for (const l of setup.relay.proc.linesSince(relayMark).filter((x) => / (WARN|ERROR) /.test(x))) into.problems.push(`relay: ${l}`);
  return s.run.mibPerSecond;
}

async function streamOnce(
  core: LocalDaemonCore,
  executorId: string,
  output: OutputCommand,
): Promise<{ run: ThroughputRun; problem: string | null; completed: boolean }> {
  const start = performance.now();
  const submitted = core.submit(executorId, 'run', { command: output.command });
  const view = await core.waitForRequest(submitted.requestId, { maxWaitMs: RUN_TIMEOUT_MS });
  const ms = performance.now() - start;
  let problem: string | null = null;
  if (view.state !== 'completed') {
    problem = `run ${view.requestId} still ${view.state} after ${RUN_TIMEOUT_MS} ms with ${view.stdoutBytes} of ${output.bytes} bytes: stalled`;
    await core.cancel(view.requestId, 'benchmark timeout').catch(() => undefined);
  }
  else if (view.ok !== true) problem = `run ${view.requestId} ended ${view.outcome}: ${view.error?.message ?? `exit ${view.exitCode}`}`;
  else if (view.stdoutBytes !== output.bytes) problem = `the daemon counted ${view.stdoutBytes} of ${output.bytes} bytes`;
  return { run: run(view.stdoutBytes, ms), problem, completed: view.state === 'completed' && view.ok === true };
}

/**
 * Output throughput of a command writing `bytes` to stdout: read by a local pipe (reference), carried by a
 * raw loopback WebSocket (the transport's ceiling: client frames unmasked, as remote-agent's own; and, for
 * reference, with ws's default masking) and streamed by remote-agent from the executor through the relay
 * to the daemon, chunked and flow-controlled. Repeats alternate between rows.
 */
export async function measureThroughput(
  setup: RemoteAgentSetup,
  settings: ThroughputSettings,
  ctx: BenchContext,
): Promise<ThroughputResults> {
  const output = await writeOutputCommand(setup.root, settings.bytes);
  const pipe = await startWsPipe(ctx, output, { masked: false });
  const maskedPipe = await startWsPipe(ctx, output, { masked: true });
  const read = createUsageReader();
  const local: ThroughputRun[] = [];
  const raw: PipeRows = { runs: [], problems: [] };
  const rawMasked: PipeRows = { runs: [], problems: [] };
  const stream: StreamRows = { runs: [], problems: [], failed: 0 };
  const jsonStream: StreamRows = { runs: [], problems: [], failed: 0 };
  const noLogStream: StreamRows = { runs: [], problems: [], failed: 0 };
  const localProblems: string[] = [];

  for (let i = -settings.warmup; i < settings.repeats; i++) {
    const measured = i >= 0;
    const l = await timeSpawn(output.file, output.args, { keep: 0 });
    if (measured) local.push(run(l.stdoutBytes, l.ms));
    if (l.code !== 0 || l.stdoutBytes !== output.bytes) localProblems.push(`exit ${l.code}, ${l.stdoutBytes} bytes`);

    const rawSpeed = await pipeOnce(pipe, read, output, raw, measured);
    const maskedSpeed = await pipeOnce(maskedPipe, read, output, rawMasked, measured);

    const speed = await streamInto(stream, setup, { core: setup.core, executor: setup.executor, executorId: setup.executorId }, read, output, measured);
    const jsonSpeed = await streamInto(jsonStream, setup, setup.json, read, output, measured);
    const noLogSpeed = await streamInto(noLogStream, setup, setup.noLog, read, output, measured);
    ctx.log(
      `throughput ${measured ? `run ${i + 1}/${settings.repeats}` : 'warm-up'}: pipe ${mibPerSecond(l.stdoutBytes, l.ms).toFixed(0)}, ` +
        `raw ws ${rawSpeed.toFixed(0)} (masked ${maskedSpeed.toFixed(0)}), stream ${speed.toFixed(0)} ` +
        `(json ${jsonSpeed.toFixed(0)}, no output log ${noLogSpeed.toFixed(0)}) MB/s`,
    );
  }
  await pipe.close();
  await maskedPipe.close();
  return {
    bytes: settings.bytes,
    repeats: settings.repeats,
    localPipe: row('local pipe (spawn, read stdout)', local, localProblems, 0),
    rawWebSocket: row('raw WebSocket pipe (loopback, unmasked like ours)', raw.runs, raw.problems, 0),
    rawWebSocketMasked: row('raw WebSocket pipe (loopback, ws default masking)', rawMasked.runs, rawMasked.problems, 0),
    stream: row('remote-agent stream (executor -> relay -> daemon), protobuf subprotocol', stream.runs, stream.problems.slice(0, MAX_PROBLEMS), stream.failed),
    streamJson: row('the same stream on the JSON subprotocol (chunks as base64)', jsonStream.runs, jsonStream.problems.slice(0, MAX_PROBLEMS), jsonStream.failed),
    streamNoLog: row(
      'the same stream, executor keeping no output log (EXECUTOR_OUTPUT_MAX_BYTES=0)',
      noLogStream.runs,
      noLogStream.problems.slice(0, MAX_PROBLEMS),
      noLogStream.failed,
    ),
  };
}
