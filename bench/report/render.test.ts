import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown, renderText, type Table } from './render.js';

const table: Table = {
  title: 'Round trip',
  columns: [
    { header: 'path', align: 'left' },
    { header: 'p50 ms', align: 'right' },
  ],
  rows: [
    ['local spawn', '2.70'],
    ['MCP | HTTP', '15.10'],
  ],
  notes: ['ssh skipped'],
};

test('renderText aligns columns: text left, numbers right', () => {
  assert.equal(
    renderText(table),
    ['Round trip', '  path         p50 ms', '  -----------  ------', '  local spawn    2.70', '  MCP | HTTP    15.10', '  * ssh skipped'].join('\n'),
  );
});

test('renderMarkdown escapes pipes and marks alignment', () => {
  const md = renderMarkdown(table).split('\n');
  assert.equal(md[0], '**Round trip**');
  assert.equal(md[3], '|:---|---:|');
  assert.equal(md[5], '| MCP \\| HTTP | 15.10 |');
  assert.equal(md.at(-1), '- ssh skipped');
});
