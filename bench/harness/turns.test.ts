import assert from 'node:assert/strict';
import { test } from 'node:test';
import { turnOrder } from './turns.js';

function neighbourCounts(rows: number, rounds: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    const order = turnOrder(rows, round);
    for (let i = 1; i < order.length; i++) {
      const key = `${order[i - 1]}>${order[i]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

test('every round is an order of all the rows', () => {
  for (let rows = 1; rows <= 7; rows++) {
    for (let round = 0; round < 3 * rows; round++) {
      assert.deepEqual([...turnOrder(rows, round)].sort((a, b) => a - b), Array.from({ length: rows }, (_, i) => i), `rows ${rows}, round ${round}`);
    }
  }
});

test('over its period every row follows every other row equally often', () => {
  for (let rows = 2; rows <= 7; rows++) {
    const period = rows % 2 === 0 ? rows : 2 * rows;
    const counts = neighbourCounts(rows, period);
    assert.equal(counts.size, rows * (rows - 1), `rows ${rows}: every ordered pair occurs`);
    assert.equal(new Set(counts.values()).size, 1, `rows ${rows}: ${JSON.stringify([...counts])}`);
  }
});

test('four rows: the first round runs them in the Williams order, and no row always comes first', () => {
  assert.deepEqual(turnOrder(4, 0), [0, 1, 3, 2]);
  assert.deepEqual(turnOrder(4, 1), [1, 2, 0, 3]);
  assert.deepEqual(new Set([0, 1, 2, 3].map((round) => turnOrder(4, round)[0])), new Set([0, 1, 2, 3]));
});

test('no rows, no turns: a block whose rows were all skipped (ssh without a server) runs nothing', () => {
  assert.deepEqual(turnOrder(0, 0), []);
  assert.deepEqual(turnOrder(0, 7), []);
  assert.deepEqual(turnOrder(1, 3), [0]);
});
