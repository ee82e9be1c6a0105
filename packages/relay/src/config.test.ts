import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { relayConfigFromEnv } from './config.js';

const KEY = 'relay-config-test-key';
const CS = `Endpoint=http://127.0.0.1;Port=9100;AccessKey=${KEY};Version=1.0;`;

function refusedNaming(env: NodeJS.ProcessEnv, ...variables: string[]): void {
  assert.throws(
    () => relayConfigFromEnv(env),
    (err: unknown) => {
      assert.ok(err instanceof RemoteAgentError);
      assert.equal(err.code, ErrorCode.InvalidConfig);
      for (const v of variables) assert.ok(err.message.includes(v), `${err.message} names ${v}`);
      assert.ok(!err.message.includes(KEY), 'the key never appears');
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('defaults: loopback, the connection string port, info logs', () => {
  assert.deepEqual(relayConfigFromEnv({ WEB_PUBSUB_CONNECTION_STRING: CS }), {
    host: '127.0.0.1',
    port: 9100,
    endpoint: 'http://127.0.0.1:9100',
    accessKey: KEY,
    hubs: null,
    log: { level: 'info', format: 'text' },
  });
});

test('RELAY_PORT overrides; without any port the relay listens on 8080', () => {
  assert.equal(relayConfigFromEnv({ WEB_PUBSUB_CONNECTION_STRING: CS, RELAY_PORT: '9200' }).port, 9200);
  const proxied = relayConfigFromEnv({ WEB_PUBSUB_CONNECTION_STRING: `Endpoint=https://relay.example.com;AccessKey=${KEY};Version=1.0;` });
  assert.equal(proxied.port, 8080);
  assert.equal(proxied.endpoint, 'https://relay.example.com');
});

test('host, hubs and log settings', () => {
  const c = relayConfigFromEnv({ WEB_PUBSUB_CONNECTION_STRING: CS, RELAY_HOST: '0.0.0.0', RELAY_HUBS: 'rexec, other', LOG_LEVEL: 'DEBUG', LOG_FORMAT: 'json' });
  assert.deepEqual([c.host, c.hubs, c.log], ['0.0.0.0', ['rexec', 'other'], { level: 'debug', format: 'json' }]);
});

test('each bad variable is named, all in one line', () => {
  refusedNaming({}, 'WEB_PUBSUB_CONNECTION_STRING');
  refusedNaming({ WEB_PUBSUB_CONNECTION_STRING: `Endpoint=http://h;Port=x;AccessKey=${KEY}` }, 'WEB_PUBSUB_CONNECTION_STRING');
  refusedNaming({ WEB_PUBSUB_CONNECTION_STRING: CS, RELAY_PORT: '70000' }, 'RELAY_PORT');
  refusedNaming({ WEB_PUBSUB_CONNECTION_STRING: CS, RELAY_HOST: 'a b' }, 'RELAY_HOST');
  refusedNaming({ WEB_PUBSUB_CONNECTION_STRING: CS, RELAY_HUBS: 'ok,1bad' }, 'RELAY_HUBS');
  refusedNaming({ WEB_PUBSUB_CONNECTION_STRING: CS, LOG_LEVEL: 'loud', LOG_FORMAT: 'xml', RELAY_PORT: '-1' }, 'LOG_LEVEL', 'LOG_FORMAT', 'RELAY_PORT');
});
