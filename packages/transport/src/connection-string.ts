import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';

export interface ConnectionStringParts {
  /** Normalised as `@azure/web-pubsub` does (scheme, lower-case host, Port= applied), without a trailing slash. */
  endpoint: string;
  accessKey: string;
  version: string;
  /** The port given by `Port=` or inside the Endpoint URL; absent when the scheme's default applies. */
  port?: number;
}

const EXAMPLE = 'Endpoint=https://<name>.webpubsub.azure.com;AccessKey=<key>;Version=1.0;';

/**
 * Parses a Web PubSub connection string the way `@azure/web-pubsub` does, so that the audience the relay
 * expects and the one the SDK signs always agree. `name` is what the message calls the value (usually the
 * variable it came from). Messages never echo the value: it holds the access key.
 */
export function parseConnectionString(value: string, name = 'the connection string'): ConnectionStringParts {
  const fail = (problem: string): never => {
    throw new RemoteAgentError(ErrorCode.InvalidConfig, `${name} ${problem}; expected the form ${EXAMPLE}`);
  };
  const fields = new Map<string, string>();
  for (const part of value.split(';')) {
    const at = part.indexOf('=');
    if (at === -1) {
      if (part.trim() !== '') fail('has a part without "=" (each part is Key=Value, separated by ";")');
      continue;
    }
    fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }

  const rawEndpoint = fields.get('endpoint');
  if (!rawEndpoint) return fail('has no Endpoint=');
  const accessKey = fields.get('accesskey');
  if (!accessKey) return fail('has no AccessKey=');
  const version = fields.get('version') || '1.0';

  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(rawEndpoint);
  if (hasScheme && !/^https?:\/\//i.test(rawEndpoint)) fail('has an Endpoint that is not http:// or https://');
  let url: URL;
  try {
    url = new URL(hasScheme ? rawEndpoint : `https://${rawEndpoint}`);
  } catch {
    return fail('has an Endpoint that is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('has an Endpoint that is not http:// or https://');
  if (url.search || url.hash || url.username || url.password) fail('has an Endpoint with a query, fragment or credentials');

  const rawPort = fields.get('port');
  if (rawPort !== undefined && rawPort !== '') {
    const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : Number.NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail('has a Port that is not a number from 1 to 65535');
    url.port = String(port);
  }

  const endpoint = url.toString().replace(/\/+$/, '');
  const parts: ConnectionStringParts = { endpoint, accessKey, version };
  if (url.port !== '') parts.port = Number(url.port);
  return parts;
}

/** Builds a connection string, e.g. for clients of an embedded relay. */
export function formatConnectionString(parts: { endpoint: string; accessKey: string; version?: string }): string {
  const url = new URL(parts.endpoint);
  const port = url.port;
  url.port = '';
  const endpoint = url.toString().replace(/\/+$/, '');
  const portPart = port === '' ? '' : `Port=${port};`;
  return `Endpoint=${endpoint};AccessKey=${parts.accessKey};Version=${parts.version ?? '1.0'};${portPart}`;
}

/** The token audience and WebSocket path base of a hub: `{endpoint}/client/hubs/{hub}`. */
export function clientHubUrl(endpoint: string, hub: string): string {
  return `${endpoint.replace(/\/+$/, '')}/client/hubs/${hub}`;
}
