import { machineLine } from '../harness/machine.js';
import { bytes, mbps, ms, percent, perUnit, ratio, seconds, signedMs } from './format.js';
import { isSkipped, type BenchResults, type FanoutResults, type LatencyRow, type ScaleResult, type ThroughputRow } from './model.js';
import type { Table } from './render.js';
import { sshShare } from './targets.js';

function latencyCells(row: LatencyRow): string[] {
  return [ms(row.summary.p50Ms), ms(row.summary.p95Ms), ms(row.summary.p99Ms)];
}

function failureNotes(rows: LatencyRow[]): string[] {
  return rows.filter((r) => r.failures > 0).map((r) => `${r.label}: ${r.failures} calls failed, e.g. ${r.failureExamples[0] ?? '?'}`);
}

/** A row's p50 over the first calls after start, against the floor's over the same calls. */
function freshCell(row: LatencyRow, floor: LatencyRow): string {
  if (!row.fresh || !floor.fresh) return '-';
  return row === floor ? ms(row.fresh.p50Ms) : signedMs(row.fresh.p50Ms - floor.fresh.p50Ms);
}

function latencyTable(r: NonNullable<BenchResults['latency']>): Table {
  const floor = r.spawn.summary.p50Ms;
  const turns = [r.spawn, r.core, r.mcp, r.mcpEmbeddedRelay];
  const rows = turns.map((row, i) => [row.label, ...latencyCells(row), i === 0 ? '-' : signedMs(row.summary.p50Ms - floor), freshCell(row, r.spawn), '-']);
  const notes = failureNotes(turns);
  if (r.idle) {
    const idleFloor = r.idle.spawn.summary.p50Ms;
    rows.push([r.idle.spawn.label, ...latencyCells(r.idle.spawn), '-', '-', '-']);
    rows.push([r.idle.mcp.label, ...latencyCells(r.idle.mcp), signedMs(r.idle.mcp.summary.p50Ms - idleFloor), '-', '-']);
    notes.push(...failureNotes([r.idle.spawn, r.idle.mcp]));
    notes.push(
      `after ${r.idle.gapMs} ms idle: ${r.idle.calls} calls each, every one after the whole setup had been idle that long, as an ` +
        `agent's calls come; MCP against the floor measured the same way`,
    );
  }
  if (isSkipped(r.ssh)) {
    rows.push(['ssh localhost (ControlMaster)', 'skipped', '', '', '', '', '']);
    notes.push(`ssh row skipped: ${r.ssh.reason}`);
  } else {
    rows.push([r.ssh.label, ...latencyCells(r.ssh), signedMs(r.ssh.summary.p50Ms - floor), '-', `${ratio(r.ssh.summary.p50Ms / r.mcp.summary.p50Ms)}x`]);
    notes.push(...failureNotes([r.ssh]));
    const shell = r.sshLoginShell;
    const share = sshShare(r);
    if (shell && !isSkipped(shell) && share) {
      rows.push([shell.label, ...latencyCells(shell), signedMs(shell.summary.p50Ms - floor), '-', '-']);
      notes.push(...failureNotes([shell]));
      notes.push(
        `the login shell row is ssh's command started here as sshd starts it (the rc files it reads included); ` +
          `ssh without it: ${ms(share.sshOwnMs)} ms, ${ratio(share.ownOverMcp)}x the MCP row`,
      );
    }
  }
  return {
    title: `Round trip of \`${r.command}\` (${r.calls} calls per row after ${r.warmup} warm-up calls; spawn, daemon API and both MCP rows take turns call by call in an order that changes every round, ssh runs after them${!isSkipped(r.ssh) && r.sshCalls !== undefined && r.sshCalls !== r.calls ? ` with ${r.sshCalls} calls` : ''})`,
    columns: [
      { header: 'path', align: 'left' },
      { header: 'p50 ms', align: 'right' },
      { header: 'p95 ms', align: 'right' },
      { header: 'p99 ms', align: 'right' },
      { header: 'p50 vs spawn', align: 'right' },
      { header: `first ${r.freshCalls ?? 0} calls`, align: 'right' },
      { header: 'ssh / this', align: 'right' },
    ],
    rows,
    notes: r.freshCalls
      ? [...notes, `first ${r.freshCalls} calls: p50 of the first warm-up calls after start, against the floor's over the same calls, while V8 still runs the code each call runs once unoptimised; the other columns are the steady state after ${r.warmup} calls`]
      : notes,
  };
}

function cpuCost(perProcess: Record<string, number> | null): string {
  if (perProcess === null) return '-';
  const parts = Object.entries(perProcess);
  const total = parts.reduce((sum, [, ms]) => sum + ms, 0);
  return `${parts.map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(' + ')} = ${total.toFixed(1)}`;
}

