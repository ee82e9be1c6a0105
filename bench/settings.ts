import { isAbsolute, resolve } from 'node:path';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { MIB } from './stats.js';

export const PHASES = ['latency', 'throughput', 'relay', 'scale', 'files'] as const;
export type Phase = (typeof PHASES)[number];

export interface LatencySettings {
  /** Measured round trips per row; rows take turns, so they share the machine's noise. */
  calls: number;
  /**
   * Round trips per row before measuring. V8 optimises a function once it has run about 400 times
   * (Maglev), so the code a round trip runs once per call gets there only after as many round trips; until
   * then each call costs 1-2.5 ms more (bench/README.md, finding 4). The measured calls are the steady state
   * of processes that have served a while, as a daemon and its executors have.
   */
  warmup: number;
  /** The first of the warm-up calls, summarised apart: what a setup that has just started does. */
  freshCalls: number;
  /** Measured calls of ssh and of the login shell beside it, which take 150-650 ms each where rc files are heavy. */
  sshCalls: number;
  /**
   * Calls of the spawn floor and of MCP each made after the whole setup has been idle for `idleGapMs`, as
   * an agent's calls come seconds apart: processes asleep, caches cold.
   */
  idleCalls: number;
  idleGapMs: number;
}

export interface ThroughputSettings {
  /** Bytes the output command writes to stdout. */
  bytes: number;
  /** Runs per row; the median is reported. */
  repeats: number;
  /** Runs per row before measuring (JIT, socket buffers, page cache); their problems still count. */
  warmup: number;
}

export interface RelaySettings {
  /** Members of the fan-out group. */
  receivers: number;
  /** Measured messages sent to the group with `window` in flight. */
  messages: number;
  /** Measured messages sent one at a time (latency without queueing). */
  singleMessages: number;
  warmupMessages: number;
  /** Messages not yet received by every member that the sender allows. */
  window: number;
  payloadBytes: number;
}

export interface ScaleSettings {
  /** Executor counts measured, each on a fresh relay and daemon. */
  sizes: number[];
  /** How long each size must take at most to be listed online before the run gives up on it. */
  onlineTimeoutMs: number;
  /** Executor connections being opened at once by the swarm process. */
  connectConcurrency: number;
  heartbeatIntervalMs: number;
  /** Pause after everything is online, so start-up work has finished before "at rest" is measured. */
  settleMs: number;
  restWindowMs: number;
  concurrentRuns: number;
  /** Executors the concurrent runs are spread over (the first ones of the smallest size that has enough). */
  runExecutors: number;
}

export interface FilesSettings {
  calls: number;
  fileBytes: number;
  artifactBytes: number;
  /** Transfers per direction; the median is reported. */
  artifactRepeats: number;
}

export interface BenchSettings {
  quick: boolean;
  phases: Phase[];
  /** Absolute path of the JSON results. */
  outFile: string;
  /** Whether the results table in bench/README.md is refreshed (full runs to the default file only). */
  updateReadme: boolean;
  /** Folder for V8 CPU profiles of every process started (--cpu-prof), or null. */
  profileDir: string | null;
  latency: LatencySettings;
  throughput: ThroughputSettings;
  relay: RelaySettings;
  scale: ScaleSettings;
  files: FilesSettings;
}

export const USAGE = `Usage: npm run bench [-- --quick] [-- --only <phase,...>] [-- --out <file>]

Measures remote-agent beside its baselines on this machine and prints a table.
  --quick          small setting (under a minute; what CI runs)
  --only <list>    phases to run: ${PHASES.join(', ')} (default: all)
  --out <file>     where the JSON results go; default bench/results.json for a complete full run (which also
                   refreshes the table in bench/README.md), bench/results.local.json otherwise
  --sizes <list>   executor counts of the scale phase (default 100,1000,5000; quick 100)
  --cpu-prof <dir> write a V8 CPU profile of every process the benchmark starts into <dir>
                   (profile the benchmark process itself with: node --cpu-prof bench/dist/main.js)
  --help           this text

Exit status: 0 the benchmark ran (targets missed are reported, not failed); 1 it crashed or a run was lost;
2 bad arguments.`;

function invalid(message: string): RemoteAgentError {
  return new RemoteAgentError(ErrorCode.InvalidConfig, `${message}; see npm run bench -- --help`);
}

