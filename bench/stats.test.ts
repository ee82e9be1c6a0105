import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, mibPerSecond, percentile, SampleBuffer, summarize } from './stats.js';

test('percentile uses the nearest rank', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 95), 95);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('summarize sorts the samples and reports the spread', () => {
  const s = summarize([5, 1, 4, 2, 3]);
  assert.deepEqual(s, { samples: 5, p50Ms: 3, p95Ms: 5, p99Ms: 5, meanMs: 3, minMs: 1, maxMs: 5 });
});

test('mibPerSecond and median', () => {
  assert.equal(mibPerSecond(64 * 1024 * 1024, 500), 128);
  assert.ok(Number.isNaN(mibPerSecond(1, 0)));
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('SampleBuffer grows past its capacity and keeps order', () => {
  const buf = new SampleBuffer(2);
  for (let i = 0; i < 5; i++) buf.push(i);
  assert.equal(buf.length, 5);
  assert.deepEqual([...buf.values()], [0, 1, 2, 3, 4]);
});
