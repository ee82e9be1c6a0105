import {
  Groups,
  envelopeFactory,
  parseEnvelope,
  toWire,
  type BodyOf,
  type Envelope,
  type ExecutorInfo,
  type MakeEnvelope,
} from '@remote-agent/contracts';
import { InMemoryHub, type Clock, type RelayConnection } from '@remote-agent/transport';
import { executorInfoFixture } from './executor-info.js';

/** Lets every in-memory delivery queued so far run (the hub delivers on microtasks). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

type RequestEnvelope = Extract<Envelope, { type: 'request.submit' | 'request.cancel' | 'request.credit' | 'request.query' }>;

/**
 * A scripted executor for the daemon's unit tests: it announces itself like the real one, records
 * every request sent to it, and replies only when the test tells it to.
 */
export class FakeExecutor {
  readonly conn: RelayConnection;
  info: ExecutorInfo;
  readonly received: RequestEnvelope[] = [];
  private readonly make: MakeEnvelope;
  private waiters: Array<{ type: string; resolve: (env: RequestEnvelope) => void }> = [];
  private ids = 0;

  /** `relay`: an in-memory hub, or a connection already made for this executor id. */
  constructor(relay: InMemoryHub | RelayConnection, executorId: string, clock: Clock, info: Partial<ExecutorInfo> = {}) {
    this.conn = relay instanceof InMemoryHub ? relay.connect(executorId) : relay;
    this.make = envelopeFactory({ role: 'executor', id: executorId, now: () => clock.now(), newId: () => `${executorId}-m${++this.ids}` });
    this.info = executorInfoFixture(executorId, clock.now(), info);
    this.conn.on('message', (msg) => {
      const parsed = parseEnvelope(msg.data);
      if (!parsed.ok) return;
      const env = parsed.envelope;
      if (env.type === 'discovery.probe') {
        void this.hello('probe');
        return;
      }
      if (env.type === 'request.submit' || env.type === 'request.cancel' || env.type === 'request.credit' || env.type === 'request.query') {
        this.received.push(env);
        const waiter = this.waiters.find((w) => w.type === env.type);
        if (waiter) {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          waiter.resolve(env);
        }
      }
    });
  }

  /** Joins its groups; with `announce`, says hello as a starting executor does. */
  async start(announce = true): Promise<void> {
    if (this.conn.state === 'idle') await this.conn.start();
    await this.conn.joinGroup(Groups.discovery);
    await this.conn.joinGroup(Groups.exec(this.info.executorId));
    if (announce) await this.hello('startup');
  }

  /** The next request of this type not yet taken by an earlier call. */
  next<T extends RequestEnvelope['type']>(type: T): Promise<Extract<RequestEnvelope, { type: T }>> {
    return new Promise((resolve) => this.waiters.push({ type, resolve: resolve as (env: RequestEnvelope) => void }));
  }

  hello(reason: BodyOf<'executor.hello'>['reason']): Promise<void> {
    return this.conn.sendToGroup(Groups.presence, this.make('executor.hello', { reason, info: this.info }));
  }

  heartbeat(): Promise<void> {
    const { executorId, bootId, running, queued, instructionUpdatedAt } = this.info;
    return this.conn.sendToGroup(
      Groups.presence,
      this.make('executor.heartbeat', { executorId, bootId, running, queued, instructionUpdatedAt }),
    );
  }

  goodbye(): Promise<void> {
    const { executorId, bootId } = this.info;
    return this.conn.sendToGroup(Groups.presence, this.make('executor.goodbye', { executorId, bootId, reason: 'test' }));
  }

  /** Sends a raw value to the daemon's group, for malformed-message tests. */
  sendRaw(daemonId: string, data: unknown): Promise<void> {
    return this.conn.sendToGroup(Groups.daemon(daemonId), data);
  }

  accept(daemonId: string, requestId: string, state: 'queued' | 'running' = 'running'): Promise<void> {
    return this.reply(daemonId, this.make('request.accepted', { kind: 'run', state }, requestId));
  }

  output(daemonId: string, requestId: string, body: BodyOf<'request.output'>): Promise<void> {
    return this.reply(daemonId, this.make('request.output', body, requestId));
  }

  state(daemonId: string, requestId: string, body: BodyOf<'request.state'>): Promise<void> {
    return this.reply(daemonId, this.make('request.state', body, requestId));
  }

  result(daemonId: string, requestId: string, result: Partial<BodyOf<'request.result'>> = {}): Promise<void> {
    const body: BodyOf<'request.result'> = {
      kind: 'run',
      outcome: 'exited',
      ok: true,
      exitCode: 0,
      signal: null,
      durationMs: 5,
      stdoutBytes: 0,
      stderrBytes: 0,
      chunks: 0,
      ...result,
    };
    return this.reply(daemonId, this.make('request.result', body, requestId));
  }

  reply(daemonId: string, env: Envelope): Promise<void> {
    return this.conn.sendToGroup(Groups.daemon(daemonId), toWire(env));
  }
}
