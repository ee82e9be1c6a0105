import { join } from 'node:path';
import { STREAMING_HEAP_FLAGS } from '@remote-agent/transport/streaming-heap';
import { ENV_DAEMON_ID, ENV_RELAY, ENV_ROOT, type DaemonHostMethods, type SwarmKind, type SwarmMethods } from '../children/protocol.js';
import type { BenchContext } from '../harness/context.js';
import { RpcClient, type RpcMethods } from '../harness/ipc.js';
import { benchChild } from '../harness/paths.js';
import { createUsageReader, usageDelta, type ProcessUsage, type UsageReader } from '../harness/proc-usage.js';
import { baseEnv, startNode, type ManagedProcess } from '../harness/processes.js';
import { startRelayProcess, tempFolder, type RelayProcess } from '../harness/topology.js';
import type { ConcurrencyResult, ProcessFigures, ScaleResult, ScaleResults } from '../report/model.js';
import type { ScaleSettings } from '../settings.js';
import { summarize } from '../stats.js';

export const SIM_CLIENT =
  'simulated executors (SimExecutor: the executor\'s token, groups, hello and heartbeat on a raw reliable-protocol WebSocket, no SDK), many in one process';
export const REAL_CLIENT = 'real executors (startExecutor on createWebPubSubConnection, the official SDK), many in one process';
const CHILD_READY_MS = 30_000;
const ID_PREFIX = 'sim-';
const ONLINE_POLL_MS = 20;
const RUN_WAIT_MS = 120_000;
const CALL_MS = 10_000;

interface Child<M extends RpcMethods<M>> {
  proc: ManagedProcess;
  rpc: RpcClient<M>;
}

function startChild<M extends RpcMethods<M>>(ctx: BenchContext, name: string, script: 'swarm-main' | 'daemon-host-main', env: Record<string, string>): Child<M> {
  // The daemon host runs a daemon, so it gets the daemon's heap flags (ra-mcp's); the swarm is load, not product.
  const nodeArgs = script === 'daemon-host-main' ? STREAMING_HEAP_FLAGS : [];
  const proc = startNode(ctx, { name, script: benchChild(script), env: { ...baseEnv(), ...env }, ipc: true, nodeArgs });
  return { proc, rpc: new RpcClient<M>(proc.child, name, CHILD_READY_MS) };
}

/** A relay, a daemon and a swarm of executors, each its own process, as one unit of the scale phase. */
class ScaleRig {
  private constructor(
    readonly relay: RelayProcess,
    readonly daemon: Child<DaemonHostMethods>,
    readonly swarm: Child<SwarmMethods>,
  ) {}

  static async start(ctx: BenchContext, label: string): Promise<ScaleRig> {
    const root = await tempFolder(ctx, `scale-${label}`);
    const relay = await startRelayProcess(ctx, `relay-${label}`);
    const daemon = startChild<DaemonHostMethods>(ctx, `daemon-${label}`, 'daemon-host-main', {
      [ENV_RELAY]: relay.connectionString,
      [ENV_ROOT]: join(root, 'daemon'),
      [ENV_DAEMON_ID]: 'bench-scale-daemon',
    });
    const swarm = startChild<SwarmMethods>(ctx, `swarm-${label}`, 'swarm-main', { [ENV_RELAY]: relay.connectionString, [ENV_ROOT]: join(root, 'swarm') });
    const rig = new ScaleRig(relay, daemon, swarm);
    try {
      await Promise.all([daemon.rpc.ready, swarm.rpc.ready]);
    } catch (err) {
      await rig.stop();
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`${why}; last lines of the daemon:\n${daemon.proc.tail()}\nof the swarm:\n${swarm.proc.tail()}`);
    }
    return rig;
  }

  pids(): [number, number, number] {
    return [this.relay.proc.pid, this.daemon.proc.pid, this.swarm.proc.pid];
  }

  /** Starts `count` executors and waits for the daemon to list them all online; times it from the start. */
  async bringOnline(kind: SwarmKind, count: number, settings: ScaleSettings) {
    const t0 = performance.now();
    const onlineCall = this.daemon.rpc
      .call('waitOnline', { count, timeoutMs: settings.onlineTimeoutMs, pollMs: ONLINE_POLL_MS }, settings.onlineTimeoutMs + CALL_MS)
      .then((r) => ({ ...r, at: performance.now() }));
    const started = await this.swarm.rpc.call(
      'start',
      { kind, count, idPrefix: ID_PREFIX, connectConcurrency: settings.connectConcurrency, heartbeatIntervalMs: settings.heartbeatIntervalMs },
      settings.onlineTimeoutMs + 60_000,
    );
    const online = await onlineCall;
    return { started, online: online.online, onlineMs: online.reached ? online.at - t0 : null };
  }

  /** Warnings and errors the relay and the daemon printed (dropped connections, reconnects). */
  warnings(): string[] {
    return [...this.relay.proc.lines(), ...this.daemon.proc.lines()].filter((l) => / (WARN|ERROR) /.test(l));
  }

  async stop(): Promise<void> {
    await this.swarm.proc.stop();
    await this.daemon.proc.stop();
    await this.relay.proc.stop();
  }
}

