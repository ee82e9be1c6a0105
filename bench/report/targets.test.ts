import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LatencySummary } from '../stats.js';
import type { BenchResults, LatencyRow, ScaleResult, ThroughputRow } from './model.js';
import { evaluateTargets } from './targets.js';

function summary(p50Ms: number): LatencySummary {
  return { samples: 10, p50Ms, p95Ms: p50Ms, p99Ms: p50Ms, meanMs: p50Ms, minMs: p50Ms, maxMs: p50Ms };
}

function row(p50Ms: number, failures = 0): LatencyRow {
  return { label: 'x', summary: summary(p50Ms), failures, failureExamples: [] };
}

function tput(mibPerSecond: number, problems: string[] = []): ThroughputRow {
  return { label: 'x', runs: [], mibPerSecond, cpuMsPerMiB: null, problems, failedRuns: 0 };
}

function size(executors: number, onlineMs: number | null): ScaleResult {
  return {
    executors,
    onlineMs,
    online: executors,
    swarmStartMs: 0,
    startFailures: 0,
    presenceInWindow: 0,
    relay: null,
    daemon: null,
    swarm: null,
    relayBytesPerConnection: null,
    daemonBytesPerExecutor: null,
    swarmBytesPerExecutor: null,
    problems: [],
  };
}

type Measured = Pick<BenchResults, 'latency' | 'throughput' | 'scale'>;

function measured(over: { mcp?: number; ssh?: number | null; stream?: ThroughputRow; online?: number | null; sizes?: number; lost?: number; failed?: number }): Measured {
  return {
    latency: {
      command: 'echo',
      calls: 10,
      warmup: 1,
      spawn: row(3),
      core: row(4),
      mcp: row(over.mcp ?? 7),
      mcpEmbeddedRelay: row(6),
      ssh: over.ssh === null ? { skipped: true, reason: 'no server' } : row(over.ssh ?? 200),
    },
    throughput: { bytes: 1, repeats: 1, localPipe: tput(500), rawWebSocket: tput(200), stream: over.stream ?? tput(120) },
    scale: {
      client: 'sim',
      runClient: 'real',
      heartbeatIntervalMs: 10_000,
      restWindowMs: 1000,
      sizes: [size(100, 100), size(over.sizes ?? 5000, over.online === undefined ? 4000 : over.online)],
      concurrency: {
        runs: 500,
        executors: 100,
        executorsOnlineMs: 100,
        ok: 500 - (over.lost ?? 0) - (over.failed ?? 0),
        lost: over.lost ?? 0,
        failed: over.failed ?? 0,
        outcomes: {},
        elapsedMs: 1000,
        latency: summary(5),
        examples: [],
        problems: [],
      },
    },
  };
}

function verdicts(m: Measured): Record<string, boolean | null> {
  return Object.fromEntries(evaluateTargets(m).map((t) => [t.id, t.met]));
}

test('all targets met', () => {
  assert.deepEqual(verdicts(measured({})), {
    'mcp-p50-vs-spawn': true,
    'mcp-p50-vs-ssh': true,
    'stream-vs-raw-websocket': true,
    'scale-online': true,
    'no-run-lost': true,
  });
});

test('the latency verdict is on the relay as its own process, and names the npm start setup beside it', () => {
  const target = evaluateTargets(measured({ mcp: 8.5 })).find((t) => t.id === 'mcp-p50-vs-spawn');
  assert.equal(target?.met, false);
  assert.equal(target?.measured, 'p50 8.50 ms = spawn 3.00 ms + 5.50 ms (relay inside ra-mcp, as npm start: + 3.00 ms)');
});

test('the latency verdict also names the first calls after start, when the run kept them', () => {
  const m = measured({ mcp: 8.5 });
  const latency = { ...m.latency!, freshCalls: 100, spawn: { ...row(3), fresh: summary(4) }, mcp: { ...row(8.5), fresh: summary(11) } };
  const target = evaluateTargets({ ...m, latency }).find((t) => t.id === 'mcp-p50-vs-spawn');
  assert.equal(target?.met, false, 'the verdict is on the steady state');
  assert.equal(
    target?.measured,
    'p50 8.50 ms = spawn 3.00 ms + 5.50 ms (relay inside ra-mcp, as npm start: + 3.00 ms; first 100 calls after start: + 7.00 ms)',
  );
});

test('each target can be missed', () => {
  const v = verdicts(measured({ mcp: 8.5, ssh: 100, stream: tput(90), online: 5200, lost: 1 }));
  assert.deepEqual(Object.values(v), [false, false, false, false, false]);
  assert.equal(verdicts(measured({ online: null }))['scale-online'], false);
  assert.equal(verdicts(measured({ failed: 2 }))['no-run-lost'], false);
});

test('a fast stream that lost output does not meet its target', () => {
  assert.equal(verdicts(measured({ stream: tput(150, ['chunk missing']) }))['stream-vs-raw-websocket'], false);
});

test('what was not measured is n/a, with why', () => {
  const targets = evaluateTargets(measured({ ssh: null, sizes: 1000 }));
  const ssh = targets.find((t) => t.id === 'mcp-p50-vs-ssh')!;
  assert.equal(ssh.met, null);
  assert.match(ssh.measured, /no server/);
  assert.equal(targets.find((t) => t.id === 'scale-online')!.met, null);
  assert.deepEqual(
    evaluateTargets({}).map((t) => t.met),
    [null, null, null, null, null],
  );
});

test("the ssh verdict splits ssh's time into the login shell's start and ssh's own", () => {
  const m = measured({ mcp: 7, ssh: 150 });
  const latency = { ...m.latency!, sshLoginShell: row(123) };
  const target = evaluateTargets({ ...m, latency }).find((t) => t.id === 'mcp-p50-vs-ssh')!;
  assert.equal(target.met, true, 'the verdict stays on ssh as the user meets it');
  assert.equal(
    target.measured,
    "ssh p50 150.00 ms / mcp p50 7.00 ms = 21.4x; 120.00 ms of ssh's is the login shell's start with its rc files, without which ssh takes 30.00 ms = 4.3x",
  );
  const skipped = evaluateTargets({ ...m, latency: { ...m.latency!, sshLoginShell: { skipped: true, reason: 'none' } } });
  assert.equal(skipped.find((t) => t.id === 'mcp-p50-vs-ssh')!.measured, 'ssh p50 150.00 ms / mcp p50 7.00 ms = 21.4x');
});

test('the latency verdict names the calls made after an idle spell, and stays on the steady state', () => {
  const m = measured({ mcp: 7 });
  const latency = { ...m.latency!, idle: { gapMs: 1000, calls: 30, spawn: row(4), mcp: row(10.5) } };
  const target = evaluateTargets({ ...m, latency }).find((t) => t.id === 'mcp-p50-vs-spawn')!;
  assert.equal(target.met, true);
  assert.equal(target.measured, 'p50 7.00 ms = spawn 3.00 ms + 4.00 ms (relay inside ra-mcp, as npm start: + 3.00 ms; after 1000 ms idle: + 6.50 ms)');
});
