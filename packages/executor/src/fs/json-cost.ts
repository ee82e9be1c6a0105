/** Bytes a string takes inside a JSON message (escapes included), which is what must fit in a frame. */
export function jsonCost(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/** The longest prefix of `text` whose JSON cost is at most `budget`, never splitting a surrogate pair. */
export function prefixWithin(text: string, budget: number): string {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (jsonCost(text.slice(0, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  const code = text.charCodeAt(lo - 1);
  return code >= 0xd800 && code <= 0xdbff ? text.slice(0, lo - 1) : text.slice(0, lo);
}
