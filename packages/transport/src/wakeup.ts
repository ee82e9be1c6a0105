/** One sleeper woken by the next `wake()`: the loop of a data sender or receiver waiting for its next event. */
export class Wakeup {
  private resolve: (() => void) | null = null;

  sleep(): Promise<void> {
    return new Promise((resolve) => (this.resolve = resolve));
  }

  wake(): void {
    const resolve = this.resolve;
    this.resolve = null;
    resolve?.();
  }
}
