#!/usr/bin/env node
// Runs the test suites from the built output with Node's own test runner.
//   node scripts/run-tests.mjs            unit + end-to-end + live (live skips itself without Azure)
//   node scripts/run-tests.mjs unit|e2e|live
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `remote-agent needs Node.js 22 or newer; this is ${process.version}. ` +
      'Run the tests through npm (npm test), which uses the node@22 package the project installs, or install Node.js 22.',
  );
  process.exit(1);
}

const root = new URL('..', import.meta.url).pathname;
const suites = {
  unit: ['packages/contracts/dist', 'packages/transport/dist', 'packages/transfer/dist', 'packages/relay/dist', 'packages/executor/dist', 'packages/daemon/dist', 'bench/dist'],
  e2e: ['test/dist/e2e'],
  live: ['test/dist/live'],
};

function testFiles(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out = [];
  for (const name of readdirSync(abs)) {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(relative(root, p)));
    else if (name.endsWith('.test.js')) out.push(relative(root, p));
  }
  return out.sort();
}

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : ['unit', 'e2e', 'live'];
const files = [];
for (const name of names) {
  const dirs = suites[name];
  if (!dirs) {
    console.error(`unknown suite "${name}"; use one of: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
  files.push(...dirs.flatMap(testFiles));
}
if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
