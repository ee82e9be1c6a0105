import { ErrorCode, PRODUCT_VERSION, RemoteAgentError, toErrorInfo } from '@remote-agent/contracts';
import { redact } from '@remote-agent/transport';
import { parseDaemonConfig, type DaemonConfig } from './config.js';
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
