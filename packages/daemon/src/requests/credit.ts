/**
 * Receiver side of output flow control: the executor may have `window` chunks in flight and stops
 * reading its child's pipes at zero credit. The daemon consumes every chunk at once (keeping at most
 * its cap), so it hands credit back in batches of half a window: few messages, and the executor
 * never runs dry while a grant is on its way.
 */
export class CreditGranter {
  private consumed = 0;
  private readonly batch: number;

  constructor(
    window: number,
    private readonly grant: (chunks: number) => void,
  ) {
    this.batch = Math.max(1, Math.floor(window / 2));
  }

  onChunkConsumed(): void {
    this.consumed++;
    if (this.consumed >= this.batch) {
      const chunks = this.consumed;
      this.consumed = 0;
      this.grant(chunks);
    }
  }
}
