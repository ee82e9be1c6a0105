import { Groups, type BodyOf, type ExecutorInfo } from '@remote-agent/contracts';
import type { Clock, Logger, TimerHandle } from '@remote-agent/transport';

export type HelloReason = BodyOf<'executor.hello'>['reason'];

export interface PresenceOptions {
  executorId: string;
  bootId: string;
  heartbeatIntervalMs: number;
  clock: Clock;
  logger: Logger;
  info: () => ExecutorInfo;
  /** Publishes a presence message to `ra.presence`. */
  publish: <T extends 'executor.hello' | 'executor.heartbeat' | 'executor.goodbye'>(type: T, body: BodyOf<T>) => Promise<void>;
}

/**
 * How daemons learn about this executor: a hello at start, after a reconnect that lost the session, on
 * every discovery probe and when the instruction changes; a small heartbeat on a fixed interval; a goodbye
 * when it stops. A failed send is logged, never thrown: presence is repeated anyway.
 */
export class Presence {
  private heartbeat: TimerHandle | null = null;

  constructor(private readonly opts: PresenceOptions) {}

  start(): void {
    void this.hello('startup');
    this.heartbeat = this.opts.clock.setInterval(() => void this.beat(), this.opts.heartbeatIntervalMs);
  }

  async hello(reason: HelloReason): Promise<void> {
    try {
      await this.opts.publish('executor.hello', { reason, info: this.opts.info() });
      this.opts.logger.info('hello published', { executorId: this.opts.executorId, reason, group: Groups.presence });
    } catch (err) {
      this.opts.logger.warn('hello not published', { reason, error: err });
    }
  }

  async goodbye(reason: string): Promise<void> {
    this.stop();
    try {
      await this.opts.publish('executor.goodbye', { executorId: this.opts.executorId, bootId: this.opts.bootId, reason });
      this.opts.logger.info('goodbye published', { executorId: this.opts.executorId, reason });
    } catch (err) {
      this.opts.logger.warn('goodbye not published', { error: err });
    }
  }

  stop(): void {
    this.heartbeat?.cancel();
    this.heartbeat = null;
  }

  private async beat(): Promise<void> {
    const info = this.opts.info();
    try {
      await this.opts.publish('executor.heartbeat', {
        executorId: this.opts.executorId,
        bootId: this.opts.bootId,
        running: info.running,
        queued: info.queued,
        instructionUpdatedAt: info.instructionUpdatedAt,
      });
    } catch (err) {
      this.opts.logger.debug('heartbeat not published', { error: err });
    }
  }
}
