import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostAllowList } from './host-check.js';

const defaults = new HostAllowList(['localhost', '127.0.0.1', '[::1]']);

test('the default hosts pass with or without a port', () => {
  for (const host of ['localhost', 'localhost:8765', '127.0.0.1:8765', '[::1]:8765', '[::1]', 'LOCALHOST:1']) {
    assert.equal(defaults.allowsHost(host), true, host);
  }
});

test('foreign, missing or malformed Host headers are refused', () => {
  for (const host of [undefined, '', 'evil.example', 'evil.example:8765', 'localhost.evil.example', '127.0.0.2', 'user@localhost', 'localhost/x']) {
    assert.equal(defaults.allowsHost(host), false, String(host));
  }
});

test('an entry with a port allows only that port; bare IPv6 entries work', () => {
  const list = new HostAllowList(['devbox:8765', '::1']);
  assert.equal(list.allowsHost('devbox:8765'), true);
  assert.equal(list.allowsHost('devbox:9999'), false);
  assert.equal(list.allowsHost('devbox'), false);
  assert.equal(list.allowsHost('[::1]:8765'), true);
});

test('origins are checked by host name; "null" and other schemes are refused', () => {
  assert.equal(defaults.allowsOrigin('http://localhost:6274'), true);
  assert.equal(defaults.allowsOrigin('https://127.0.0.1'), true);
  assert.equal(defaults.allowsOrigin('http://[::1]:3000'), true);
  assert.equal(defaults.allowsOrigin('https://evil.example'), false);
  assert.equal(defaults.allowsOrigin('http://localhost.evil.example'), false);
  assert.equal(defaults.allowsOrigin('null'), false);
  assert.equal(defaults.allowsOrigin('file://localhost'), false);
  assert.equal(new HostAllowList(['app.local:443']).allowsOrigin('https://app.local'), true);
});
