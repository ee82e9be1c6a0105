import { DATA_RECEIVE_BURST_BYTES, DATA_RECEIVE_BYTES_PER_SECOND } from '@remote-agent/contracts';
import type { Clock } from './clock.js';

/**
 * How fast one process takes in data streams: a token bucket over the bytes received (as sent), shared by
 * every DataReceiver on the same relay connection. Receivers hold back credit while it is in debt, so the
 * relay never holds more un-acknowledged data for the connection than it allows.
 */
export class ReceiveBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private readonly bytesPerSecond: number = DATA_RECEIVE_BYTES_PER_SECOND,
    private readonly burstBytes: number = DATA_RECEIVE_BURST_BYTES,
  ) {
    this.tokens = burstBytes;
    this.last = clock.now();
  }

  consume(bytes: number): void {
    this.refill();
    this.tokens -= bytes;
  }

  /** Milliseconds until the bytes received so far are paid for (0: credit may be granted now). */
  waitMs(): number {
    this.refill();
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.bytesPerSecond);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
    this.last = now;
  }
}
