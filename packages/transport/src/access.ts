import type { WebPubSubServiceClient } from '@azure/web-pubsub';
import { DEFAULT_HUB, ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { clientHubUrl, parseConnectionString } from './connection-string.js';
import { redact } from './logger.js';
import { groupsAtConnect, rolesFor, type PeerRole } from './roles.js';

/** How a peer reaches its relay; see the seed's three modes. */
export type RelayAccess =
  | { mode: 'connection-string'; connectionString: string; hub: string; tokenLifetimeMinutes: number }
  | { mode: 'client-access-url'; url: string }
  | { mode: 'entra'; endpoint: string; hub: string; tokenLifetimeMinutes: number };

export const DEFAULT_TOKEN_LIFETIME_MINUTES = 60;
const MAX_TOKEN_LIFETIME_MINUTES = 365 * 24 * 60;
/** Azure Web PubSub's rule for hub names; the built-in relay keeps the same. */
export const HUB_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

function invalid(message: string): RemoteAgentError {
  return new RemoteAgentError(ErrorCode.InvalidConfig, message);
}

function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
}

function readHub(env: NodeJS.ProcessEnv): string {
  const hub = read(env, 'WEB_PUBSUB_HUB') ?? DEFAULT_HUB;
  if (!HUB_NAME_PATTERN.test(hub)) {
    throw invalid(`WEB_PUBSUB_HUB must start with a letter and hold only letters, digits and "_" (at most 128), got ${quote(hub)}`);
  }
  return hub;
}

function readLifetime(env: NodeJS.ProcessEnv, name: string): number {
  const value = read(env, name);
  if (value === undefined) return DEFAULT_TOKEN_LIFETIME_MINUTES;
  const minutes = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(minutes) || minutes < 1 || minutes > MAX_TOKEN_LIFETIME_MINUTES) {
    throw invalid(`${name} must be a whole number of minutes from 1 to ${MAX_TOKEN_LIFETIME_MINUTES}, got ${quote(value)}`);
  }
  return minutes;
}

/** Checks the shape of a ready client URL; the message never repeats it, since it carries a token. */
function checkClientAccessUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${name} is not a URL: set it to the client access URL (wss://<host>/client/hubs/<hub>?access_token=...)`);
  }
  const schemeOk = ['wss:', 'ws:', 'https:', 'http:'].includes(url.protocol);
  if (!schemeOk || !/^\/client(\/hubs\/[^/]+)?\/?$/.test(url.pathname)) {
    throw invalid(`${name} must look like wss://<host>/client/hubs/<hub>?access_token=... (got a ${url.protocol} URL with another path)`);
  }
  if (!url.searchParams.get('access_token')) {
    throw invalid(`${name} has no access_token: copy the whole client access URL, token included`);
  }
  return value;
}

function checkEndpoint(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${name} must be the service URL such as https://<name>.webpubsub.azure.com, got ${quote(value)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`${name} must be an http(s) URL such as https://<name>.webpubsub.azure.com, got ${quote(value)}`);
  }
  return url.toString().replace(/\/+$/, '');
}

/**
 * Reads the seed's relay settings once. `role` picks EXECUTOR_* or DAEMON_* names. Precedence: client
 * access URL, then connection string, then endpoint (Microsoft Entra ID). Returns null when none is set
 * (the daemon then embeds the built-in relay). Throws RemoteAgentError(INVALID_CONFIG) naming the variable.
 */
