import type { Clock, Logger, TimerHandle } from '@remote-agent/transport';
import type { Inventory } from './inventory.js';

export interface DiscoveryOptions {
  clock: Clock;
  logger: Logger;
  inventory: Inventory;
  /** Publishes one `discovery.probe` to `ra.discovery`. */
  publishProbe: () => Promise<void>;
  refreshIntervalMs: number;
  inventoryLogIntervalMs: number;
  /** Least time between probes asked for by `probeSoon`, so many unknown heartbeats cause one probe. */
  minProbeGapMs?: number;
}

/** Most executor ids written in one inventory log line; the counts always cover all of them. */
const LOGGED_IDS = 50;

/**
 * Finds executors: a probe at start and every refresh interval (each executor answers with a hello),
 * plus an inventory summary in the log at its own interval.
 */
export class Discovery {
  private readonly timers: TimerHandle[] = [];
  private pendingProbe: TimerHandle | null = null;
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(private readonly opts: DiscoveryOptions) {}

  async start(): Promise<void> {
    const { clock, refreshIntervalMs, inventoryLogIntervalMs } = this.opts;
    this.timers.push(clock.setInterval(() => void this.probe(), refreshIntervalMs));
    this.timers.push(clock.setInterval(() => this.logInventory(), inventoryLogIntervalMs));
    await this.probe();
  }

  /** Publishes a probe now; a failure is logged, never thrown, since the next interval retries. */
  async probe(): Promise<void> {
    if (this.stopped) return;
    this.lastProbeAt = this.opts.clock.now();
    try {
      await this.opts.publishProbe();
      this.opts.logger.info('discovery probe published');
    } catch (err) {
      this.opts.logger.warn('discovery probe failed; retrying at the next refresh', { error: err });
    }
  }

  /** Asks for a probe without flooding: at most one per minProbeGapMs. */
  probeSoon(): void {
    if (this.stopped || this.pendingProbe) return;
    const gap = this.opts.minProbeGapMs ?? 5_000;
    const wait = Math.max(0, this.lastProbeAt + gap - this.opts.clock.now());
    this.pendingProbe = this.opts.clock.setTimeout(() => {
      this.pendingProbe = null;
      void this.probe();
    }, wait);
  }

  logInventory(): void {
    const views = this.opts.inventory.list();
    const shown = views.slice(0, LOGGED_IDS).map((v) => `${v.executorId}:${v.status}`);
    if (views.length > LOGGED_IDS) shown.push(`+${views.length - LOGGED_IDS} more`);
    this.opts.logger.info('inventory', { ...this.opts.inventory.counts(), total: views.length, executors: shown.join(',') });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers.length = 0;
    this.pendingProbe?.cancel();
    this.pendingProbe = null;
  }
}
