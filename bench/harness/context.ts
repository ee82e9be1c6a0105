import { randomBytes } from 'node:crypto';
import type { Cleanup } from './cleanup.js';

/** What every phase gets: where undo steps go, where progress is reported, and profiling. */
export interface BenchContext {
  cleanup: Cleanup;
  /** Progress lines for the person running the benchmark (stderr). */
  log: (msg: string) => void;
  /** When set, every process the benchmark starts writes a V8 CPU profile here (node --cpu-prof). */
  profileDir: string | null;
}

export function profileArgs(ctx: BenchContext, name: string): string[] {
  if (ctx.profileDir === null) return [];
  // Node.js 22 takes --cpu-prof-name literally (no \${pid}), so a random part keeps processes of one name apart.
  const unique = randomBytes(4).toString('hex');
  return ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`, `--cpu-prof-name=${name.replace(/[^A-Za-z0-9.-]+/g, '_')}.${unique}.cpuprofile`];
}
