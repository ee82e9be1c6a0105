import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from the built output (bench/dist/harness). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const benchDir = join(repoRoot, 'bench');

/** Built entry points of the project, started as real processes. */
export const entries = {
  relay: join(repoRoot, 'packages/relay/dist/main.js'),
  executor: join(repoRoot, 'packages/executor/dist/main.js'),
  mcp: join(repoRoot, 'packages/daemon/dist/mcp-main.js'),
} as const;

/** The benchmark's own child processes (bench/dist/children). */
export function benchChild(name: 'swarm-main' | 'daemon-host-main' | 'ws-source-main'): string {
  return join(benchDir, 'dist', 'children', `${name}.js`);
}
