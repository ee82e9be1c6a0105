import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signClientToken } from '@remote-agent/transport';
import { subprotocolNamed } from './subprotocols.js';
import { chooseProtocol, decideUpgrade, type UpgradeContext } from './upgrade.js';

const KEY = 'upgrade-test-key';
const NOW = 1_800_000_000_000;
const ctx: UpgradeContext = { accessKey: KEY, endpoint: 'http://127.0.0.1:8080', hubs: null, now: NOW };
const RELIABLE = { 'sec-websocket-protocol': 'json.reliable.webpubsub.azure.v1' };

function tokenFor(hub: string, overrides: { accessKey?: string; now?: number } = {}): string {
  return signClientToken({
    accessKey: overrides.accessKey ?? KEY,
    audience: `http://127.0.0.1:8080/client/hubs/${hub}`,
    userId: 'u1',
    roles: ['webpubsub.joinLeaveGroup.g'],
    groups: ['g'],
    now: overrides.now ?? NOW,
    lifetimeSeconds: 60,
  });
}

function decide(url: string, headers: Record<string, string> = RELIABLE, context: UpgradeContext = ctx) {
  return decideUpgrade({ url, headers }, context);
}

test('a valid token on /client/hubs/{hub} connects with its claims', () => {
  const d = decide(`/client/hubs/rexec?access_token=${tokenFor('rexec')}`);
  assert.equal(d.kind, 'connect');
  if (d.kind !== 'connect') return;
  assert.deepEqual([d.hub, d.protocol.name, d.protocol.reliable, d.claims.userId, d.claims.groups], ['rexec', 'json.reliable.webpubsub.azure.v1', true, 'u1', ['g']]);
});

test('the hub may be a query parameter and the token a Bearer header', () => {
  const d = decide('/client/?hub=rexec', { ...RELIABLE, authorization: `Bearer ${tokenFor('rexec')}` });
  assert.equal(d.kind, 'connect');
});

test('refusals: no token, bad/expired/foreign tokens, wrong hub, unknown path, bad hub name', () => {
  const cases: Array<[string, Record<string, string>, number, RegExp, UpgradeContext?]> = [
    ['/client/hubs/rexec', RELIABLE, 401, /no access token/],
    ['/client/hubs/rexec?access_token=garbage', RELIABLE, 401, /JWT/],
    [`/client/hubs/rexec?access_token=${tokenFor('rexec', { accessKey: 'other' })}`, RELIABLE, 401, /signature/],
    [`/client/hubs/rexec?access_token=${tokenFor('rexec', { now: NOW - 120_000 })}`, RELIABLE, 401, /expired/],
    [`/client/hubs/other?access_token=${tokenFor('rexec')}`, RELIABLE, 401, /audience/],
    [`/client/hubs/rexec?access_token=${tokenFor('rexec')}`, RELIABLE, 403, /not served/, { ...ctx, hubs: new Set(['other']) }],
    ['/elsewhere', RELIABLE, 404, /client endpoint/],
    ['/client/hubs/9bad', RELIABLE, 400, /hub/],
    ['/client', RELIABLE, 400, /hub/],
    [`/client/hubs/rexec?access_token=${tokenFor('rexec')}`, {}, 400, /subprotocol/],
    [`/client/hubs/rexec?access_token=${tokenFor('rexec')}`, { 'sec-websocket-protocol': 'mqtt.webpubsub.azure.v1' }, 400, /subprotocol: use one of .*protobuf\.reliable\.webpubsub\.azure\.v1/],
  ];
  for (const [url, headers, status, reason, context] of cases) {
    const d = decide(url, headers, context);
    assert.equal(d.kind, 'refuse', url);
    if (d.kind !== 'refuse') continue;
    assert.equal(d.status, status, url);
    assert.match(d.reason, reason, url);
  }
});

test('a recovery needs no access token; the session check comes later', () => {
  const d = decide('/client/hubs/rexec?access_token=expired.or.junk&awps_connection_id=c1&awps_reconnection_token=t1');
  assert.deepEqual(d, { kind: 'recover', hub: 'rexec', protocol: subprotocolNamed('json.reliable.webpubsub.azure.v1'), connectionId: 'c1', reconnectionToken: 't1' });
  const p = decide('/client/hubs/rexec?awps_connection_id=c1&awps_reconnection_token=t1', { 'sec-websocket-protocol': 'protobuf.reliable.webpubsub.azure.v1' });
  assert.equal(p.kind === 'recover' && p.protocol.name, 'protobuf.reliable.webpubsub.azure.v1');
});

test('the four Web PubSub subprotocols connect, each with its wire format', () => {
  const url = `/client/hubs/rexec?access_token=${tokenFor('rexec')}`;
  const seen = ['json.webpubsub.azure.v1', 'json.reliable.webpubsub.azure.v1', 'protobuf.webpubsub.azure.v1', 'protobuf.reliable.webpubsub.azure.v1'].map((name) => {
    const d = decide(url, { 'sec-websocket-protocol': name });
    assert.equal(d.kind, 'connect', name);
    return d.kind === 'connect' ? [d.protocol.name, d.protocol.reliable, d.protocol.codec.format] : null;
  });
  assert.deepEqual(seen, [
    ['json.webpubsub.azure.v1', false, 'json'],
    ['json.reliable.webpubsub.azure.v1', true, 'json'],
    ['protobuf.webpubsub.azure.v1', false, 'protobuf'],
    ['protobuf.reliable.webpubsub.azure.v1', true, 'protobuf'],
  ]);
});

test('a reliable protocol is preferred when several are offered, else the first offered', () => {
  const choose = (offered: string[]) => chooseProtocol(offered)?.name ?? null;
  assert.equal(choose(['json.webpubsub.azure.v1', 'json.reliable.webpubsub.azure.v1']), 'json.reliable.webpubsub.azure.v1');
  assert.equal(choose(['protobuf.webpubsub.azure.v1', 'json.reliable.webpubsub.azure.v1']), 'json.reliable.webpubsub.azure.v1');
  assert.equal(choose(['protobuf.reliable.webpubsub.azure.v1', 'json.reliable.webpubsub.azure.v1']), 'protobuf.reliable.webpubsub.azure.v1');
  assert.equal(choose(['mqtt', 'protobuf.webpubsub.azure.v1', 'json.webpubsub.azure.v1']), 'protobuf.webpubsub.azure.v1');
  assert.equal(choose(['json.webpubsub.azure.v1']), 'json.webpubsub.azure.v1');
  assert.equal(choose(['mqtt']), null);
});
