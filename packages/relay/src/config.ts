import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { HUB_NAME_PATTERN, parseConnectionString, type LogLevel } from '@remote-agent/transport';

export interface RelayConfig {
  host: string;
  port: number;
  /** The connection string's endpoint: what clients dial and what token audiences name. */
  endpoint: string;
  accessKey: string;
  hubs: string[] | null;
  log: { level: LogLevel; format: 'text' | 'json' };
}

/** Port when neither RELAY_PORT nor the connection string names one (a proxy on 80/443 forwards to it). */
export const DEFAULT_RELAY_PORT = 8080;
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
}

/**
 * The `ra-relay` settings, read once at start. Throws one RemoteAgentError(INVALID_CONFIG) naming every
 * bad variable; never repeats the connection string (it holds the key).
 */
export function relayConfigFromEnv(env: NodeJS.ProcessEnv): RelayConfig {
  const problems: string[] = [];

  const connectionString = read(env, 'WEB_PUBSUB_CONNECTION_STRING');
  let endpoint = '';
  let accessKey = '';
  let connectionPort: number | undefined;
  if (connectionString === undefined) {
    problems.push(
      'WEB_PUBSUB_CONNECTION_STRING is required: set it to Endpoint=http://<host>;Port=<port>;AccessKey=<key>;Version=1.0; ' +
        '(the same string executors and daemons use; make a key with `openssl rand -base64 32`)',
    );
  } else {
    try {
      const parts = parseConnectionString(connectionString, 'WEB_PUBSUB_CONNECTION_STRING');
      endpoint = parts.endpoint;
      accessKey = parts.accessKey;
      connectionPort = parts.port;
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }

  const host = read(env, 'RELAY_HOST') ?? '127.0.0.1';
  if (/[\s/]/.test(host)) problems.push(`RELAY_HOST must be a bind address such as 127.0.0.1 or 0.0.0.0, got ${quote(host)}`);

  let port = connectionPort ?? DEFAULT_RELAY_PORT;
  const rawPort = read(env, 'RELAY_PORT');
  if (rawPort !== undefined) {
    const n = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : Number.NaN;
    if (!Number.isInteger(n) || n > 65535) problems.push(`RELAY_PORT must be a port number from 0 to 65535, got ${quote(rawPort)}`);
    else port = n;
  }

  let hubs: string[] | null = null;
  const rawHubs = read(env, 'RELAY_HUBS');
  if (rawHubs !== undefined) {
    hubs = rawHubs.split(',').map((h) => h.trim()).filter((h) => h !== '');
    const badHub = hubs.find((h) => !HUB_NAME_PATTERN.test(h));
    if (hubs.length === 0 || badHub !== undefined) {
      problems.push(`RELAY_HUBS must be a comma-separated list of hub names (a letter, then letters, digits or "_"), got ${quote(rawHubs)}`);
    }
  }

  const rawLevel = read(env, 'LOG_LEVEL')?.toLowerCase() ?? 'info';
  const level = LOG_LEVELS.find((l) => l === rawLevel);
  if (level === undefined) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${quote(rawLevel)}`);
  const rawFormat = read(env, 'LOG_FORMAT')?.toLowerCase() ?? 'text';
  if (rawFormat !== 'text' && rawFormat !== 'json') problems.push(`LOG_FORMAT must be text or json, got ${quote(rawFormat)}`);

  if (problems.length > 0) throw new RemoteAgentError(ErrorCode.InvalidConfig, `invalid configuration: ${problems.join('; ')}`);
  return {
    host,
    port,
    endpoint,
    accessKey,
    hubs,
    log: { level: level ?? 'info', format: rawFormat === 'json' ? 'json' : 'text' },
  };
}
