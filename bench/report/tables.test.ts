import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LatencySummary } from '../stats.js';
import type { BenchResults, LatencyRow, ThroughputRow } from './model.js';
import { renderText } from './render.js';
import { resultTables } from './tables.js';

function summary(p50Ms: number): LatencySummary {
  return { samples: 10, p50Ms, p95Ms: p50Ms * 2, p99Ms: p50Ms * 3, meanMs: p50Ms, minMs: p50Ms, maxMs: p50Ms };
}

const row = (label: string, p50Ms: number): LatencyRow => ({ label, summary: summary(p50Ms), failures: 0, failureExamples: [] });
const tput = (label: string, mibPerSecond: number, problems: string[] = [], cpuMsPerMiB: Record<string, number> | null = null): ThroughputRow => ({
  label,
  runs: [{ bytes: 1, ms: 1, mibPerSecond }],
  mibPerSecond,
  cpuMsPerMiB,
  problems,
  failedRuns: 0,
});

const results: BenchResults = {
  schema: 1,
  generatedAt: '2026-01-01T00:00:00.000Z',
  command: 'npm run bench',
  machine: { cpus: 2, cpuModel: 'cpu', totalMemoryBytes: 2 ** 30, os: 'Linux 6', platform: 'linux', arch: 'x64', node: 'v22.0.0' },
  loadAverage: { atStart: [0.5, 0, 0], atEnd: [0.5, 0, 0] },
  settings: {} as BenchResults['settings'],
  latency: {
    command: 'echo hi',
    calls: 10,
    warmup: 1,
    spawn: row('local spawn', 2),
    core: row('daemon API', 3.5),
    mcp: row('MCP', 5.25),
    mcpEmbeddedRelay: row('MCP embedded', 4.5),
    ssh: { skipped: true, reason: 'no SSH server' },
  },
  throughput: {
    bytes: 64 * 2 ** 20,
    repeats: 1,
    localPipe: tput('pipe', 800),
    rawWebSocket: tput('raw', 200),
    rawWebSocketMasked: tput('masked pipe', 120),
    stream: tput('stream', 100, ['daemon: chunk missing'], { executor: 2.25, relay: 3, bench: 1 }),
  },
  targets: [{ id: 't', description: 'a target', met: false, measured: 'x' }],
  lostRuns: 0,
  notes: ['a note'],
  durationMs: 1,
};

test('the tables show each row against its baseline, and say what was skipped and why', () => {
  const text = resultTables(results).map(renderText).join('\n\n');
  assert.match(text, /MCP\s+5\.25\s+10\.50\s+15\.75\s+\+3\.25 ms/);
  assert.match(text, /MCP embedded\s+4\.50\s+9\.00\s+13\.50\s+\+2\.50 ms/);
  assert.match(text, /ssh row skipped: no SSH server/);
  assert.match(text, /stream\s+100\s+0\.50\s+executor 2\.3 \+ relay 3\.0 \+ bench 1\.0 = 6\.3/);
  assert.match(text, /pipe\s+800\s+4\.00\s+-/);
  assert.match(text, /masked pipe\s+120\s+0\.60/, 'the masked pipe is shown against the same ceiling');
  assert.match(text, /stream: 1 problems, first: daemon: chunk missing/);
  assert.match(text, /MISSED\s+a target\s+x/);
  assert.match(text, /\* a note/);
  assert.doesNotMatch(text, /Scale|Relay|File/, 'phases not run have no table');
});

test('the first calls after start are shown beside the steady state, each against the floor over the same calls', () => {
  const latency = results.latency!;
  const text = resultTables({
    ...results,
    latency: {
      ...latency,
      warmup: 500,
      freshCalls: 100,
      spawn: { ...latency.spawn, fresh: summary(2.5) },
      mcp: { ...latency.mcp, fresh: summary(9) },
    },
  })
    .map(renderText)
    .join('\n\n');
  assert.match(text, /10 calls per row after 500 warm-up calls/);
  assert.match(text, /p50 vs spawn\s+first 100 calls/);
  assert.match(text, /local spawn\s+2\.00\s+4\.00\s+6\.00\s+-\s+2\.50/, "the floor's own p50 over the first calls");
  assert.match(text, /MCP\s+5\.25\s+10\.50\s+15\.75\s+\+3\.25 ms\s+\+6\.50 ms/);
  assert.match(text, /MCP embedded\s+4\.50\s+9\.00\s+13\.50\s+\+2\.50 ms\s+-/, 'a row without first calls shows none');
  assert.match(text, /first 100 calls: p50 of the first warm-up calls after start/);
});

test("the ssh block shows the login shell's start beside ssh, and ssh without it against MCP", () => {
  const text = resultTables({
    ...results,
    latency: { ...results.latency!, ssh: row('ssh localhost', 150), sshLoginShell: row('  of which: /bin/bash -c', 122) },
  })
    .map(renderText)
    .join('\n\n');
  assert.match(text, /ssh localhost\s+150\s+300\s+450\s+\+148\.00 ms\s+-\s+28\.57x/);
  assert.match(text, /of which: \/bin\/bash -c\s+122\s+244\s+366\s+\+120\.00 ms\s+-\s+-/);
  assert.match(text, /ssh without it: 30\.00 ms, 5\.71x the MCP row/);
});

test('the calls after an idle spell get rows of their own, MCP against the floor measured the same way', () => {
  const text = resultTables({
    ...results,
    latency: { ...results.latency!, idle: { gapMs: 1000, calls: 30, spawn: row('spawn after 1 s idle', 3), mcp: row('MCP after 1 s idle', 7.5) } },
  })
    .map(renderText)
    .join('\n\n');
  assert.match(text, /spawn after 1 s idle\s+3\.00\s+6\.00\s+9\.00\s+-/);
  assert.match(text, /MCP after 1 s idle\s+7\.50\s+15\.00\s+22\.50\s+\+4\.50 ms/);
  assert.match(text, /after 1000 ms idle: 30 calls each/);
});
