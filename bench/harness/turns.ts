/**
 * The order in which the rows of one round take their turns: a Williams design. Over its period (n rounds,
 * 2n when n is odd) every row runs directly after every other row equally often. A call leaves work behind
 * that lands on the next call (log lines, a journal write, a collection); with one fixed order it always
 * landed on the same row, which then paid for its predecessor.
 */
export function turnOrder(rows: number, round: number): number[] {
  if (rows === 0) return [];
  const shift = round % rows;
  const order = williamsBase(rows).map((row) => (row + shift) % rows);
  const reversed = rows % 2 === 1 && Math.floor(round / rows) % 2 === 1;
  return reversed ? order.reverse() : order;
}

/** 0, 1, n-1, 2, n-2, ...: the first round, whose shifts give each ordered pair of neighbours once (n even). */
function williamsBase(rows: number): number[] {
  const base = [0];
  for (let j = 1; j < rows; j++) base.push(j % 2 === 1 ? (j + 1) / 2 : rows - j / 2);
  return base;
}
