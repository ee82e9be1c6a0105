/**
 * Waits for a condition that no event announces (a timer being armed, a process disappearing), checking
 * it between turns of the event loop. Bounded, so a broken expectation fails instead of hanging.
 */
export async function waitUntil(condition: () => boolean, what: string, limitMs = 5_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
