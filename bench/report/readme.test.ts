import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replaceResults, RESULTS_END, RESULTS_START } from './readme.js';

test('replaceResults swaps only what is between the markers', () => {
  const readme = `# Bench\nintro\n${RESULTS_START}\nold table\n${RESULTS_END}\nafter\n`;
  assert.equal(replaceResults(readme, 'new table'), `# Bench\nintro\n${RESULTS_START}\nnew table\n${RESULTS_END}\nafter\n`);
  const twice = replaceResults(replaceResults(readme, 'a')!, 'b');
  assert.equal(twice, `# Bench\nintro\n${RESULTS_START}\nb\n${RESULTS_END}\nafter\n`);
});

test('a README without markers is left alone', () => {
  assert.equal(replaceResults('# Bench\n', 'x'), null);
  assert.equal(replaceResults(`${RESULTS_END}\n${RESULTS_START}`, 'x'), null);
});
