import { PRODUCT_VERSION, toErrorInfo, type RunParams } from '@remote-agent/contracts';
import { createLogger, deferredLines, type Logger } from '@remote-agent/transport';
import type { OneShotRunConfig } from './config.js';
import type { LocalDaemonCore } from './core.js';
import type { RequestView } from './core-api.js';
import type { StartRelay } from './embedded-relay.js';
import { EXIT_CONFIG, EXIT_FAILED, EXIT_OK } from './exit-codes.js';
import { startCli, startRuntimeForCli } from './cli-start.js';
import { printExecutorCommand } from './executor-command.js';
import type { ConnectRelay } from './mcp/daemon-runtime.js';

export { EXIT_CONFIG, EXIT_FAILED, EXIT_OK };

export interface CliIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  /** Resolves when the user asks the process to stop (SIGINT/SIGTERM). */
  stopSignal: Promise<string>;
  /** The relay connection; the Web PubSub client unless a test passes another. */
  connect?: ConnectRelay;
  startRelay?: StartRelay;
}

const USAGE = `ra-daemon ${PRODUCT_VERSION}: the remote-agent daemon without MCP (discovery, diagnostics, one-shot runs)

Usage: ra-daemon [--help] [--version] [--print-executor-command]

With no relay configured (WEB_PUBSUB_CONNECTION_STRING, DAEMON_CLIENT_ACCESS_URL or WEB_PUBSUB_ENDPOINT),
the daemon runs the built-in relay itself on RELAY_HOST:DAEMON_RELAY_PORT (127.0.0.1:8766).

It probes for executors at start and every DAEMON_REGISTRY_REFRESH_INTERVAL_MS and logs the inventory
every DAEMON_INVENTORY_LOG_INTERVAL_MS, until stopped with Ctrl+C.

One-shot run: set DAEMON_RUN_EXECUTOR_ID and DAEMON_RUN_COMMAND (optionally DAEMON_RUN_TIMEOUT_MS and
DAEMON_RUN_WAIT_FOR_EXECUTOR_MS, default 15000). The daemon waits for that executor, runs the command
once, logs "remote run result", prints the command's stdout, and exits 0 when it succeeded, 1 when not.

Options:
  --print-executor-command  print the command that starts an executor on another machine
                            (it contains the relay's secret: keep it to yourself)
  --help                    show this help
  --version                 show the version

Exit status: 0 ok, 1 failure, 2 bad configuration or usage. All settings are described in the README.
`;

const LOGGED_STDOUT_CHARS = 2_000;

async function oneShotRun(run: OneShotRunConfig, core: LocalDaemonCore, logger: Logger, io: CliIo): Promise<number> {
  const executor = await core.waitForExecutor(run.executorId, run.waitForExecutorMs);
  if (!executor) {
    const known = core.listExecutors().map((e) => `${e.executorId}:${e.status}`);
    logger.error('executor did not come online', {
      executorId: run.executorId,
      waitedMs: run.waitForExecutorMs,
      known: known.length > 0 ? known.join(',') : 'none',
      hint: 'start ra-exec with this EXECUTOR_ID on the same relay, or raise DAEMON_RUN_WAIT_FOR_EXECUTOR_MS',
    });
    return EXIT_FAILED;
  }
  const params: RunParams = { command: run.command };
  if (run.timeoutMs !== undefined) params.timeoutMs = run.timeoutMs;
  let view: RequestView = core.submit(run.executorId, 'run', params);
  logger.info('remote run started', { requestId: view.requestId, executorId: run.executorId });
  let stopped = false;
  void io.stopSignal
    .then(() => {
      stopped = true;
      logger.info('stopping: cancelling the remote run', { requestId: view.requestId });
      return core.cancel(view.requestId, 'ra-daemon stopped');
    })
    .catch((err: unknown) => logger.warn('could not cancel the remote run', { error: toErrorInfo(err).message }));
  while (view.state !== 'completed') {
    view = await core.waitForRequest(view.requestId, { maxWaitMs: 60_000 });
    if (view.state !== 'completed') {
      logger.info('remote run still running', { requestId: view.requestId, stdoutBytes: view.stdoutBytes, stderrBytes: view.stderrBytes });
    }
  }
  const stdout = view.stdout.length > LOGGED_STDOUT_CHARS ? `${view.stdout.slice(0, LOGGED_STDOUT_CHARS)}...` : view.stdout;
  logger.info('remote run result', {
    requestId: view.requestId,
    executorId: view.executorId,
    outcome: view.outcome,
    ok: view.ok,
    exitCode: view.exitCode,
    signal: view.signal,
    durationMs: view.durationMs,
    truncated: view.truncated,
    stdout,
    stderr: view.stderr.length > LOGGED_STDOUT_CHARS ? `${view.stderr.slice(0, LOGGED_STDOUT_CHARS)}...` : view.stderr,
    error: view.error?.message,
  });
  io.stdout.write(view.stdout);
  return view.ok && !stopped ? EXIT_OK : EXIT_FAILED;
}

/** The plain daemon (`ra-daemon`): returns the exit status; the entry point only wires the process in. */
export async function runPlainDaemon(io: CliIo): Promise<number> {
  const args = io.argv;
  const started = startCli(io, 'ra-daemon', ['--help', '-h', '--version', '-v', '--print-executor-command'], USAGE);
  if ('exit' in started) return started.exit;
  const { config } = started;
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    write: deferredLines((text) => io.stderr.write(text)),
    fields: { component: 'daemon' },
  });

  if (args.includes('--print-executor-command')) return printExecutorCommand(config, io, 'ra-daemon');

  const launched = await startRuntimeForCli(io, config, logger, true);
  if ('exit' in launched) return launched.exit;
  const { runtime } = launched;

  try {
    if (config.oneShotRun) return await oneShotRun(config.oneShotRun, runtime.core, logger, io);
    const signal = await io.stopSignal;
    logger.info('stopping', { signal });
    return EXIT_OK;
  } catch (err) {
    logger.error('daemon failed', { error: toErrorInfo(err).message });
    return EXIT_FAILED;
  } finally {
    await runtime.close();
  }
}