function throughputTable(r: NonNullable<BenchResults['throughput']>): Table {
  const raw = r.rawWebSocket.mibPerSecond;
  const row = (t: ThroughputRow): string[] => [
    t.label,
    mbps(t.mibPerSecond),
    ratio(t.mibPerSecond / raw),
    cpuCost(t.cpuMsPerMiB),
    t.runs.map((x) => mbps(x.mibPerSecond)).join(' / '),
  ];
  const notes: string[] = [];
  const optional = (t: ThroughputRow | undefined): ThroughputRow[] => (t ? [t] : []);
  const shown = [r.localPipe, r.rawWebSocket, ...optional(r.rawWebSocketMasked), r.stream, ...optional(r.streamJson), ...optional(r.streamNoLog)];
  for (const t of shown) {
    if (t.problems.length > 0) notes.push(`${t.label}: ${t.problems.length} problems, first: ${t.problems[0]!.slice(0, 240)}`);
  }
  return {
    title: `Output throughput: a command writing ${bytes(r.bytes)} to stdout (median of ${r.repeats})`,
    columns: [
      { header: 'path', align: 'left' },
      { header: 'MB/s', align: 'right' },
      { header: 'vs ceiling', align: 'right' },
      { header: 'CPU ms per MiB', align: 'left' },
      { header: 'runs', align: 'right' },
    ],
    rows: shown.map(row),
    notes: [
      ...notes,
      'CPU ms per MiB: user + system time of each process on the path per MiB moved (median over runs), steadier than MB/s on a shared machine; "bench" is this process (the receiving end, and the in-process daemon)',
    ],
  };
}

/** Memory per idle connection comes from the largest scale size, where it stands out from the noise of one reading. */
function idleConnectionNote(scale: BenchResults['scale']): string[] {
  const largest = scale?.sizes.reduce<ScaleResult | null>((a, b) => (a === null || b.executors > a.executors ? b : a), null);
  if (!largest || largest.relayBytesPerConnection === null) return [];
  return [`memory per idle connection: ${perUnit(largest.relayBytesPerConnection)} (relay RSS growth at rest / ${largest.executors} executor connections, scale phase)`];
}

function relayTable(r: NonNullable<BenchResults['relay']>, scale: BenchResults['scale']): Table {
  const row = (label: string, f: FanoutResults): string[] => [
    label,
    f.deliveriesPerSecond.toFixed(0),
    f.sendsPerSecond.toFixed(0),
    ms(f.latency.p50Ms),
    ms(f.latency.p95Ms),
    ms(f.latency.p99Ms),
    String(f.missing),
  ];
  const f = r.loaded;
  return {
    title: `Relay group fan-out: 1 sender, ${f.receivers} members, messages of ${bytes(f.payloadBytes)} payload`,
    columns: [
      { header: 'in flight', align: 'left' },
      { header: 'deliveries/s', align: 'right' },
      { header: 'messages/s', align: 'right' },
      { header: 'p50 ms', align: 'right' },
      { header: 'p95 ms', align: 'right' },
      { header: 'p99 ms', align: 'right' },
      { header: 'missing', align: 'right' },
    ],
    rows: [row(`1 (${r.single.messages} messages)`, r.single), row(`${f.window} (${f.messages} messages)`, f)],
    notes: [`clients: ${f.client}; latency is from send to receipt by each member`, ...idleConnectionNote(scale)],
  };
}

