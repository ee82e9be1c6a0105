import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUsageReader, parseProcStat, parsePsTime, parseVmRss, usageDelta } from './proc-usage.js';

test('parseProcStat reads utime + stime even when the name has spaces and parentheses', () => {
  const stat = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 1000 0 0';
  assert.equal(parseProcStat(stat, 100), 3000);
});

test('parseVmRss and parsePsTime', () => {
  assert.equal(parseVmRss('Name:\tnode\nVmRSS:\t   2048 kB\nThreads: 7\n'), 2048 * 1024);
  assert.ok(Number.isNaN(parseVmRss('Name: x')));
  assert.equal(parsePsTime('01:02.50'), 62_500);
  assert.equal(parsePsTime('1-00:00:01'), 86_401_000);
});

test('usageDelta gives CPU as a share of one core', () => {
  const d = usageDelta({ rssBytes: 1, cpuMs: 100, atMs: 0 }, { rssBytes: 5, cpuMs: 600, atMs: 1000 });
  assert.deepEqual(d, { rssBytes: 5, cpuMs: 500, windowMs: 1000, cpuPercent: 50 });
});

test('the reader sees this very process', { skip: process.platform === 'win32' }, () => {
  const usage = createUsageReader()(process.pid);
  assert.ok(usage !== null);
  assert.ok(usage.rssBytes > 1024 * 1024);
  assert.ok(usage.cpuMs >= 0);
  assert.equal(createUsageReader()(2 ** 30), null);
});
