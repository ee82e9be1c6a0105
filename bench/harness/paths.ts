import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from the built output (bench/dist/harness). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const benchDir = join(repoRoot, 'bench');

/** The project's npm bins, started as real processes as a user starts them (with their heap flags). */
export const entries = {
  relay: join(repoRoot, 'packages/relay/bin/ra-relay.js'),
  executor: join(repoRoot, 'packages/executor/bin/ra-exec.js'),
  mcp: join(repoRoot, 'packages/daemon/bin/ra-mcp.js'),
} as const;

/** The benchmark's own child processes (bench/dist/children). */
export function benchChild(name: 'swarm-main' | 'daemon-host-main' | 'ws-source-main'): string {
  return join(benchDir, 'dist', 'children', `${name}.js`);
}
