import type { IncomingHttpHeaders } from 'node:http';
import { RemoteAgentError } from '@remote-agent/contracts';
import { clientHubUrl, HUB_NAME_PATTERN, verifyClientToken, type ClientTokenClaims } from '@remote-agent/transport';
import { SUBPROTOCOLS, subprotocolNamed, type Subprotocol } from './subprotocols.js';

export type UpgradeDecision =
  | { kind: 'refuse'; status: 400 | 401 | 403 | 404; reason: string }
  | { kind: 'connect'; hub: string; protocol: Subprotocol; claims: ClientTokenClaims }
  | { kind: 'recover'; hub: string; protocol: Subprotocol; connectionId: string; reconnectionToken: string };

export interface UpgradeContext {
  accessKey: string;
  /** The endpoint clients were given; tokens must carry `{endpoint}/client/hubs/{hub}` as audience. */
  endpoint: string;
  /** Hubs served, or null for any. */
  hubs: ReadonlySet<string> | null;
  now: number;
}

const CLIENT_PATH = /^\/client(?:\/hubs\/([^/]+))?\/?$/;

/** The path of a client endpoint (`/client/hubs/{hub}` or `/client?hub={hub}`), or null. */
export function clientHubOf(rawUrl: string | undefined): { hub: string | null; query: URLSearchParams } | null {
  let url: URL;
  try {
    url = new URL(rawUrl ?? '/', 'http://relay.invalid');
  } catch {
    return null;
  }
  const match = CLIENT_PATH.exec(url.pathname);
  if (!match) return null;
  let hub: string | null = url.searchParams.get('hub');
  if (match[1] !== undefined) {
    try {
      hub = decodeURIComponent(match[1]);
    } catch {
      hub = null;
    }
  }
  return { hub, query: url.searchParams };
}

/**
 * The first reliable subprotocol the client offers, else the first plain one; null when it offers none the
 * relay serves. (The SDKs offer exactly one.)
 */
export function chooseProtocol(offered: Iterable<string>): Subprotocol | null {
  let plain: Subprotocol | null = null;
  for (const name of offered) {
    const protocol = subprotocolNamed(name);
    if (protocol?.reliable) return protocol;
    plain ??= protocol ?? null;
  }
  return plain;
}

function offeredProtocols(headers: IncomingHttpHeaders): string[] {
  const header = headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header.split(',').map((p) => p.trim());
}

function bearerToken(headers: IncomingHttpHeaders): string | null {
  const header = headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/**
 * Decides a WebSocket upgrade as the service does: a known client path and hub, a supported subprotocol,
 * then either a recovery (checked against the session later, refused with close code 1008) or an access
 * token verified here (refused with 401 before any WebSocket exists).
 */
export function decideUpgrade(req: { url?: string | undefined; headers: IncomingHttpHeaders }, ctx: UpgradeContext): UpgradeDecision {
  const target = clientHubOf(req.url);
  if (target === null) return { kind: 'refuse', status: 404, reason: 'not a client endpoint: connect to /client/hubs/{hub}' };
  const { hub, query } = target;
  if (hub === null || !HUB_NAME_PATTERN.test(hub)) {
    return { kind: 'refuse', status: 400, reason: 'hub name missing or invalid: a letter, then letters, digits or "_"' };
  }
  const protocol = chooseProtocol(offeredProtocols(req.headers));
  if (protocol === null) {
    // Deliberate difference: the service also serves simple WebSocket clients (no subprotocol); the relay
    // speaks only the Web PubSub subprotocols.
    return {
      kind: 'refuse',
      status: 400,
      reason: `unsupported WebSocket subprotocol: use one of ${SUBPROTOCOLS.map((p) => p.name).join(', ')}`,
    };
  }

  const connectionId = query.get('awps_connection_id');
  const reconnectionToken = query.get('awps_reconnection_token');
  if (connectionId !== null || reconnectionToken !== null) {
    // A recovery needs no access token (it may have expired since): the reconnection token is the proof.
    return { kind: 'recover', hub, protocol, connectionId: connectionId ?? '', reconnectionToken: reconnectionToken ?? '' };
  }

  const token = query.get('access_token') ?? bearerToken(req.headers);
  if (!token) {
    return { kind: 'refuse', status: 401, reason: 'no access token: connect with ?access_token=<token> or an Authorization: Bearer header' };
  }
  let claims: ClientTokenClaims;
  try {
    claims = verifyClientToken(token, { accessKey: ctx.accessKey, audience: clientHubUrl(ctx.endpoint, hub), now: ctx.now });
  } catch (err) {
    return { kind: 'refuse', status: 401, reason: err instanceof RemoteAgentError ? err.message : 'access token rejected' };
  }
  if (ctx.hubs !== null && !ctx.hubs.has(hub)) {
    return { kind: 'refuse', status: 403, reason: `hub ${hub} is not served by this relay` };
  }
  return { kind: 'connect', hub, protocol, claims };
}
