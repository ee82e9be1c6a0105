import { startRelay, type RelayOptions, type RelayServer } from '@remote-agent/relay';
import { formatConnectionString, type Logger, type RelayAccess } from '@remote-agent/transport';
import { defaultRelayPublicUrl, type EmbeddedRelayConfig } from './config.js';
import { loadOrCreateRelayKey, writeExecutorEnv } from './state-dir.js';

export type StartRelay = (opts: RelayOptions) => Promise<RelayServer>;

export interface EmbeddedRelayOptions {
  config: EmbeddedRelayConfig;
  hub: string;
  stateDir: string;
  logger: Logger;
  /** The relay's own start function unless a test passes another. */
  start?: StartRelay;
  machineName?: string;
}

export interface EmbeddedRelay {
  readonly server: RelayServer;
  /** Where remote executors connect. */
  readonly publicUrl: string;
  readonly hub: string;
  /** For executors and the daemon itself. Holds the access key: never log it. */
  readonly connectionString: string;
  readonly access: RelayAccess;
  readonly executorEnvPath: string;
  close(): Promise<void>;
}

/** The relay URL executors use: DAEMON_RELAY_PUBLIC_URL, else the bound host (or this machine's name on a wildcard bind). */
export function relayPublicUrl(config: EmbeddedRelayConfig, port: number, machineName?: string): string {
  return config.publicUrl ?? defaultRelayPublicUrl(config.host, port, machineName);
}

/** The connection string executors of the embedded relay need; `port` 0 means not known until the relay listens. */
export async function embeddedExecutorConnectionString(
  config: EmbeddedRelayConfig,
  stateDir: string,
  machineName?: string,
): Promise<string> {
  const accessKey = await loadOrCreateRelayKey(stateDir);
  return formatConnectionString({ endpoint: relayPublicUrl(config, config.port, machineName), accessKey });
}

/**
 * Runs the built-in relay inside the daemon, for a user with no relay of their own: a persisted
 * random key, a connection string for executors written to `<stateDir>/executor.env` (owner-only),
 * and a log line that names the file but never the key.
 */
export async function startEmbeddedRelay(opts: EmbeddedRelayOptions): Promise<EmbeddedRelay> {
  const { config, hub, stateDir, logger } = opts;
  const accessKey = await loadOrCreateRelayKey(stateDir);
  const start = opts.start ?? startRelay;
  // Tokens name one endpoint in their audience, so executors and this daemon all use the public one;
  // with port 0 it is only known once listening, and the relay's own default (bound host and port) applies.
  const endpoint = config.port === 0 && config.publicUrl === null ? undefined : relayPublicUrl(config, config.port, opts.machineName);
  const server = await start({
    host: config.host,
    port: config.port,
    accessKey,
    logger: logger.child({ component: 'relay' }),
    ...(endpoint === undefined ? {} : { endpoint }),
  });
  try {
    const connectionString = server.connectionString();
    const executorEnvPath = await writeExecutorEnv(stateDir, { connectionString, hub });
    logger.info('embedded relay listening', { url: server.url, hub });
    logger.info('executors on other machines need the settings in the executor env file', {
      file: executorEnvPath,
      hint: 'print the full command with: ra-mcp --print-executor-command',
    });
    return {
      server,
      publicUrl: server.url,
      hub,
      connectionString,
      access: { mode: 'connection-string', connectionString, hub, tokenLifetimeMinutes: 60 },
      executorEnvPath,
      close: () => server.close(),
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}
