import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { clientHubUrl, formatConnectionString, parseConnectionString } from './connection-string.js';
import { verifyClientToken } from './token.js';

const KEY = 'a-test-key-made-for-this-file-only=';

function refused(fn: () => unknown, includes: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RemoteAgentError);
    assert.equal(err.code, ErrorCode.InvalidConfig);
    assert.match(err.message, new RegExp(includes));
    assert.ok(!err.message.includes(KEY), 'the access key never appears in a message');
    return true;
  });
}

test('parses endpoint, key, version and port', () => {
  const parts = parseConnectionString(`Endpoint=http://127.0.0.1;Port=8080;AccessKey=${KEY};Version=1.0;`);
  assert.deepEqual(parts, { endpoint: 'http://127.0.0.1:8080', accessKey: KEY, version: '1.0', port: 8080 });
});

test('keys are case-insensitive, order free, and a key may contain "="', () => {
  const parts = parseConnectionString(`accesskey=${KEY};version=1.0;endpoint=https://Name.WebPubSub.Azure.com/`);
  assert.equal(parts.endpoint, 'https://name.webpubsub.azure.com');
  assert.equal(parts.accessKey, KEY);
  assert.equal(parts.port, undefined);
});

test('an endpoint without a scheme is https, and a default port is dropped as the SDK does', () => {
  assert.equal(parseConnectionString(`Endpoint=x.webpubsub.azure.com;AccessKey=${KEY}`).endpoint, 'https://x.webpubsub.azure.com');
  const parts = parseConnectionString(`Endpoint=https://x.example;Port=443;AccessKey=${KEY}`);
  assert.equal(parts.endpoint, 'https://x.example');
  assert.equal(parts.port, undefined);
  assert.equal(parseConnectionString(`Endpoint=http://h:9000;AccessKey=${KEY}`).port, 9000);
});

test('missing or bad parts are refused without echoing the key', () => {
  refused(() => parseConnectionString(`AccessKey=${KEY};Version=1.0;`), 'no Endpoint');
  refused(() => parseConnectionString('Endpoint=http://h;Version=1.0;'), 'no AccessKey');
  refused(() => parseConnectionString(`Endpoint=http://h;Port=99999;AccessKey=${KEY}`), 'Port');
  refused(() => parseConnectionString(`Endpoint=http://h;Port=abc;AccessKey=${KEY}`), 'Port');
  refused(() => parseConnectionString(`Endpoint=ftp://h;AccessKey=${KEY}`), 'http');
  refused(() => parseConnectionString(`Endpoint=http://h;AccessKey=${KEY};garbage`), 'without "="');
  refused(() => parseConnectionString(`Endpoint=http://h?x=1;AccessKey=${KEY}`), 'query');
});

test('the name given appears in the message', () => {
  refused(() => parseConnectionString('Endpoint=http://h', 'WEB_PUBSUB_CONNECTION_STRING'), 'WEB_PUBSUB_CONNECTION_STRING has no AccessKey');
});

test('format and parse round-trip', () => {
  const text = formatConnectionString({ endpoint: 'http://127.0.0.1:8766', accessKey: KEY });
  assert.equal(text, `Endpoint=http://127.0.0.1;AccessKey=${KEY};Version=1.0;Port=8766;`);
  assert.deepEqual(parseConnectionString(text), { endpoint: 'http://127.0.0.1:8766', accessKey: KEY, version: '1.0', port: 8766 });
});

test('the audience derived from a parsed string is the one @azure/web-pubsub signs', async () => {
  for (const cs of [
    `Endpoint=http://127.0.0.1;Port=8080;AccessKey=${KEY};Version=1.0;`,
    `Endpoint=https://Relay.Example.com/;AccessKey=${KEY};Version=1.0;`,
    `Endpoint=http://localhost:9001;AccessKey=${KEY};Version=1.0;`,
  ]) {
    const { token, url } = await new WebPubSubServiceClient(cs, 'rexec').getClientAccessToken({ userId: 'u' });
    const endpoint = parseConnectionString(cs).endpoint;
    const claims = verifyClientToken(token, { accessKey: KEY, audience: clientHubUrl(endpoint, 'rexec'), now: Date.now() });
    assert.equal(claims.userId, 'u');
    assert.ok(url.startsWith(clientHubUrl(endpoint, 'rexec').replace(/^http/, 'ws')), url.split('?')[0]);
  }
});
