import type { Clock, TimerHandle } from '@remote-agent/transport';

export interface ProbeReplyOptions {
  /** Replies wait a random time in [0, jitterMs); 0 answers at once. */
  jitterMs: number;
  /** Uniform in [0, 1), like Math.random. */
  random: () => number;
  clock: Clock;
  /** Publishes the hello that answers the probe. */
  reply: () => void;
}

/**
 * Spreads probe answers over time: when a daemon probes, every executor answers at once, and a burst of
 * thousands of hellos can overflow the relay's un-acknowledged bound and cost the daemon its connection.
 * Probes arriving while an answer is pending are answered by that one hello.
 */
export class ProbeReply {
  private pending: TimerHandle | null = null;

  constructor(private readonly opts: ProbeReplyOptions) {}

  onProbe(): void {
    if (this.opts.jitterMs <= 0) {
      this.opts.reply();
      return;
    }
    if (this.pending) return;
    const delay = Math.min(this.opts.jitterMs - 1, Math.floor(this.opts.random() * this.opts.jitterMs));
    this.pending = this.opts.clock.setTimeout(() => {
      this.pending = null;
      this.opts.reply();
    }, Math.max(0, delay));
  }

  stop(): void {
    this.pending?.cancel();
    this.pending = null;
  }
}