export function relayAccessFromEnv(env: NodeJS.ProcessEnv, role: PeerRole): RelayAccess | null {
  const prefix = role === 'executor' ? 'EXECUTOR' : 'DAEMON';
  const urlName = `${prefix}_CLIENT_ACCESS_URL`;
  const lifetimeName = `${prefix}_TOKEN_EXPIRATION_MINUTES`;

  const url = read(env, urlName);
  if (url !== undefined) return { mode: 'client-access-url', url: checkClientAccessUrl(url, urlName) };

  const connectionString = read(env, 'WEB_PUBSUB_CONNECTION_STRING');
  if (connectionString !== undefined) {
    parseConnectionString(connectionString, 'WEB_PUBSUB_CONNECTION_STRING');
    return { mode: 'connection-string', connectionString, hub: readHub(env), tokenLifetimeMinutes: readLifetime(env, lifetimeName) };
  }

  const endpoint = read(env, 'WEB_PUBSUB_ENDPOINT');
  if (endpoint !== undefined) {
    return {
      mode: 'entra',
      endpoint: checkEndpoint(endpoint, 'WEB_PUBSUB_ENDPOINT'),
      hub: readHub(env),
      tokenLifetimeMinutes: readLifetime(env, lifetimeName),
    };
  }
  return null;
}

/** Where a peer connects, for messages and logs: never includes a token. */
export function describeRelay(access: RelayAccess): string {
  switch (access.mode) {
    case 'connection-string':
      return clientHubUrl(parseConnectionString(access.connectionString).endpoint, access.hub);
    case 'entra':
      return clientHubUrl(access.endpoint, access.hub);
    case 'client-access-url': {
      const url = new URL(access.url);
      return `${url.origin}${url.pathname}`;
    }
  }
}

/**
 * A source of client access URLs with least-privilege roles and the peer's own groups joined at connect.
 * The SDK calls it on every new connection, so a token is always fresh. In connection-string mode the
 * token is minted locally; in Entra mode the service mints it (DefaultAzureCredential, loaded only then).
 */
export function clientAccessUrlProvider(access: RelayAccess, userId: string, role: PeerRole): () => Promise<string> {
  if (access.mode === 'client-access-url') return async () => access.url;

  const tokenOptions = {
    userId,
    roles: rolesFor(role, userId),
    groups: groupsAtConnect(role, userId),
    expirationTimeInMinutes: access.tokenLifetimeMinutes,
  };
  let client: Promise<WebPubSubServiceClient> | undefined;
  const serviceClient = (): Promise<WebPubSubServiceClient> => {
    client ??= import('@azure/web-pubsub').then(async ({ WebPubSubServiceClient }) => {
      if (access.mode === 'connection-string') return new WebPubSubServiceClient(access.connectionString, access.hub);
      const { DefaultAzureCredential } = await import('@azure/identity');
      return new WebPubSubServiceClient(access.endpoint, new DefaultAzureCredential(), access.hub);
    });
    return client;
  };
  return async () => {
    try {
      const { url } = await (await serviceClient()).getClientAccessToken(tokenOptions);
      return url;
    } catch (err) {
      client = undefined;
      const reason = redact(err instanceof Error ? err.message : String(err));
      throw new RemoteAgentError(
        access.mode === 'entra' ? ErrorCode.Unauthorized : ErrorCode.InvalidConfig,
        `could not get a client access token for ${describeRelay(access)}: ${reason}` +
          (access.mode === 'entra' ? ' (sign in with `az login` or give this machine an identity with the Web PubSub Service Owner role)' : ''),
      );
    }
  };
}

/**
 * The Web PubSub client subprotocol a peer speaks (both reliable): `protobuf` carries output and file chunks
 * as raw bytes, `json` as base64 text. Peers using either meet in the same groups, on the service and on the
 * built-in relay alike; `json` is the fallback should a deployment refuse protobuf.
 */
export type RelaySubprotocol = 'protobuf' | 'json';

export function relaySubprotocolFromEnv(env: NodeJS.ProcessEnv): RelaySubprotocol {
  const value = read(env, 'WEB_PUBSUB_PROTOCOL') ?? 'protobuf';
  if (value !== 'protobuf' && value !== 'json') throw invalid(`WEB_PUBSUB_PROTOCOL must be protobuf or json, got ${quote(value)}`);
  return value;
}
