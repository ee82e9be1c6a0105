import { PRODUCT_VERSION, RemoteAgentError } from '@remote-agent/contracts';
import { createLogger, createWebPubSubConnection, describeRelay, systemClock, tuneHeapForStreaming } from '@remote-agent/transport';
import { parseCliConfig } from './config.js';
import { startExecutor } from './executor.js';

const USAGE = `ra-exec ${PRODUCT_VERSION}: the remote-agent executor. Runs on a machine that coding agents should act on;
dials out to the relay, announces itself, and carries out requests (run commands, read output, ...).

Usage: ra-exec [--executor-id <id> | --id <id>]
       ra-exec --help | --version

The daemon prints the exact command for a new machine: ra-mcp --print-executor-command

Settings (environment variables):
  EXECUTOR_ID                      this executor's name (required unless --executor-id/--id); letters, digits, . _ -
  EXECUTOR_TAGS                    k=v,k=v tags that agents can find executors by
  WEB_PUBSUB_CONNECTION_STRING     the relay (built-in or Azure Web PubSub): Endpoint=...;AccessKey=...;Version=1.0;
  WEB_PUBSUB_HUB                   hub name [rexec]
  EXECUTOR_CLIENT_ACCESS_URL       instead of a connection string: a ready client URL with its token
  WEB_PUBSUB_ENDPOINT              instead of both: the service URL, signing in with Microsoft Entra ID
  EXECUTOR_TOKEN_EXPIRATION_MINUTES  lifetime of the tokens minted from the connection string [60]
  EXECUTOR_STATE_DIR               instruction, journal and output logs [~/.remote-agent/executors/<id>]
  EXECUTOR_WORK_DIR                folder that relative paths and commands start in [current folder]
  EXECUTOR_MAX_CONCURRENT          commands running at once; more wait in a queue [8]
  EXECUTOR_HEARTBEAT_INTERVAL_MS   heartbeat period [10000]
  EXECUTOR_KILL_GRACE_MS           after a cancel, time before the process tree is force-killed [3000]
  EXECUTOR_OUTPUT_MAX_BYTES        output kept on disk per stream of a run; older parts are rotated away; 0 keeps none [67108864]
  EXECUTOR_OUTPUT_RETAIN           runs whose output logs are kept [500]
  EXECUTOR_OUTPUT_RETAIN_BYTES     bytes the output logs of all runs keep together; the oldest output goes first [1073741824]
  EXECUTOR_JOURNAL_RETAIN          requests remembered for duplicate detection and result replay [2000]
  EXECUTOR_SHELL                   shell for commands [/bin/sh -c; cmd.exe /d /s /c on Windows]; pwsh and powershell work too
  EXECUTOR_VERSION, EXECUTOR_HOSTNAME, EXECUTOR_OS, EXECUTOR_ARCH   override what the executor reports
  LOG_LEVEL                        debug | info | warn | error | silent [info]
  LOG_FORMAT                       text | json [text]; logs go to stderr

Exit status: 0 stopped by SIGINT/SIGTERM, 1 could not start (e.g. the relay refused the credentials), 2 bad settings.
`;

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGBREAK'];

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(`${PRODUCT_VERSION}\n`);
    return 0;
  }
  let config;
  try {
    config = parseCliConfig(env, argv);
  } catch (err) {
    process.stderr.write(`ra-exec: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  process.on('unhandledRejection', (err) => logger.error('unexpected error', { error: err }));

  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of STOP_SIGNALS) process.once(signal, () => resolve(signal));
  });
  // Timers in the executor do not hold the process open; this does, until it is told to stop.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    const { executor: settings } = config;
    logger.info('executor starting', {
      executorId: settings.executorId,
      relay: describeRelay(config.relay),
      stateDir: settings.stateDir,
      workDir: settings.workDir,
    });
    const connection = createWebPubSubConnection({
      access: config.relay,
      userId: settings.executorId,
      role: 'executor',
      logger,
      protocol: config.relayProtocol,
    });
    const starting = startExecutor(settings, { connection, clock: systemClock, logger });
    const first = await Promise.race([starting, stopSignal]);
    if (typeof first === 'string') {
      logger.info('stopped before connecting', { signal: first });
      return 0;
    }
    const signal = await stopSignal;
    for (const s of STOP_SIGNALS) process.once(s, () => process.exit(130));
    logger.info('stopping', { signal });
    await first.stop(`received ${signal}`);
    return 0;
  } catch (err) {
    const code = err instanceof RemoteAgentError ? err.code : 'INTERNAL';
    logger.error('executor could not start', { code, error: err });
    return 1;
  } finally {
    clearInterval(keepAlive);
  }
}

function exitWith(code: number): void {
  process.exitCode = code;
  // Let stdout and stderr drain before leaving; a handle left open by a dependency must not keep us alive.
  setTimeout(() => process.exit(code), 2_000).unref();
}

tuneHeapForStreaming();
main(process.argv.slice(2), process.env).then(exitWith, (err: unknown) => {
  process.stderr.write(`ra-exec: ${err instanceof Error ? err.message : String(err)}\n`);
  exitWith(1);
});
