import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalDaemonCore } from '@remote-agent/daemon';
import { memoryLogger } from '@remote-agent/transport';
import type { BenchContext } from './context.js';
import type { ManagedProcess } from './processes.js';
import {
  startCoreDaemon,
  startExecutorProcess,
  startMcpProcess,
  startMcpWithEmbeddedRelay,
  startRelayProcess,
  tempFolder,
  type McpProcess,
  type RelayProcess,
} from './topology.js';

export const EXECUTOR_ID = 'bench-exec';
const JSON_EXECUTOR_ID = 'bench-exec-json';
const NO_LOG_EXECUTOR_ID = 'bench-exec-nolog';
const DEFAULT_SETUP_EXECUTOR_ID = 'bench-exec-default';
const ONLINE_TIMEOUT_MS = 20_000;

/**
 * remote-agent as a user runs it, on loopback: the relay and one executor as real processes, the daemon's
 * core in this process and, for the MCP rows, the real `ra-mcp` process, all on the same relay.
 */
export interface RemoteAgentSetup {
  relay: RelayProcess;
  executor: ManagedProcess;
  executorId: string;
  /** The executor's work folder (relative paths of runs and file operations start here). */
  workDir: string;
  /** Scratch space of this setup, removed by the cleanup. */
  root: string;
  /** The in-process daemon's artifact root: local files of artifact transfers live here. */
  artifactRoot: string;
  core: LocalDaemonCore;
  /** Warnings and errors the in-process daemon logged. */
  coreWarnings: readonly string[];
  mcp: McpProcess;
  /**
   * A second executor and in-process daemon on the same relay speaking the JSON subprotocol
   * (WEB_PUBSUB_PROTOCOL=json), where chunks travel as base64: the throughput table's comparison row.
   */
  json: StreamEndpoints;
  /**
   * A third executor, protobuf like the first, keeping no output log (EXECUTOR_OUTPUT_MAX_BYTES=0): the
   * throughput table's row that tells the transport's cost from the disk's.
   */
  noLog: StreamEndpoints;
}

/** A daemon core and an executor process that a stream runs between. */
export interface StreamEndpoints {
  core: LocalDaemonCore;
  executor: ManagedProcess;
  executorId: string;
}

export interface RemoteAgentOptions {
  /**
   * EXECUTOR_OUTPUT_RETAIN_BYTES of the executors that keep output logs. The benchmark sets it to one
   * stream's size, so that from the first stream after the warm-up on, each executor's logs are at their
   * budget and recycle the space of the oldest output, as every executor's do once it has written its
   * budget (1 GiB by default); six streams of 64 MiB would otherwise measure only the filling of the disk
   * and page cache.
   */
  logBudgetBytes: number;
}

export async function startRemoteAgent(ctx: BenchContext, opts: RemoteAgentOptions): Promise<RemoteAgentSetup> {
  const root = await tempFolder(ctx, 'topology');
  const artifactRoot = join(root, 'artifacts');
  await mkdir(artifactRoot);
  const relay = await startRelayProcess(ctx);
  const logger = memoryLogger('warn');
  const [core, jsonCore, mcp] = await Promise.all([
    startCoreDaemon(ctx, { relay, daemonId: 'bench-core', root, logger, artifactRoot }),
    startCoreDaemon(ctx, { relay, daemonId: 'bench-core-json', root, logger, artifactRoot, protocol: 'json' }),
    startMcpProcess(ctx, { relay, root, daemonId: 'bench-mcp' }),
  ]);
  const logBudget = { EXECUTOR_OUTPUT_RETAIN_BYTES: String(opts.logBudgetBytes) };
  const [{ proc: executor, workDir }, { proc: jsonExecutor }, { proc: noLogExecutor }] = await Promise.all([
    startExecutorProcess(ctx, { relay, executorId: EXECUTOR_ID, root, env: logBudget }),
    startExecutorProcess(ctx, { relay, executorId: JSON_EXECUTOR_ID, root, env: { ...logBudget, WEB_PUBSUB_PROTOCOL: 'json' } }),
    startExecutorProcess(ctx, { relay, executorId: NO_LOG_EXECUTOR_ID, root, env: { EXECUTOR_OUTPUT_MAX_BYTES: '0' } }),
  ]);
  await waitOnline(core, EXECUTOR_ID, executor);
  await waitOnline(jsonCore, JSON_EXECUTOR_ID, jsonExecutor);
  await waitOnline(core, NO_LOG_EXECUTOR_ID, noLogExecutor);
  return {
    relay,
    executor,
    executorId: EXECUTOR_ID,
    workDir,
    root,
    artifactRoot,
    core,
    coreWarnings: logger.lines,
    mcp,
    json: { core: jsonCore, executor: jsonExecutor, executorId: JSON_EXECUTOR_ID },
    noLog: { core, executor: noLogExecutor, executorId: NO_LOG_EXECUTOR_ID },
  };
}

async function waitOnline(core: LocalDaemonCore, executorId: string, executor: ManagedProcess): Promise<void> {
  if ((await core.waitForExecutor(executorId, ONLINE_TIMEOUT_MS)) === null) {
    throw new Error(`the daemon did not list ${executorId} online within ${ONLINE_TIMEOUT_MS} ms; executor output:\n${executor.tail()}`);
  }
}

/** The setup `npm start` makes: `ra-mcp` with the relay embedded, and one executor on that relay. */
export interface DefaultSetup {
  mcp: McpProcess;
  executorId: string;
  stop(): Promise<void>;
}

/** Starts the default setup in `root`, with every setting at its default; `stop` ends both processes. */
export async function startDefaultSetup(ctx: BenchContext, root: string): Promise<DefaultSetup> {
  const mcp = await startMcpWithEmbeddedRelay(ctx, { root, daemonId: 'bench-mcp-default' });
  const { proc: executor } = await startExecutorProcess(ctx, { relay: mcp.relay, executorId: DEFAULT_SETUP_EXECUTOR_ID, root });
  return {
    mcp,
    executorId: DEFAULT_SETUP_EXECUTOR_ID,
    async stop() {
      await executor.stop();
      await mcp.proc.stop();
    },
  };
}
