import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytes, ms, perUnit, seconds, signedMs } from './format.js';

test('formats used by the tables', () => {
  assert.equal(ms(2.345), '2.35');
  assert.equal(ms(1234.4), '1234');
  assert.equal(ms(Number.NaN), '-');
  assert.equal(signedMs(1.5), '+1.50 ms');
  assert.equal(signedMs(-0.25), '-0.25 ms');
  assert.equal(bytes(512), '512 B');
  assert.equal(bytes(10 * 1024), '10.0 KiB');
  assert.equal(bytes(386 * 2 ** 20), '386 MiB');
  assert.equal(bytes(null), '-');
  assert.equal(perUnit(-1000), '~0 (noise)');
  assert.equal(perUnit(11 * 1024), '11.0 KiB');
  assert.equal(seconds(2250), '2.25 s');
  assert.equal(seconds(null), 'not all');
});