function figures(before: ProcessUsage | null, restStart: ProcessUsage | null, restEnd: ProcessUsage | null): ProcessFigures | null {
  if (before === null || restStart === null || restEnd === null) return null;
  return { ...usageDelta(restStart, restEnd), baselineRssBytes: before.rssBytes };
}

function perUnit(f: ProcessFigures | null, n: number): number | null {
  return f === null || n <= 0 ? null : (f.rssBytes - f.baselineRssBytes) / n;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const MAX_PROBLEMS = 10;

/**
 * One executor count on a fresh relay, daemon and swarm: time until the daemon lists every executor
 * online, then memory and CPU of all three at rest (heartbeats only).
 */
async function measureSize(ctx: BenchContext, settings: ScaleSettings, count: number, read: UsageReader): Promise<ScaleResult> {
  const rig = await ScaleRig.start(ctx, String(count));
  try {
    const before = rig.pids().map(read);
    const { started, online, onlineMs } = await rig.bringOnline('sim', count, settings);
    const problems: string[] = [];
    if (started.failures > 0) problems.push(`${started.failures} executors failed to start: ${started.examples.join('; ')}`);
    if (onlineMs === null) problems.push(`only ${online} of ${count} listed online after ${settings.onlineTimeoutMs} ms`);
    ctx.log(`scale ${count}: ${online} online ${onlineMs === null ? '(not all)' : `in ${onlineMs.toFixed(0)} ms`}; measuring at rest`);

    await sleep(settings.settleMs);
    const presence0 = (await rig.daemon.rpc.call('presenceMessages', {}, CALL_MS)).count;
    const restStart = rig.pids().map(read);
    await sleep(settings.restWindowMs);
    const restEnd = rig.pids().map(read);
    const presence1 = (await rig.daemon.rpc.call('presenceMessages', {}, CALL_MS)).count;
    const [relay = null, daemon = null, swarm = null] = [0, 1, 2].map((i) => figures(before[i] ?? null, restStart[i] ?? null, restEnd[i] ?? null));
    problems.push(...rig.warnings().slice(0, MAX_PROBLEMS));
    return {
      executors: count,
      onlineMs,
      online,
      swarmStartMs: started.elapsedMs,
      startFailures: started.failures,
      presenceInWindow: presence1 - presence0,
      relay,
      daemon,
      swarm,
      relayBytesPerConnection: perUnit(relay, count),
      daemonBytesPerExecutor: perUnit(daemon, count),
      swarmBytesPerExecutor: perUnit(swarm, count),
      problems,
    };
  } finally {
    await rig.stop();
  }
}

/** Real executors, all online, then many runs at once spread over them; every run must complete with its own output. */
async function measureConcurrency(ctx: BenchContext, settings: ScaleSettings): Promise<ConcurrencyResult> {
  const rig = await ScaleRig.start(ctx, 'runs');
  try {
    const count = settings.runExecutors;
    const { started, online, onlineMs } = await rig.bringOnline('real', count, settings);
    if (onlineMs === null) {
      throw new Error(`only ${online} of ${count} real executors came online (${started.failures} failed to start: ${started.examples.join('; ')})`);
    }
    const executorIds = Array.from({ length: count }, (_, i) => `${ID_PREFIX}${String(i).padStart(5, '0')}`);
    const r = await rig.daemon.rpc.call('runMany', { executorIds, runs: settings.concurrentRuns, maxWaitMs: RUN_WAIT_MS }, RUN_WAIT_MS + 30_000);
    ctx.log(`concurrency: ${r.ok}/${settings.concurrentRuns} runs ok, ${r.lost} lost, ${r.failed} failed, in ${r.elapsedMs.toFixed(0)} ms`);
    return {
      runs: settings.concurrentRuns,
      executors: count,
      executorsOnlineMs: onlineMs,
      ok: r.ok,
      lost: r.lost,
      failed: r.failed,
      outcomes: r.outcomes,
      elapsedMs: r.elapsedMs,
      latency: summarize(r.latenciesMs),
      examples: r.examples,
      problems: rig.warnings().slice(0, MAX_PROBLEMS),
    };
  } finally {
    await rig.stop();
  }
}

export async function measureScale(settings: ScaleSettings, ctx: BenchContext): Promise<ScaleResults> {
  const read = createUsageReader();
  const sizes: ScaleResult[] = [];
  for (const count of settings.sizes) sizes.push(await measureSize(ctx, settings, count, read));
  const concurrency = await measureConcurrency(ctx, settings);
  return {
    client: SIM_CLIENT,
    runClient: REAL_CLIENT,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    restWindowMs: settings.restWindowMs,
    sizes,
    concurrency,
  };
}
