import { ErrorCode, PRODUCT_VERSION, RemoteAgentError, toErrorInfo } from '@remote-agent/contracts';
import { redact } from '@remote-agent/transport';
import type { Logger } from '@remote-agent/transport';
import { parseDaemonConfig, type DaemonConfig } from './config.js';
import { startDaemonRuntime, type DaemonRuntime } from './mcp/daemon-runtime.js';
import type { CliIo } from './plain-daemon.js';
import { EXIT_CONFIG, EXIT_FAILED, EXIT_OK } from './exit-codes.js';

export interface CliStartIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Either the process is done (help, version, a usage or configuration error) or it goes on with its config. */
export type CliStart = { exit: number } | { config: DaemonConfig };

/** What every daemon entry point does first: refuse unknown options, answer --help / --version, parse config. */
export function startCli(io: CliStartIo, prog: string, options: readonly string[], usage: string): CliStart {
  const unknown = io.argv.find((a) => !options.includes(a));
  if (unknown !== undefined) {
    io.stderr.write(`${prog}: unknown option ${unknown}; see ${prog} --help\n`);
    return { exit: EXIT_CONFIG };
  }
  if (io.argv.includes('--help') || io.argv.includes('-h')) {
    io.stdout.write(usage);
    return { exit: EXIT_OK };
  }
  if (io.argv.includes('--version') || io.argv.includes('-v')) {
    io.stdout.write(`${PRODUCT_VERSION}\n`);
    return { exit: EXIT_OK };
  }
  try {
    return { config: parseDaemonConfig(io.env) };
  } catch (err) {
    io.stderr.write(`${prog}: ${redact(toErrorInfo(err).message)}\n`);
    return { exit: EXIT_CONFIG };
  }
}

/** A bad setting found late (e.g. an unreachable relay URL) still exits as a configuration error. */
export function exitStatusFor(err: unknown): number {
  return err instanceof RemoteAgentError && err.code === ErrorCode.InvalidConfig ? EXIT_CONFIG : EXIT_FAILED;
}

/**
 * Starts the relay connection (embedding the relay when none is configured) and the core for an entry
 * point; a failure is logged and turned into the exit status.
 */
export async function startRuntimeForCli(
  io: CliIo,
  config: DaemonConfig,
  logger: Logger,
  banner: boolean,
): Promise<{ runtime: DaemonRuntime } | { exit: number }> {
  try {
    const runtime = await startDaemonRuntime({
      config,
      logger,
      banner: banner && io.stdout.isTTY === true ? io.stdout : null,
      ...(io.connect ? { connect: io.connect } : {}),
      ...(io.startRelay ? { startRelay: io.startRelay } : {}),
    });
    return { runtime };
  } catch (err) {
    const info = toErrorInfo(err);
    logger.error('daemon could not start', { code: info.code, error: info.message });
    return { exit: exitStatusFor(err) };
  }
}
