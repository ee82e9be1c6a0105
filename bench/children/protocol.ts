/**
 * `real`: the executor itself (startExecutor on the official SDK connection); `sim`: SimExecutor, the same
 * presence traffic without the SDK or a state folder.
 */
export type SwarmKind = 'real' | 'sim';

/** Calls the benchmark makes to its swarm of executors (children/swarm-main). */
export interface SwarmMethods {
  start: {
    params: { kind: SwarmKind; count: number; idPrefix: string; connectConcurrency: number; heartbeatIntervalMs: number };
    result: { elapsedMs: number; started: number; failures: number; examples: string[] };
  };
}

/** Calls the benchmark makes to the daemon it hosts for the scale phase (children/daemon-host-main). */
export interface DaemonHostMethods {
  waitOnline: {
    params: { count: number; timeoutMs: number; pollMs: number };
    result: { online: number; reached: boolean };
  };
  presenceMessages: { params: Record<string, never>; result: { count: number } };
  runMany: {
    params: { executorIds: string[]; runs: number; maxWaitMs: number };
    result: {
      ok: number;
      lost: number;
      failed: number;
      outcomes: Record<string, number>;
      elapsedMs: number;
      latenciesMs: number[];
      examples: string[];
    };
  };
}

/** Environment of both children: the relay (its connection string holds the key) and a scratch folder. */
export const ENV_RELAY = 'BENCH_RELAY_CONNECTION_STRING';
export const ENV_ROOT = 'BENCH_ROOT';
export const ENV_DAEMON_ID = 'BENCH_DAEMON_ID';

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    process.stderr.write(`${name} is not set: this process is started by the benchmark (npm run bench)\n`);
    process.exit(2);
  }
  return value;
}
