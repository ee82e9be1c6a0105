import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';

/**
 * Client access tokens as Azure Web PubSub defines them: an HS256 JWT signed with the AccessKey's UTF-8
 * bytes, audience `{endpoint}/client/hubs/{hub}`, `sub` the user id, `role` and `webpubsub.group`
 * claims each a string or an array of strings.
 */
export interface ClientTokenClaims {
  userId: string | null;
  roles: string[];
  groups: string[];
  /** Milliseconds since the epoch. */
  expiresAt: number;
  audience: string;
}

export interface SignClientTokenOptions {
  accessKey: string;
  audience: string;
  userId?: string;
  roles?: string[];
  groups?: string[];
  /** Milliseconds since the epoch. */
  now: number;
  lifetimeSeconds: number;
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function base64url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}

function hmac(accessKey: string, signingInput: string): Buffer {
  return createHmac('sha256', Buffer.from(accessKey, 'utf8')).update(signingInput).digest();
}

/** Signs a token exactly as `@azure/web-pubsub` does with a connection string. */
export function signClientToken(opts: SignClientTokenOptions): string {
  const iat = Math.floor(opts.now / 1000);
  const payload: Record<string, unknown> = { iat, exp: iat + opts.lifetimeSeconds, aud: opts.audience };
  if (opts.userId !== undefined) payload.sub = opts.userId;
  if (opts.roles !== undefined) payload.role = opts.roles;
  if (opts.groups !== undefined) payload['webpubsub.group'] = opts.groups;
  const signingInput = `${HEADER}.${base64url(JSON.stringify(payload))}`;
  return `${signingInput}.${hmac(opts.accessKey, signingInput).toString('base64url')}`;
}

function unauthorized(message: string): RemoteAgentError {
  return new RemoteAgentError(ErrorCode.Unauthorized, message);
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw unauthorized(`access token ${what} is not base64url JSON: pass the token minted for this relay`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw unauthorized(`access token ${what} is not a JSON object: pass the token minted for this relay`);
  }
  return value as Record<string, unknown>;
}

function stringList(value: unknown, claim: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value;
  throw unauthorized(`access token claim "${claim}" must be a string or a list of strings`);
}

const B64URL = /^[A-Za-z0-9_-]*$/;
/** Tolerated difference between the minting and the verifying clock, as JWT libraries usually allow. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * Verifies a client access token: HS256 signature (compared in constant time), `exp` and `nbf` against
 * `now` (ms), and `aud` equal to `audience` (a trailing slash is ignored). Throws
 * RemoteAgentError(UNAUTHORIZED) whose message says what was wrong, never the token itself.
 */
export function verifyClientToken(token: string, opts: { accessKey: string; audience: string; now: number }): ClientTokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) {
    throw unauthorized('access token is not a JWT (three base64url parts): pass the token minted for this relay');
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart, 'header');
  if (header.alg !== 'HS256') {
    throw unauthorized(`access token algorithm must be HS256, got ${JSON.stringify(String(header.alg)).slice(0, 40)}`);
  }
  const expected = hmac(opts.accessKey, `${headerPart}.${payloadPart}`);
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw unauthorized('access token signature does not match this relay\'s AccessKey: mint it with the same connection string the relay uses');
  }

  const payload = decodeJson(payloadPart, 'payload');
  const nowSeconds = opts.now / 1000;
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) {
    throw unauthorized('access token has no "exp" claim: mint tokens with an expiry');
  }
  if (payload.exp <= nowSeconds) {
    throw unauthorized('access token has expired: mint a new one (clients do so on every new connection)');
  }
  if (typeof payload.nbf === 'number' && payload.nbf > nowSeconds + CLOCK_SKEW_SECONDS) {
    throw unauthorized('access token is not valid yet ("nbf" is in the future): check the clocks of both machines');
  }

  const audiences = stringList(payload.aud, 'aud');
  const wanted = opts.audience.replace(/\/+$/, '');
  if (!audiences.some((a) => a.replace(/\/+$/, '') === wanted)) {
    throw unauthorized(
      `access token audience does not match ${wanted}: mint it for this hub with the connection string whose Endpoint clients use`,
    );
  }

  const sub = payload.sub;
  if (sub !== undefined && typeof sub !== 'string') throw unauthorized('access token claim "sub" must be a string');
  return {
    userId: sub === undefined || sub === '' ? null : sub,
    roles: stringList(payload.role, 'role'),
    groups: stringList(payload['webpubsub.group'], 'webpubsub.group'),
    expiresAt: payload.exp * 1000,
    audience: wanted,
  };
}
