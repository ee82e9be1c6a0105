import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { clientAccessUrlProvider, describeRelay, relayAccessFromEnv } from './access.js';
import { verifyClientToken } from './token.js';

const KEY = 'access-test-key';
const CS = `Endpoint=http://127.0.0.1;Port=8080;AccessKey=${KEY};Version=1.0;`;
const URL_WITH_TOKEN = 'wss://x.webpubsub.azure.com/client/hubs/rexec?access_token=eyJsecret.part.sig';

function refusedNaming(env: NodeJS.ProcessEnv, role: 'executor' | 'daemon', variable: string, secret?: string): void {
  assert.throws(
    () => relayAccessFromEnv(env, role),
    (err: unknown) => {
      assert.ok(err instanceof RemoteAgentError);
      assert.equal(err.code, ErrorCode.InvalidConfig);
      assert.ok(err.message.includes(variable), `${err.message} names ${variable}`);
      if (secret !== undefined) assert.ok(!err.message.includes(secret), 'no secret in the message');
      return true;
    },
  );
}

test('nothing configured means no relay (the daemon embeds one)', () => {
  assert.equal(relayAccessFromEnv({}, 'daemon'), null);
  assert.equal(relayAccessFromEnv({ WEB_PUBSUB_CONNECTION_STRING: '  ' }, 'executor'), null);
});

test('connection string with the default hub and token lifetime', () => {
  assert.deepEqual(relayAccessFromEnv({ WEB_PUBSUB_CONNECTION_STRING: CS }, 'executor'), {
    mode: 'connection-string',
    connectionString: CS,
    hub: 'rexec',
    tokenLifetimeMinutes: 60,
  });
});

test('the role picks EXECUTOR_* or DAEMON_* names', () => {
  const env = { WEB_PUBSUB_CONNECTION_STRING: CS, WEB_PUBSUB_HUB: 'h2', EXECUTOR_TOKEN_EXPIRATION_MINUTES: '5', DAEMON_TOKEN_EXPIRATION_MINUTES: '7' };
  assert.equal((relayAccessFromEnv(env, 'executor') as { tokenLifetimeMinutes: number }).tokenLifetimeMinutes, 5);
  assert.equal((relayAccessFromEnv(env, 'daemon') as { tokenLifetimeMinutes: number; hub: string }).tokenLifetimeMinutes, 7);
  assert.equal((relayAccessFromEnv(env, 'daemon') as { hub: string }).hub, 'h2');
  assert.deepEqual(relayAccessFromEnv({ DAEMON_CLIENT_ACCESS_URL: URL_WITH_TOKEN, EXECUTOR_CLIENT_ACCESS_URL: 'nonsense' }, 'daemon'), {
    mode: 'client-access-url',
    url: URL_WITH_TOKEN,
  });
});

test('precedence: client access URL, then connection string, then endpoint', () => {
  const all = { EXECUTOR_CLIENT_ACCESS_URL: URL_WITH_TOKEN, WEB_PUBSUB_CONNECTION_STRING: CS, WEB_PUBSUB_ENDPOINT: 'https://x.webpubsub.azure.com' };
  assert.equal(relayAccessFromEnv(all, 'executor')?.mode, 'client-access-url');
  assert.equal(relayAccessFromEnv({ ...all, EXECUTOR_CLIENT_ACCESS_URL: '' }, 'executor')?.mode, 'connection-string');
  assert.deepEqual(relayAccessFromEnv({ WEB_PUBSUB_ENDPOINT: 'https://x.webpubsub.azure.com/' }, 'executor'), {
    mode: 'entra',
    endpoint: 'https://x.webpubsub.azure.com',
    hub: 'rexec',
    tokenLifetimeMinutes: 60,
  });
});

