/**
 * Receiver side of output flow control. Credit is absolute: the executor may send chunks with a seq
 * below `through`. The daemon consumes every chunk at once (keeping at most its cap), so it moves
 * `through` forward in steps of half a window: few messages, and the executor never runs dry while a
 * grant is on its way. Because a grant states a position rather than an amount, sending it again is
 * harmless, and `resend` repairs a grant or a chunk lost on the way.
 */
export class OutputCredit {
  private granted: number;
  private readonly step: number;

  constructor(
    private readonly window: number,
    private readonly send: (through: number) => void,
  ) {
    // The executor starts with a whole window.
    this.granted = window;
    this.step = Math.max(1, Math.floor(window / 2));
  }

  /** `settled`: chunks received or known lost, i.e. the next seq expected. */
  onProgress(settled: number): void {
    const through = settled + this.window;
    if (through - this.granted < this.step) return;
    this.granted = through;
    this.send(through);
  }

  /** Sends the current grant again, moved up to what `settled` allows. */
  resend(settled: number): void {
    this.granted = Math.max(this.granted, settled + this.window);
    this.send(this.granted);
  }
}
