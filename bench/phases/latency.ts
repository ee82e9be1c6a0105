import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalDaemonCore } from '@remote-agent/daemon';
import { loginShell, type LoginShell } from '../baselines/login-shell.js';
import { probeSsh, sshBaseline, type SshBaseline } from '../baselines/ssh.js';
import { timeShellCommand } from '../baselines/local-spawn.js';
import type { BenchContext } from '../harness/context.js';
import { connectMcp, type McpSession } from '../harness/mcp-client.js';
import { startDefaultSetup, type RemoteAgentSetup } from '../harness/remote-agent.js';
import { tempFolder } from '../harness/topology.js';
import { turnOrder } from '../harness/turns.js';
import type { LatencyResults, LatencyRow, Skipped } from '../report/model.js';
import type { LatencySettings } from '../settings.js';
import { summarize, SampleBuffer } from '../stats.js';

const COMMAND = 'echo remote-agent-bench';
const EXPECTED = 'remote-agent-bench';
const CALL_TIMEOUT_MS = 30_000;
const MAX_EXAMPLES = 5;
const EXECUTOR_LISTED_TIMEOUT_MS = 20_000;
/**
 * ssh's warm-up only has to bring its ControlMaster connection up: the baseline is an ssh client started per
 * call and a sshd, not code that V8 tiers up, and at 150-650 ms a call the rows' warm-up would take minutes.
 */
const SSH_WARMUP_CALLS = 20;

/** One way of running the command once; resolves with an error text when the output is not as expected. */
type Runner = () => Promise<string | null>;

class RowRecorder {
  readonly samples = new SampleBuffer(512);
  readonly fresh = new SampleBuffer(128);
  failures = 0;
  readonly examples: string[] = [];

  constructor(
    readonly label: string,
    readonly run: Runner,
  ) {}

