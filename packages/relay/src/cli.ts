import { PRODUCT_VERSION } from '@remote-agent/contracts';
import { createLogger, deferredLines } from '@remote-agent/transport';
import { relayConfigFromEnv } from './config.js';
import { startRelay, type RelayServer } from './server.js';

export const HELP = `ra-relay ${PRODUCT_VERSION}: the built-in relay of remote-agent, compatible with Azure Web PubSub's client protocol.

Usage: ra-relay [--help] [--version]

Configuration (environment):
  WEB_PUBSUB_CONNECTION_STRING  required. Endpoint=http://<host>;Port=<port>;AccessKey=<key>;Version=1.0;
                                The relay verifies tokens with AccessKey and listens on Port. Give executors
                                and daemons the same string.
  RELAY_HOST                    bind address (default 127.0.0.1; 0.0.0.0 for every interface)
  RELAY_PORT                    listen port, overriding the connection string's (default: its Port, else 8080)
  RELAY_HUBS                    comma-separated hubs to serve (default: any)
  LOG_LEVEL                     debug, info, warn, error or silent (default info)
  LOG_FORMAT                    text or json (default text)

GET / or /healthz answers {"status":"ok",...}. Clients connect to /client/hubs/<hub>.
`;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  onSignal: (signal: NodeJS.Signals, handler: () => void) => void;
}

/** Runs ra-relay; resolves with the exit code once the relay has stopped (or could not start). */
export async function runRelayCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      io.out(HELP);
      return 0;
    }
    if (arg === '--version' || arg === '-v') {
      io.out(`${PRODUCT_VERSION}\n`);
      return 0;
    }
    io.err(`ra-relay: unknown option ${JSON.stringify(arg)}; see ra-relay --help\n`);
    return 2;
  }

  let config;
  try {
    config = relayConfigFromEnv(env);
  } catch (err) {
    io.err(`ra-relay: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const logger = createLogger({ level: config.log.level, format: config.log.format, write: deferredLines(io.err) });

  let relay: RelayServer;
  try {
    relay = await startRelay({
      host: config.host,
      port: config.port,
      endpoint: config.endpoint,
      accessKey: config.accessKey,
      logger,
      ...(config.hubs ? { hubs: config.hubs } : {}),
    });
  } catch (err) {
    logger.error('relay could not start', { error: err });
    return 1;
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => () => {
      logger.info('shutting down', { signal });
      void relay.close().then(resolve);
    };
    io.onSignal('SIGINT', stop('SIGINT'));
    io.onSignal('SIGTERM', stop('SIGTERM'));
  });
  return 0;
}
