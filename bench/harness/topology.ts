import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDaemonCore, parseDaemonConfig, type LocalDaemonCore } from '@remote-agent/daemon';
import { createWebPubSubConnection, type Logger, type RelaySubprotocol } from '@remote-agent/transport';
import type { BenchContext } from './context.js';
import { freePort, loopbackConnectionString, relayAccess } from './loopback.js';
import { entries } from './paths.js';
import { baseEnv, startNode, type ManagedProcess } from './processes.js';

const START_TIMEOUT_MS = 20_000;

/** A temporary folder removed by the cleanup. */
export async function tempFolder(ctx: BenchContext, prefix: string): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), `ra-bench-${prefix}-`));
  ctx.cleanup.add(`remove ${path}`, () => rm(path, { recursive: true, force: true, maxRetries: 3 }));
  return path;
}

export interface RelayProcess {
  proc: ManagedProcess;
  /** Holds the relay's key: passed on by environment only. */
  connectionString: string;
}

/** The built-in relay as its own process (packages/relay/dist/main.js) on a free loopback port. */
export async function startRelayProcess(ctx: BenchContext, name = 'relay'): Promise<RelayProcess> {
  const connectionString = loopbackConnectionString(await freePort());
  const proc = startNode(ctx, {
    name,
    script: entries.relay,
    env: { ...baseEnv(), WEB_PUBSUB_CONNECTION_STRING: connectionString, LOG_LEVEL: 'info' },
  });
  await proc.waitForLine(/relay listening/, START_TIMEOUT_MS);
  return { proc, connectionString };
}

/** A real executor process (packages/executor/dist/main.js) with its own state and work folders. */
export async function startExecutorProcess(
  ctx: BenchContext,
  opts: { relay: Pick<RelayProcess, 'connectionString'>; executorId: string; root: string; env?: Record<string, string> },
): Promise<{ proc: ManagedProcess; workDir: string }> {
  const workDir = join(opts.root, `${opts.executorId}-work`);
  await mkdir(workDir, { recursive: true });
  const proc = startNode(ctx, {
    name: `executor ${opts.executorId}`,
    script: entries.executor,
    env: {
      ...baseEnv(),
      WEB_PUBSUB_CONNECTION_STRING: opts.relay.connectionString,
      EXECUTOR_ID: opts.executorId,
      EXECUTOR_STATE_DIR: join(opts.root, `${opts.executorId}-state`),
      EXECUTOR_WORK_DIR: workDir,
      LOG_LEVEL: 'info',
      ...opts.env,
    },
  });
  await proc.waitForLine(/hello published/, START_TIMEOUT_MS);
  return { proc, workDir };
}

/**
 * The daemon's core in this process (the "daemon's own API" row), on the same relay as the processes,
 * with the daemon's default settings.
 */
export async function startCoreDaemon(
  ctx: BenchContext,
  opts: { relay: RelayProcess; daemonId: string; root: string; logger: Logger; artifactRoot: string; protocol?: RelaySubprotocol },
): Promise<LocalDaemonCore> {
  const defaults = parseDaemonConfig({}, { homeDir: opts.root, cwd: opts.root });
  const connection = createWebPubSubConnection({
    access: relayAccess(opts.relay.connectionString),
    userId: opts.daemonId,
    role: 'daemon',
    logger: opts.logger,
    protocol: opts.protocol ?? defaults.relayProtocol,
  });
  const core = await createDaemonCore({
    daemonId: opts.daemonId,
    connection,
    registry: defaults.registry,
    requests: defaults.requests,
    logger: opts.logger,
    artifactRoots: [opts.artifactRoot],
  });
  ctx.cleanup.add(`close daemon core ${opts.daemonId}`, () => core.close());
  return core;
}

export interface McpProcess {
  proc: ManagedProcess;
  url: string;
}

/** `ra-mcp` (its bin) on a free loopback port, with its state in `stateDir` and `env` on top of the defaults. */
async function startRaMcp(
  ctx: BenchContext,
  opts: { name: string; daemonId: string; stateDir: string; env: Record<string, string> },
): Promise<McpProcess> {
  const port = await freePort();
  const proc = startNode(ctx, {
    name: opts.name,
    script: entries.mcp,
    env: {
      ...baseEnv(),
      DAEMON_ID: opts.daemonId,
      DAEMON_STATE_DIR: opts.stateDir,
      DAEMON_MCP_HOST: '127.0.0.1',
      DAEMON_MCP_PORT: String(port),
      LOG_LEVEL: 'info',
      ...opts.env,
    },
  });
  await proc.waitForLine(/mcp streamable http listening/, START_TIMEOUT_MS);
  return { proc, url: `http://127.0.0.1:${port}/mcp` };
}

/** The real MCP server process (`ra-mcp`) on the same relay. */
export function startMcpProcess(ctx: BenchContext, opts: { relay: RelayProcess; root: string; daemonId: string }): Promise<McpProcess> {
  return startRaMcp(ctx, {
    name: 'ra-mcp',
    daemonId: opts.daemonId,
    stateDir: join(opts.root, 'mcp-state'),
    env: { WEB_PUBSUB_CONNECTION_STRING: opts.relay.connectionString },
  });
}

export interface EmbeddedRelayMcp extends McpProcess {
  /** The embedded relay, as executors reach it (from the executor.env file ra-mcp writes). */
  relay: Pick<RelayProcess, 'connectionString'>;
}

/**
 * `ra-mcp` as `npm start` runs it: no relay configured, so it embeds the built-in relay, here on a free
 * loopback port, and writes the settings executors need to `<state>/executor.env`.
 */
export async function startMcpWithEmbeddedRelay(ctx: BenchContext, opts: { root: string; daemonId: string }): Promise<EmbeddedRelayMcp> {
  const stateDir = join(opts.root, `${opts.daemonId}-state`);
  const mcp = await startRaMcp(ctx, {
    name: 'ra-mcp (embedded relay)',
    daemonId: opts.daemonId,
    stateDir,
    env: { DAEMON_RELAY_PORT: String(await freePort()) },
  });
  const envFile = join(stateDir, 'executor.env');
  const connectionString = /^WEB_PUBSUB_CONNECTION_STRING='([^']+)'$/m.exec(await readFile(envFile, 'utf8'))?.[1];
  if (connectionString === undefined) throw new Error(`ra-mcp wrote no WEB_PUBSUB_CONNECTION_STRING to ${envFile}`);
  return { ...mcp, relay: { connectionString } };
}