  /** `fresh`: one of the first calls after start, summarised apart; `measure`: one of the measured calls. */
  async once(measure: boolean, fresh = false): Promise<void> {
    const start = performance.now();
    let problem: string | null;
    try {
      problem = await this.run();
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
    const ms = performance.now() - start;
    if (problem !== null) {
      this.failures++;
      if (this.examples.length < MAX_EXAMPLES) this.examples.push(problem.slice(0, 300));
    } else if (measure) {
      this.samples.push(ms);
    } else if (fresh) {
      this.fresh.push(ms);
    }
  }

  result(): LatencyRow {
    const row: LatencyRow = { label: this.label, summary: summarize(this.samples.values()), failures: this.failures, failureExamples: this.examples };
    if (this.fresh.length > 0) row.fresh = summarize(this.fresh.values());
    return row;
  }
}

function spawnRunner(): Runner {
  return async () => {
    const r = await timeShellCommand(COMMAND);
    return r.code === 0 && r.stdout.trim() === EXPECTED ? null : `local spawn exited ${r.code} with ${JSON.stringify(r.stdout.slice(0, 80))}`;
  };
}

function coreRunner(core: LocalDaemonCore, executorId: string): Runner {
  return async () => {
    const submitted = core.submit(executorId, 'run', { command: COMMAND });
    const view = await core.waitForRequest(submitted.requestId, { maxWaitMs: CALL_TIMEOUT_MS });
    if (view.state === 'completed' && view.ok === true && view.stdout.trim() === EXPECTED) return null;
    return `daemon API run ${view.requestId} ended ${view.state}/${view.outcome ?? '-'} ok=${view.ok}: ${view.error?.message ?? JSON.stringify(view.stdout.slice(0, 80))}`;
  };
}

function mcpRunner(session: McpSession, executorId: string): Runner {
  return async () => {
    const r = await session.call('remote_run', { executorId, command: COMMAND });
    const s = r.structured;
    if (!r.isError && s.ok === true && typeof s.stdout === 'string' && s.stdout.trim() === EXPECTED) return null;
    return `remote_run returned ${r.isError ? `an error: ${r.text}` : `status=${String(s.status)} ok=${String(s.ok)}`}`;
  };
}

function sshRunner(ssh: SshBaseline): Runner {
  return async () => {
    const r = await ssh.run(COMMAND);
    return r.code === 0 && r.stdout.trim() === EXPECTED ? null : `ssh exited ${r.code}`;
  };
}

function loginShellRunner(shell: LoginShell): Runner {
  return async () => {
    const r = await shell.run(COMMAND);
    return r.code === 0 && r.stdout.trim() === EXPECTED ? null : `${shell.shell} -c exited ${r.code}`;
  };
}

function idleLabel(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Waits until the MCP daemon lists the executor online (it learns of it through the relay on its own). */
async function waitListed(session: McpSession, executorId: string): Promise<void> {
  const deadline = performance.now() + EXECUTOR_LISTED_TIMEOUT_MS;
  let last = '';
  while (performance.now() < deadline) {
    const r = await session.call('executors_get', { executorId });
    if (!r.isError && r.structured.status === 'online') return;
    last = r.isError ? r.text : `status ${String(r.structured.status)}`;
    await sleep(50);
  }
  throw new Error(`ra-mcp did not list ${executorId} online within ${EXECUTOR_LISTED_TIMEOUT_MS} ms (${last})`);
}

/**
 * Round trip of a trivial command: local spawn (the floor), the daemon's own API, MCP remote_run over HTTP
 * with the official client (with the relay as a process of its own, and in the setup `npm start` makes,
 * where ra-mcp embeds it), and ssh with ControlMaster when a server answers. The first four take turns
 * call by call, so a burst of noise on the machine touches all of them alike, in an order that changes
 * every round (turnOrder), so that what one call leaves behind does not always land on the same row. ssh
 * runs in its own block afterwards: sshd goes on working for a while after each session returns (closing the session, PAM,
 * utmp), and interleaved, that work landed on the calls of the rows after it (local spawn +0.5 ms, MCP
 * +1.7 ms at p50 in one measured run); at 150 ms or more per call, ssh itself is not sensitive to that noise.
 * The user's login shell, started here as sshd starts it, takes turns with ssh: it tells how much of ssh's
 * time is the shell's start with its rc files, which an executor's `/bin/sh -c` does not pay. Before ssh,
 * the floor and MCP take turns once more with the whole setup idle before each call, as between an agent's
 * calls.
 */
export async function measureLatency(
  setup: RemoteAgentSetup,
  settings: LatencySettings,
  ctx: BenchContext,
): Promise<LatencyResults> {
  const session = await connectMcp(setup.mcp.url);
  const closeSession = ctx.cleanup.add('close MCP session', () => session.close());
  await waitListed(session, setup.executorId);
  const defaults = await startDefaultSetup(ctx, setup.root);
  const stopDefaults = ctx.cleanup.add('stop the default setup', () => defaults.stop());
  const defaultSession = await connectMcp(defaults.mcp.url);
  const closeDefaultSession = ctx.cleanup.add('close MCP session of the default setup', () => defaultSession.close());
  await waitListed(defaultSession, defaults.executorId);

  const rows = [
    new RowRecorder('local spawn (floor)', spawnRunner()),
    new RowRecorder('daemon API (in-process core)', coreRunner(setup.core, setup.executorId)),
    new RowRecorder('MCP remote_run (HTTP, SDK client)', mcpRunner(session, setup.executorId)),
    new RowRecorder('MCP remote_run, relay inside ra-mcp (npm start)', mcpRunner(defaultSession, defaults.executorId)),
  ];

  const probe = await probeSsh();
  let sshRow: RowRecorder | null = null;
  let shellRow: RowRecorder | null = null;
  let closeSsh: (() => Promise<void>) | null = null;
  if (probe.available) {
    const baseline = sshBaseline(await tempFolder(ctx, 'ssh'));
    closeSsh = ctx.cleanup.add('close ssh ControlMaster', () => baseline.close());
    sshRow = new RowRecorder('ssh localhost (ControlMaster)', sshRunner(baseline));
    const shell = loginShell();
    if (shell) shellRow = new RowRecorder(`  of which: ${shell.shell} -c as sshd starts it, run here`, loginShellRunner(shell));
  } else {
    ctx.log(`ssh row skipped: ${probe.reason}`);
  }

  const total = settings.warmup + settings.calls;
  const freshCalls = Math.min(settings.freshCalls, settings.warmup);
  for (let round = 0; round < total; round++) {
    for (const i of turnOrder(rows.length, round)) await rows[i]!.once(round >= settings.warmup, round < freshCalls);
  }
  // After the warm rounds, so that the code is optimised and only the idle spell differs.
  const idleRows = [
    new RowRecorder(`local spawn after ${idleLabel(settings.idleGapMs)} idle`, spawnRunner()),
    new RowRecorder(`MCP remote_run after ${idleLabel(settings.idleGapMs)} idle`, mcpRunner(session, setup.executorId)),
  ];
  for (let round = 0; round < settings.idleCalls; round++) {
    for (const i of turnOrder(idleRows.length, round)) {
      await sleep(settings.idleGapMs);
      await idleRows[i]!.once(true);
    }
  }
  const sshWarmup = Math.min(settings.warmup, SSH_WARMUP_CALLS);
  // The login shell takes turns with ssh, so that both see the machine in the same state.
  const sshRows = [sshRow, shellRow].filter((row): row is RowRecorder => row !== null);
  for (let round = 0; round < sshWarmup + settings.sshCalls; round++) {
    for (const i of turnOrder(sshRows.length, round)) await sshRows[i]!.once(round >= sshWarmup);
  }
  await closeSession();
  await closeDefaultSession();
  await stopDefaults();
  if (closeSsh) await closeSsh();
  const ssh: LatencyRow | Skipped = sshRow?.result() ?? { skipped: true, reason: probe.available ? 'ssh was not run' : probe.reason };
  const sshLoginShell: LatencyRow | Skipped = shellRow?.result() ?? {
    skipped: true,
    reason: sshRow ? 'no POSIX login shell for this user' : 'ssh row skipped',
  };

  const [spawn, core, mcp, mcpEmbeddedRelay] = rows.map((r) => r.result()) as [LatencyRow, LatencyRow, LatencyRow, LatencyRow];
  const [idleSpawn, idleMcp] = idleRows.map((r) => r.result()) as [LatencyRow, LatencyRow];
  return {
    command: COMMAND,
    calls: settings.calls,
    warmup: settings.warmup,
    freshCalls,
    spawn,
    core,
    mcp,
    mcpEmbeddedRelay,
    idle: { gapMs: settings.idleGapMs, calls: settings.idleCalls, spawn: idleSpawn, mcp: idleMcp },
    ssh,
    sshCalls: settings.sshCalls,
    sshLoginShell,
  };
}
