import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { signClientToken, verifyClientToken } from './token.js';

const KEY = 'key-for-token-tests';
const AUD = 'http://127.0.0.1:8080/client/hubs/rexec';
const NOW = 1_800_000_000_000;

function token(overrides: Partial<Parameters<typeof signClientToken>[0]> = {}): string {
  return signClientToken({ accessKey: KEY, audience: AUD, userId: 'exec-1', roles: ['webpubsub.sendToGroup.g'], groups: ['g'], now: NOW, lifetimeSeconds: 3600, ...overrides });
}

/** A token with exactly this payload, correctly signed, to test claim checks one at a time. */
function signRaw(payload: Record<string, unknown>): string {
  const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const sig = createHmac('sha256', Buffer.from(KEY, 'utf8')).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${sig}`;
}

function rejected(t: string, includes: RegExp, opts: { accessKey?: string; audience?: string; now?: number } = {}): void {
  assert.throws(
    () => verifyClientToken(t, { accessKey: opts.accessKey ?? KEY, audience: opts.audience ?? AUD, now: opts.now ?? NOW }),
    (err: unknown) => {
      assert.ok(err instanceof RemoteAgentError);
      assert.equal(err.code, ErrorCode.Unauthorized);
      assert.match(err.message, includes);
      if (t.length > 8) assert.ok(!err.message.includes(t), 'the token never appears in a message');
      return true;
    },
  );
}

test('a signed token verifies with its claims', () => {
  const claims = verifyClientToken(token(), { accessKey: KEY, audience: AUD, now: NOW });
  assert.deepEqual(claims, { userId: 'exec-1', roles: ['webpubsub.sendToGroup.g'], groups: ['g'], expiresAt: NOW + 3_600_000, audience: AUD });
});

test('an expired token is refused', () => {
  rejected(token(), /expired/, { now: NOW + 3_600_000 });
  rejected(token({ lifetimeSeconds: 1 }), /expired/, { now: NOW + 1_000 });
});

test('a token signed with another key is refused', () => {
  rejected(token({ accessKey: 'another-key' }), /signature/);
});

test('a tampered payload is refused', () => {
  const [h, , s] = token().split('.');
  const forged = Buffer.from(JSON.stringify({ aud: AUD, exp: NOW / 1000 + 99999, role: ['webpubsub.sendToGroup'] })).toString('base64url');
  rejected(`${h}.${forged}.${s}`, /signature/);
});

test('another audience (endpoint or hub) is refused', () => {
  rejected(token(), /audience/, { audience: 'http://127.0.0.1:8080/client/hubs/other' });
  rejected(token({ audience: 'http://elsewhere:8080/client/hubs/rexec' }), /audience/);
});

test('a trailing slash on the audience is tolerated', () => {
  assert.equal(verifyClientToken(token({ audience: `${AUD}/` }), { accessKey: KEY, audience: AUD, now: NOW }).userId, 'exec-1');
});

test('alg none and malformed tokens are refused', () => {
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${token().split('.')[1]}.`;
  rejected(none, /HS256/);
  rejected('not-a-jwt', /JWT/);
  rejected('a.b.c', /base64url JSON/);
  rejected('', /JWT/);
});

test('a token without exp, or not valid yet, is refused', () => {
  rejected(signRaw({ aud: AUD }), /exp/);
  rejected(signRaw({ aud: AUD, exp: NOW / 1000 + 600, nbf: NOW / 1000 + 300 }), /not valid yet/);
});

test('role and group claims may be single strings; no sub means no user id', () => {
  const t = signRaw({ aud: [AUD], exp: NOW / 1000 + 60, role: 'webpubsub.joinLeaveGroup', 'webpubsub.group': 'g1' });
  const claims = verifyClientToken(t, { accessKey: KEY, audience: AUD, now: NOW });
  assert.deepEqual([claims.userId, claims.roles, claims.groups], [null, ['webpubsub.joinLeaveGroup'], ['g1']]);
});

test('tokens minted by @azure/web-pubsub verify, with roles and groups', async () => {
  const cs = `Endpoint=http://127.0.0.1;Port=8080;AccessKey=${KEY};Version=1.0;`;
  const { token: sdkToken } = await new WebPubSubServiceClient(cs, 'rexec').getClientAccessToken({
    userId: 'd1',
    roles: ['webpubsub.sendToGroups.ra.exec.**'],
    groups: ['ra.presence'],
    expirationTimeInMinutes: 5,
  });
  const now = Date.now();
  const claims = verifyClientToken(sdkToken, { accessKey: KEY, audience: AUD, now });
  assert.deepEqual([claims.userId, claims.roles, claims.groups], ['d1', ['webpubsub.sendToGroups.ra.exec.**'], ['ra.presence']]);
  assert.ok(claims.expiresAt > now && claims.expiresAt <= now + 5 * 60_000 + 1000);
  rejected(sdkToken, /expired/, { now: now + 6 * 60_000 });
});

test('a claim of the wrong type is refused', () => {
  rejected(signRaw({ aud: AUD, exp: NOW / 1000 + 60, role: [1] }), /role/);
  rejected(signRaw({ aud: AUD, exp: NOW / 1000 + 60, sub: 5 }), /sub/);
});
