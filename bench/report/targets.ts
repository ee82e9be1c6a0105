import { isSkipped, type BenchResults, type Target } from './model.js';

/** The issue's targets, as ratios that hold on any machine. */
export const TARGETS = {
  mcpOverSpawnMs: 5,
  sshOverMcp: 20,
  streamOverRaw: 0.5,
  scaleExecutors: 5000,
  scaleOnlineMs: 5000,
  concurrentRuns: 500,
} as const;

const f2 = (n: number): string => n.toFixed(2);

/**
 * ssh's p50 split into the user's login shell starting with its rc files (its p50 over the floor's, both
 * run here) and the rest, which is ssh's own: the client, the ControlMaster, sshd's session, the exec.
 * Null when either row is missing.
 */
export function sshShare(lat: NonNullable<BenchResults['latency']>): { shellStartMs: number; sshOwnMs: number; ownOverMcp: number } | null {
  if (isSkipped(lat.ssh) || !lat.sshLoginShell || isSkipped(lat.sshLoginShell)) return null;
  const shellStartMs = Math.max(0, lat.sshLoginShell.summary.p50Ms - lat.spawn.summary.p50Ms);
  const sshOwnMs = lat.ssh.summary.p50Ms - shellStartMs;
  return { shellStartMs, sshOwnMs, ownOverMcp: sshOwnMs / lat.mcp.summary.p50Ms };
}

type Measured = Pick<BenchResults, 'latency' | 'throughput' | 'scale'>;

/** Each target met (true), missed (false) or not measured in this run (null), with the figures behind it. */
export function evaluateTargets(r: Measured): Target[] {
  const targets: Target[] = [];
  const lat = r.latency;

  const mcpVsSpawn: Target = {
    id: 'mcp-p50-vs-spawn',
    description: `MCP remote_run echo p50 within local spawn + ${TARGETS.mcpOverSpawnMs} ms`,
    met: null,
    measured: 'latency phase not run',
  };
  if (lat) {
    const over = lat.mcp.summary.p50Ms - lat.spawn.summary.p50Ms;
    mcpVsSpawn.met = lat.mcp.failures === 0 && over <= TARGETS.mcpOverSpawnMs;
    const embedded = lat.mcpEmbeddedRelay.summary.p50Ms - lat.spawn.summary.p50Ms;
    const fresh =
      lat.mcp.fresh && lat.spawn.fresh ? `; first ${lat.freshCalls} calls after start: + ${f2(lat.mcp.fresh.p50Ms - lat.spawn.fresh.p50Ms)} ms` : '';
    const idle = lat.idle ? `; after ${lat.idle.gapMs} ms idle: + ${f2(lat.idle.mcp.summary.p50Ms - lat.idle.spawn.summary.p50Ms)} ms` : '';
    mcpVsSpawn.measured =
      `p50 ${f2(lat.mcp.summary.p50Ms)} ms = spawn ${f2(lat.spawn.summary.p50Ms)} ms + ${f2(over)} ms` +
      `${lat.mcp.failures > 0 ? `; ${lat.mcp.failures} calls failed` : ''} (relay inside ra-mcp, as npm start: + ${f2(embedded)} ms${fresh}${idle})`;
  }
  targets.push(mcpVsSpawn);

  const vsSsh: Target = {
    id: 'mcp-p50-vs-ssh',
    description: `MCP remote_run echo p50 at least ${TARGETS.sshOverMcp}x faster than ssh with ControlMaster`,
    met: null,
    measured: 'latency phase not run',
  };
  if (lat) {
    if (isSkipped(lat.ssh)) vsSsh.measured = `not measured: ${lat.ssh.reason}`;
    else {
      const ratio = lat.ssh.summary.p50Ms / lat.mcp.summary.p50Ms;
      vsSsh.met = ratio >= TARGETS.sshOverMcp;
      const share = sshShare(lat);
      vsSsh.measured =
        `ssh p50 ${f2(lat.ssh.summary.p50Ms)} ms / mcp p50 ${f2(lat.mcp.summary.p50Ms)} ms = ${ratio.toFixed(1)}x` +
        (share
          ? `; ${f2(share.shellStartMs)} ms of ssh's is the login shell's start with its rc files,` +
            ` without which ssh takes ${f2(share.sshOwnMs)} ms = ${share.ownOverMcp.toFixed(1)}x`
          : '');
    }
  }
  targets.push(vsSsh);

  const stream: Target = {
    id: 'stream-vs-raw-websocket',
    description: `output streaming at least ${TARGETS.streamOverRaw} of the raw loopback WebSocket pipe (unmasked, as ours)`,
    met: null,
    measured: 'throughput phase not run',
  };
  if (r.throughput) {
    const t = r.throughput;
    const ratio = t.stream.mibPerSecond / t.rawWebSocket.mibPerSecond;
    const clean = t.stream.problems.length === 0;
    stream.met = clean && ratio >= TARGETS.streamOverRaw;
    stream.measured =
      `${t.stream.mibPerSecond.toFixed(0)} / ${t.rawWebSocket.mibPerSecond.toFixed(0)} MB/s = ${ratio.toFixed(2)}` +
      (clean ? '' : `; not clean: ${t.stream.problems.length} problems (see throughput.stream.problems)`);
  }
  targets.push(stream);

  const online: Target = {
    id: 'scale-online',
    description: `${TARGETS.scaleExecutors.toLocaleString('en-US')} executors listed online within ${TARGETS.scaleOnlineMs / 1000} s of starting`,
    met: null,
    measured: 'scale phase not run',
  };
  if (r.scale) {
    const size = r.scale.sizes.find((s) => s.executors >= TARGETS.scaleExecutors);
    if (!size) online.measured = `not measured: the largest size run was ${Math.max(0, ...r.scale.sizes.map((s) => s.executors))}`;
    else {
      online.met = size.onlineMs !== null && size.onlineMs <= TARGETS.scaleOnlineMs;
      online.measured =
        size.onlineMs === null ? `only ${size.online} of ${size.executors} online` : `${size.executors} online in ${(size.onlineMs / 1000).toFixed(2)} s`;
    }
  }
  targets.push(online);

  const runs: Target = {
    id: 'no-run-lost',
    description: `no request lost at ${TARGETS.concurrentRuns} in flight`,
    met: null,
    measured: 'scale phase not run',
  };
  if (r.scale) {
    const c = r.scale.concurrency;
    runs.met = c.runs >= TARGETS.concurrentRuns && c.lost === 0 && c.failed === 0;
    runs.measured = `${c.runs} runs over ${c.executors} executors: ${c.ok} ok, ${c.lost} lost, ${c.failed} failed or with wrong output`;
  }
  targets.push(runs);
  return targets;
}
