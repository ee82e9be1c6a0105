import { toErrorInfo } from '@remote-agent/contracts';
import { redact } from '@remote-agent/transport';
import type { DaemonConfig } from './config.js';
import { embeddedExecutorConnectionString } from './embedded-relay.js';
import { EXIT_CONFIG, EXIT_FAILED, EXIT_OK } from './exit-codes.js';
import { powershellQuote, posixQuote } from './shell-quote.js';
import { ensureStateDir } from './state-dir.js';

export type ExecutorRelaySettings =
  | { ok: true; vars: Record<string, string> }
  | { ok: false; reason: string };

/**
 * The variables an executor on another machine needs to reach this daemon's relay. With the embedded
 * relay, pass its connection string once it listens (its port may only be known then).
 */
export async function executorRelaySettings(
  config: DaemonConfig,
  embeddedConnectionString?: string,
): Promise<ExecutorRelaySettings> {
  const relay = config.relay;
  if (relay === null) {
    if (embeddedConnectionString === undefined && config.embeddedRelay.port === 0 && config.embeddedRelay.publicUrl === null) {
      return { ok: false, reason: 'DAEMON_RELAY_PORT is 0, so the relay port is only known once the daemon runs; set a fixed port' };
    }
    const connectionString =
      embeddedConnectionString ?? (await embeddedExecutorConnectionString(config.embeddedRelay, config.stateDir));
    return { ok: true, vars: { WEB_PUBSUB_CONNECTION_STRING: connectionString, WEB_PUBSUB_HUB: config.hub } };
  }
  switch (relay.mode) {
    case 'connection-string':
      return { ok: true, vars: { WEB_PUBSUB_CONNECTION_STRING: relay.connectionString, WEB_PUBSUB_HUB: relay.hub } };
    case 'entra':
      return { ok: true, vars: { WEB_PUBSUB_ENDPOINT: relay.endpoint, WEB_PUBSUB_HUB: relay.hub } };
    case 'client-access-url':
      return {
        ok: false,
        reason:
          'this daemon connects with DAEMON_CLIENT_ACCESS_URL, a URL minted for the daemon alone; give each executor its own ' +
          'EXECUTOR_CLIENT_ACCESS_URL (minted for that executor) or the relay connection string as WEB_PUBSUB_CONNECTION_STRING',
      };
  }
}

/**
 * The exact commands, for a POSIX shell and for PowerShell, that start an executor with these settings
 * from a clone of remote-agent. Holds secrets: print it only to a user's own stdout, never to a log.
 */
export function formatExecutorCommand(vars: Record<string, string>, executorId = 'my-machine'): string {
  const all = { ...vars, EXECUTOR_ID: executorId };
  const posix = Object.entries(all)
    .map(([k, v]) => `${k}=${posixQuote(v)}`)
    .join(' ');
  const powershell = Object.entries(all)
    .map(([k, v]) => `$env:${k}=${powershellQuote(v)}`)
    .join('; ');
  return [
    'Start an executor on another machine, from a clone of remote-agent after `npm install`',
    `(replace ${executorId} with a name for that machine):`,
    '',
    '  Linux / macOS:',
    `    ${posix} npx ra-exec`,
    '',
    '  Windows PowerShell:',
    `    ${powershell}; npx ra-exec`,
    '',
  ].join('\n');
}

/**
 * `--print-executor-command`: writes the command to stdout only (it holds the relay secret); problems go
 * to stderr prefixed with the program name. Returns the exit status.
 */
export async function printExecutorCommand(
  config: DaemonConfig,
  io: { stdout: { write(text: string): unknown }; stderr: { write(text: string): unknown } },
  prog: string,
): Promise<number> {
  try {
    if (config.relay === null) await ensureStateDir(config.stateDir);
    const settings = await executorRelaySettings(config);
    if (!settings.ok) {
      io.stderr.write(`${prog}: cannot print an executor command: ${settings.reason}\n`);
      return EXIT_CONFIG;
    }
    io.stdout.write(formatExecutorCommand(settings.vars));
    return EXIT_OK;
  } catch (err) {
    io.stderr.write(`${prog}: ${redact(toErrorInfo(err).message)}\n`);
    return EXIT_FAILED;
  }
}