test('each bad variable is named, and secrets are not repeated', () => {
  refusedNaming({ WEB_PUBSUB_CONNECTION_STRING: 'Endpoint=http://h;AccessKey=' }, 'executor', 'WEB_PUBSUB_CONNECTION_STRING');
  refusedNaming({ WEB_PUBSUB_CONNECTION_STRING: `AccessKey=${KEY}` }, 'executor', 'WEB_PUBSUB_CONNECTION_STRING', KEY);
  refusedNaming({ WEB_PUBSUB_CONNECTION_STRING: CS, WEB_PUBSUB_HUB: 'bad-hub' }, 'executor', 'WEB_PUBSUB_HUB');
  refusedNaming({ WEB_PUBSUB_CONNECTION_STRING: CS, EXECUTOR_TOKEN_EXPIRATION_MINUTES: '0' }, 'executor', 'EXECUTOR_TOKEN_EXPIRATION_MINUTES');
  refusedNaming({ WEB_PUBSUB_CONNECTION_STRING: CS, DAEMON_TOKEN_EXPIRATION_MINUTES: 'soon' }, 'daemon', 'DAEMON_TOKEN_EXPIRATION_MINUTES');
  refusedNaming({ WEB_PUBSUB_ENDPOINT: 'not a url' }, 'daemon', 'WEB_PUBSUB_ENDPOINT');
  refusedNaming({ WEB_PUBSUB_ENDPOINT: 'ftp://x' }, 'daemon', 'WEB_PUBSUB_ENDPOINT');
  refusedNaming({ EXECUTOR_CLIENT_ACCESS_URL: 'https://x/elsewhere?access_token=eyJsecret' }, 'executor', 'EXECUTOR_CLIENT_ACCESS_URL', 'eyJsecret');
  refusedNaming({ DAEMON_CLIENT_ACCESS_URL: 'wss://x/client/hubs/h' }, 'daemon', 'DAEMON_CLIENT_ACCESS_URL');
  refusedNaming({ DAEMON_CLIENT_ACCESS_URL: 'not a url eyJsecret' }, 'daemon', 'DAEMON_CLIENT_ACCESS_URL', 'eyJsecret');
});

test('describeRelay never shows a token or key', () => {
  assert.equal(describeRelay({ mode: 'client-access-url', url: URL_WITH_TOKEN }), 'wss://x.webpubsub.azure.com/client/hubs/rexec');
  assert.equal(
    describeRelay({ mode: 'connection-string', connectionString: CS, hub: 'rexec', tokenLifetimeMinutes: 60 }),
    'http://127.0.0.1:8080/client/hubs/rexec',
  );
});

test('a minted URL carries a fresh least-privilege token for the peer', async () => {
  const provider = clientAccessUrlProvider(
    { mode: 'connection-string', connectionString: CS, hub: 'rexec', tokenLifetimeMinutes: 10 },
    'gpu-1',
    'executor',
  );
  const url = new URL(await provider());
  assert.equal(`${url.origin}${url.pathname}`, 'ws://127.0.0.1:8080/client/hubs/rexec');
  const now = Date.now();
  const claims = verifyClientToken(url.searchParams.get('access_token') ?? '', {
    accessKey: KEY,
    audience: 'http://127.0.0.1:8080/client/hubs/rexec',
    now,
  });
  assert.equal(claims.userId, 'gpu-1');
  assert.deepEqual(claims.groups, ['ra.discovery', 'ra.exec.gpu-1']);
  assert.ok(claims.roles.includes('webpubsub.joinLeaveGroup.ra.exec.gpu-1'));
  assert.ok(!claims.roles.some((r) => r.includes('ra.exec.**')), 'an executor cannot send to other executors');
  assert.ok(claims.expiresAt <= now + 10 * 60_000 + 1000 && claims.expiresAt > now + 9 * 60_000);
});

test('a given client access URL is returned as is', async () => {
  assert.equal(await clientAccessUrlProvider({ mode: 'client-access-url', url: URL_WITH_TOKEN }, 'x', 'daemon')(), URL_WITH_TOKEN);
});