function parsePhases(value: string): Phase[] {
  const names = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const unknown = names.find((p) => !(PHASES as readonly string[]).includes(p));
  if (names.length === 0 || unknown !== undefined) {
    throw invalid(`--only takes a comma-separated list of ${PHASES.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return PHASES.filter((p) => names.includes(p));
}

/** Each size is bounded so that a typo cannot ask one process for a million connections. */
const MAX_EXECUTORS = 20_000;

function parseSizes(value: string): number[] {
  const sizes = value.split(',').map((v) => v.trim());
  const bad = sizes.find((v) => !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_EXECUTORS);
  if (sizes.length === 0 || bad !== undefined) {
    throw invalid(`--sizes takes a comma-separated list of executor counts from 1 to ${MAX_EXECUTORS}; got ${JSON.stringify(value)}`);
  }
  return sizes.map(Number);
}

export type ParsedArgs = { help: true } | { help: false; settings: BenchSettings };

/**
 * Reads the command line once. `benchDir` is the bench folder (results default there); `cwd` resolves a
 * relative --out.
 */
export function parseArgs(argv: readonly string[], benchDir: string, cwd: string): ParsedArgs {
  let quick = false;
  let phases: Phase[] = [...PHASES];
  let out: string | undefined;
  let profileDir: string | null = null;
  let sizes: number[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw invalid(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--help':
      case '-h':
        return { help: true };
      case '--quick':
        quick = true;
        break;
      case '--only':
        phases = parsePhases(value());
        break;
      case '--out':
        out = value();
        break;
      case '--sizes':
        sizes = parseSizes(value());
        break;
      case '--cpu-prof': {
        const dir = value();
        profileDir = isAbsolute(dir) ? dir : resolve(cwd, dir);
        break;
      }
      default:
        throw invalid(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  const settings = quick ? quickSettings() : fullSettings();
  if (sizes !== undefined) settings.scale.sizes = sizes;
  // results.json is the committed record of a complete full run; anything smaller goes to the ignored local file.
  const complete = !quick && phases.length === PHASES.length && sizes === undefined;
  const defaultOut = resolve(benchDir, complete ? 'results.json' : 'results.local.json');
  const outFile = out === undefined ? defaultOut : isAbsolute(out) ? out : resolve(cwd, out);
  return {
    help: false,
    settings: {
      ...settings,
      quick,
      phases,
      outFile,
      profileDir,
      updateReadme: complete && out === undefined,
    },
  };
}

type Sized = Omit<BenchSettings, 'quick' | 'phases' | 'outFile' | 'updateReadme' | 'profileDir'>;

function fullSettings(): Sized {
  return {
    latency: { calls: 300, warmup: 500, freshCalls: 100, sshCalls: 300, idleCalls: 30, idleGapMs: 1000 },
    throughput: { bytes: 64 * MIB, repeats: 5, warmup: 1 },
    relay: { receivers: 100, messages: 2000, singleMessages: 500, warmupMessages: 100, window: 32, payloadBytes: 256 },
    scale: {
      sizes: [100, 1000, 5000],
      onlineTimeoutMs: 60_000,
      connectConcurrency: 128,
      heartbeatIntervalMs: 10_000,
      settleMs: 2_000,
      restWindowMs: 10_000,
      concurrentRuns: 500,
      runExecutors: 100,
    },
    files: { calls: 300, fileBytes: 4096, artifactBytes: 32 * MIB, artifactRepeats: 3 },
  };
}

function quickSettings(): Sized {
  return {
    latency: { calls: 40, warmup: 5, freshCalls: 5, sshCalls: 10, idleCalls: 3, idleGapMs: 200 },
    throughput: { bytes: 16 * MIB, repeats: 1, warmup: 0 },
    relay: { receivers: 20, messages: 300, singleMessages: 100, warmupMessages: 20, window: 16, payloadBytes: 256 },
    scale: {
      sizes: [100],
      onlineTimeoutMs: 20_000,
      connectConcurrency: 128,
      heartbeatIntervalMs: 10_000,
      settleMs: 500,
      restWindowMs: 2_000,
      concurrentRuns: 500,
      runExecutors: 100,
    },
    files: { calls: 40, fileBytes: 4096, artifactBytes: 8 * MIB, artifactRepeats: 1 },
  };
}