function scaleTables(r: NonNullable<BenchResults['scale']>): Table[] {
  const sizes: Table = {
    title: `Scale: executors until listed online, then at rest over ${seconds(r.restWindowMs)} (heartbeat every ${seconds(r.heartbeatIntervalMs)})`,
    columns: [
      { header: 'executors', align: 'right' },
      { header: 'online after', align: 'right' },
      { header: 'relay RSS', align: 'right' },
      { header: 'relay CPU', align: 'right' },
      { header: 'relay/conn', align: 'right' },
      { header: 'daemon RSS', align: 'right' },
      { header: 'daemon CPU', align: 'right' },
      { header: 'daemon/exec', align: 'right' },
      { header: 'presence msgs', align: 'right' },
    ],
    rows: r.sizes.map((s) => [
      String(s.executors),
      seconds(s.onlineMs),
      bytes(s.relay?.rssBytes),
      percent(s.relay?.cpuPercent),
      perUnit(s.relayBytesPerConnection),
      bytes(s.daemon?.rssBytes),
      percent(s.daemon?.cpuPercent),
      perUnit(s.daemonBytesPerExecutor),
      String(s.presenceInWindow),
    ]),
    notes: [
      `executors: ${r.client}`,
      'CPU is the share of one core; presence msgs counts hellos and heartbeats the daemon received in the window',
      ...r.sizes.flatMap((s) => (s.problems.length > 0 ? [`${s.executors}: ${s.problems.length} warnings, first: ${s.problems[0]!.slice(0, 200)}`] : [])),
    ],
  };
  const c = r.concurrency;
  const runs: Table = {
    title: `Concurrent runs: ${c.runs} \`echo\` runs at once over ${c.executors} executors`,
    columns: [
      { header: 'ok', align: 'right' },
      { header: 'lost', align: 'right' },
      { header: 'failed', align: 'right' },
      { header: 'all done in', align: 'right' },
      { header: 'p50 ms', align: 'right' },
      { header: 'p99 ms', align: 'right' },
    ],
    rows: [[String(c.ok), String(c.lost), String(c.failed), seconds(c.elapsedMs), ms(c.latency.p50Ms), ms(c.latency.p99Ms)]],
    notes: [
      `executors: ${r.runClient}; all ${c.executors} online after ${seconds(c.executorsOnlineMs)}`,
      ...c.examples.slice(0, 3).map((e) => `not ok: ${e}`),
      ...(c.problems.length > 0 ? [`${c.problems.length} warnings, first: ${c.problems[0]!.slice(0, 200)}`] : []),
    ],
  };
  return [sizes, runs];
}

function filesTables(r: NonNullable<BenchResults['files']>): Table[] {
  const tables: Table[] = [];
  const skipped: string[] = [];
  if (isSkipped(r.fsRead)) skipped.push(`fs.read skipped: ${r.fsRead.reason}`);
  else {
    const f = r.fsRead;
    tables.push({
      title: `File read: a ${bytes(f.fileBytes)} text file`,
      columns: [
        { header: 'operation', align: 'left' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p95 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'p50 vs local', align: 'right' },
      ],
      rows: [f.local, f.remote].map((row) => [row.label, ...latencyCells(row), row === f.local ? '-' : signedMs(row.summary.p50Ms - f.local.summary.p50Ms)]),
      notes: failureNotes([f.local, f.remote]),
    });
  }
  if (isSkipped(r.artifact)) skipped.push(`artifact transfer skipped: ${r.artifact.reason}`);
  else {
    const a = r.artifact;
    const base = a.localCopy.mibPerSecond;
    tables.push({
      title: `Artifact transfer: a ${bytes(a.bytes)} binary file (median of ${a.localCopy.runs.length})`,
      columns: [
        { header: 'operation', align: 'left' },
        { header: 'MB/s', align: 'right' },
        { header: 'vs local copy', align: 'right' },
        { header: 'runs', align: 'right' },
      ],
      rows: [a.localCopy, a.upload, a.download].map((t) => [t.label, mbps(t.mibPerSecond), ratio(t.mibPerSecond / base), t.runs.map((x) => mbps(x.mibPerSecond)).join(' / ')]),
      notes: [a.upload, a.download].flatMap((t) => (t.problems.length > 0 ? [`${t.label}: ${t.problems[0]!.slice(0, 240)}`] : [])),
    });
  }
  if (skipped.length > 0) {
    if (tables.length > 0) tables.at(-1)!.notes.push(...skipped);
    else tables.push({ title: 'Files', columns: [{ header: 'operation', align: 'left' }], rows: [], notes: skipped });
  }
  return tables;
}

function targetsTable(r: BenchResults): Table {
  return {
    title: 'Targets (issue 5)',
    columns: [
      { header: 'verdict', align: 'left' },
      { header: 'target', align: 'left' },
      { header: 'measured', align: 'left' },
    ],
    rows: r.targets.map((t) => [t.met === null ? 'n/a' : t.met ? 'met' : 'MISSED', t.description, t.measured]),
    notes: r.notes,
  };
}

export function headline(r: BenchResults): string {
  const load = r.loadAverage.atStart[0];
  const loadText = load === undefined ? '' : `, load average ${load.toFixed(2)} at start`;
  return `remote-agent benchmark (${r.settings.quick ? 'quick' : 'full'}) on ${machineLine(r.machine)}${loadText}, ${r.generatedAt}`;
}

/** Every table of a run, in the order they are printed. */
export function resultTables(r: BenchResults): Table[] {
  const tables: Table[] = [];
  if (r.latency) tables.push(latencyTable(r.latency));
  if (r.throughput) tables.push(throughputTable(r.throughput));
  if (r.relay) tables.push(relayTable(r.relay, r.scale));
  if (r.scale) tables.push(...scaleTables(r.scale));
  if (r.files) tables.push(...filesTables(r.files));
  tables.push(targetsTable(r));
  return tables;
}
