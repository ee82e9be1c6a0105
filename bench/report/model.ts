import type { MachineInfo } from '../harness/machine.js';
import type { UsageDelta } from '../harness/proc-usage.js';
import type { BenchSettings } from '../settings.js';
import type { LatencySummary } from '../stats.js';

/** The shape of bench/results.json. Every figure the tables show is here, plus the settings that produced it. */
export interface Skipped {
  skipped: true;
  reason: string;
}

export function isSkipped<T extends object>(value: T | Skipped): value is Skipped {
  return 'skipped' in value && value.skipped === true;
}

export interface LatencyRow {
  label: string;
  summary: LatencySummary;
  /** The first calls after start (LatencySettings.freshCalls), while V8 still runs the per-call code unoptimised. */
  fresh?: LatencySummary;
  /** Calls that did not end with the expected output; kept out of the figures. */
  failures: number;
  failureExamples: string[];
}

export interface LatencyResults {
  command: string;
  calls: number;
  warmup: number;
  /** How many of the warm-up calls the rows' `fresh` summaries hold. */
  freshCalls?: number;
  spawn: LatencyRow;
  core: LatencyRow;
  mcp: LatencyRow;
  /** MCP in the setup `npm start` makes, where ra-mcp embeds the relay: one process hop less each way. */
  mcpEmbeddedRelay: LatencyRow;
  /**
   * The floor and MCP, each call made after the whole setup had been idle for `gapMs`, as an agent's calls
   * come; absent in results written before it existed.
   */
  idle?: { gapMs: number; calls: number; spawn: LatencyRow; mcp: LatencyRow };
  ssh: LatencyRow | Skipped;
  /** Measured calls of the ssh block; absent in results written before it had its own count. */
  sshCalls?: number;
  /**
   * The user's login shell run here as sshd runs a command (`-c`, with SSH_CLIENT set, so bash reads
   * ~/.bashrc): how much of the ssh row is the shell's start. Absent in results written before it existed.
   */
  sshLoginShell?: LatencyRow | Skipped;
}

export interface ThroughputRun {
  bytes: number;
  ms: number;
  mibPerSecond: number;
  /** CPU time (user + system) each process of the path spent per MiB moved; absent where not measurable. */
  cpuMsPerMiB?: Record<string, number>;
}

export interface ThroughputRow {
  label: string;
  runs: ThroughputRun[];
  /** Median over runs. */
  mibPerSecond: number;
  /** Per process, the median over runs of CPU ms per MiB; null where not measured. */
  cpuMsPerMiB: Record<string, number> | null;
  /** Runs that did not complete successfully (counted as lost runs). */
  failedRuns: number;
  /** What went wrong in runs (short byte counts, lost chunks, dropped connections); empty when clean. */
  problems: string[];
}

export interface ThroughputResults {
  bytes: number;
  repeats: number;
  localPipe: ThroughputRow;
  /** The ceiling: one loopback WebSocket whose client frames skip masking, as remote-agent's clients do. */
  rawWebSocket: ThroughputRow;
  /** The same pipe with ws's default (random) client masks: what a plain WebSocket client gets. */
  rawWebSocketMasked?: ThroughputRow;
  /** executor -> relay -> daemon on the protobuf subprotocol (the default): what the target is judged on. */
  stream: ThroughputRow;
  /** The same on the JSON subprotocol, where chunks travel as base64 (the default before protobuf). */
  streamJson?: ThroughputRow;
  /** The protobuf stream again, from an executor keeping no output log: the transport without the disk. */
  streamNoLog?: ThroughputRow;
}

export interface FanoutResults {
  client: string;
  receivers: number;
  messages: number;
  payloadBytes: number;
  window: number;
  deliveries: number;
  missing: number;
  elapsedMs: number;
  deliveriesPerSecond: number;
  sendsPerSecond: number;
  latency: LatencySummary;
}

export interface ProcessFigures extends UsageDelta {
  /** RSS before any executor connected. */
  baselineRssBytes: number;
}

export interface ScaleResult {
  executors: number;
  /** From the swarm starting its executors to the daemon listing all of them online; null if it never did. */
  onlineMs: number | null;
  online: number;
  /** Time the swarm took to start every executor (connected, groups joined, hello sent). */
  swarmStartMs: number;
  startFailures: number;
  /** Presence messages (hello, heartbeat) the daemon received during the rest window. */
  presenceInWindow: number;
  relay: ProcessFigures | null;
  daemon: ProcessFigures | null;
  swarm: ProcessFigures | null;
  /** (relay RSS at rest - before) / executors. */
  relayBytesPerConnection: number | null;
  daemonBytesPerExecutor: number | null;
  swarmBytesPerExecutor: number | null;
  problems: string[];
}

export interface ConcurrencyResult {
  runs: number;
  executors: number;
  /** From starting the real executors to the daemon listing them all online. */
  executorsOnlineMs: number;
  ok: number;
  /** Runs that did not complete, or completed lost. Must be 0. */
  lost: number;
  /** Runs that completed but not ok (for reasons other than lost). */
  failed: number;
  outcomes: Record<string, number>;
  elapsedMs: number;
  latency: LatencySummary;
  examples: string[];
  /** Warnings the relay and the daemon printed meanwhile (dropped connections, reconnects). */
  problems: string[];
}

export interface ScaleResults {
  /** What the executors of the size rows are. */
  client: string;
  /** What the executors of the concurrent runs are. */
  runClient: string;
  heartbeatIntervalMs: number;
  restWindowMs: number;
  sizes: ScaleResult[];
  concurrency: ConcurrencyResult;
}

export interface ArtifactResults {
  bytes: number;
  localCopy: ThroughputRow;
  upload: ThroughputRow;
  download: ThroughputRow;
}

export interface FilesResults {
  fsRead: { fileBytes: number; remote: LatencyRow; local: LatencyRow } | Skipped;
  artifact: ArtifactResults | Skipped;
}

export interface RelayResults {
  /** One message in flight: latency without queueing. */
  single: FanoutResults;
  /** `window` messages in flight: throughput, and latency under that load. */
  loaded: FanoutResults;
}

export interface Target {
  id: string;
  description: string;
  /** null: not measured in this run (phase skipped or not available). */
  met: boolean | null;
  measured: string;
}

export interface BenchResults {
  schema: 1;
  generatedAt: string;
  command: string;
  machine: MachineInfo;
  /** 1, 5 and 15 minute load averages: other work on the machine shows here (0s on Windows). */
  loadAverage: { atStart: number[]; atEnd: number[] };
  settings: Omit<BenchSettings, 'outFile' | 'updateReadme'>;
  latency?: LatencyResults;
  throughput?: ThroughputResults;
  relay?: RelayResults;
  scale?: ScaleResults;
  files?: FilesResults;
  targets: Target[];
  /** Runs that never completed or completed lost, over every phase: the benchmark exits 1 when not 0. */
  lostRuns: number;
  notes: string[];
  durationMs: number;
}
