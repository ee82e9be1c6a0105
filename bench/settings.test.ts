import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RemoteAgentError } from '@remote-agent/contracts';
import { parseArgs, PHASES } from './settings.js';

const BENCH = '/repo/bench';

function settingsOf(argv: string[]) {
  const parsed = parseArgs(argv, BENCH, '/work');
  assert.equal(parsed.help, false);
  if (parsed.help) throw new Error('unreachable');
  return parsed.settings;
}

test('a full run measures every phase, writes results.json and refreshes the README', () => {
  const s = settingsOf([]);
  assert.equal(s.quick, false);
  assert.deepEqual(s.phases, [...PHASES]);
  assert.equal(s.outFile, '/repo/bench/results.json');
  assert.equal(s.updateReadme, true);
  assert.equal(s.profileDir, null);
  assert.deepEqual(s.scale.sizes, [100, 1000, 5000]);
  assert.ok(s.latency.calls >= 200, 'several hundred calls');
});

test('--quick is small, keeps the committed results and the README untouched', () => {
  const s = settingsOf(['--quick']);
  assert.equal(s.outFile, '/repo/bench/results.local.json');
  assert.equal(s.updateReadme, false);
  assert.deepEqual(s.scale.sizes, [100]);
  assert.ok(s.latency.calls < settingsOf([]).latency.calls);
});

test('--only and --out select phases and the output file', () => {
  const s = settingsOf(['--only', 'scale,latency', '--out=out/r.json', '--cpu-prof', 'prof']);
  assert.deepEqual(s.phases, ['latency', 'scale']);
  assert.equal(s.profileDir, '/work/prof');
  assert.deepEqual(settingsOf(['--sizes', '50,200']).scale.sizes, [50, 200]);
  assert.equal(settingsOf(['--sizes', '50']).updateReadme, false);
  assert.equal(s.outFile, '/work/out/r.json');
  assert.equal(s.updateReadme, false);
  assert.equal(settingsOf(['--only', 'relay']).outFile, '/repo/bench/results.local.json', 'a partial run never replaces results.json');
});

test('bad arguments are refused with what to do', () => {
  assert.throws(() => parseArgs(['--fast'], BENCH, '/'), (err: unknown) => err instanceof RemoteAgentError && /unknown argument "--fast"/.test(err.message));
  assert.throws(() => parseArgs(['--only', 'nope'], BENCH, '/'), /--only takes/);
  assert.throws(() => parseArgs(['--out'], BENCH, '/'), /--out needs a value/);
  assert.throws(() => parseArgs(['--sizes', '10,x'], BENCH, '/'), /--sizes takes/);
  assert.throws(() => parseArgs(['--sizes', '0'], BENCH, '/'), /--sizes takes/);
  assert.deepEqual(parseArgs(['--help'], BENCH, '/'), { help: true });
});
