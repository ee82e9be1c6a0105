import {
  Groups,
  envelopeFactory,
  type BodyOf,
  type Envelope,
  type EnvelopeOf,
  type MessageType,
  type RequestResult,
  type StreamName,
} from '@remote-agent/contracts';
import { EnvelopeBus, silentLogger, type Clock, type InMemoryConnection, type InMemoryHub } from '@remote-agent/transport';

/**
 * The daemon's side of the protocol in a few lines, for the executor's unit tests: sends requests to
 * `ra.exec.<id>`, records everything it receives, and lets a test wait for a message.
 */
export class FakeDaemon {
  readonly received: Envelope[] = [];
  readonly connection: InMemoryConnection;
  /** When set, every output chunk is answered with one credit, as a daemon consuming them would. */
  autoCredit = false;
  private readonly bus: EnvelopeBus;
  private readonly make;
  private waiters: Array<{ match: (env: Envelope) => boolean; resolve: (env: Envelope) => void }> = [];
  private nextId = 0;

  constructor(
    hub: InMemoryHub,
    clock: Clock,
    readonly daemonId = 'daemon-1',
  ) {
    this.connection = hub.connect(daemonId);
    this.make = envelopeFactory({ role: 'daemon', id: daemonId, now: () => clock.now(), newId: () => `${daemonId}-msg-${++this.nextId}` });
    this.bus = new EnvelopeBus(this.connection, silentLogger);
    this.bus.onEnvelope((env) => this.receive(env));
  }

  async start(): Promise<this> {
    await this.connection.start();
    await this.connection.joinGroup(Groups.daemon(this.daemonId));
    await this.connection.joinGroup(Groups.presence);
    return this;
  }

  send<T extends MessageType>(executorId: string, type: T, body: BodyOf<T>, requestId?: string): Promise<void> {
    return this.bus.send(Groups.exec(executorId), this.make(type, body, requestId));
  }

  submit(executorId: string, requestId: string, kind: string, params: unknown, window?: number): Promise<void> {
    return this.send(executorId, 'request.submit', window === undefined ? { kind, params } : { kind, params, window }, requestId);
  }

  probe(): Promise<void> {
    return this.bus.send(Groups.discovery, this.make('discovery.probe', { daemonId: this.daemonId }));
  }

  /** Resolves with the first message, already received or still to come, that matches. */
  waitFor(match: (env: Envelope) => boolean): Promise<Envelope> {
    const found = this.received.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Resolves with the n-th (from 1) message that matches. */
  async waitForCount(match: (env: Envelope) => boolean, n: number): Promise<Envelope[]> {
    let count = 0;
    await this.waitFor((env) => match(env) && ++count >= n);
    return this.received.filter(match);
  }

  async waitForType<T extends MessageType>(type: T, requestId?: string): Promise<EnvelopeOf<T>> {
    const env = await this.waitFor((e) => e.type === type && (requestId === undefined || e.requestId === requestId));
    return env as EnvelopeOf<T>;
  }

  /** The result without the output it may carry (that is in `chunks` and `output`). */
  async result(requestId: string): Promise<RequestResult> {
    const { output: _carried, ...result } = (await this.waitForType('request.result', requestId)).body;
    return result;
  }

  messagesFor(requestId: string): Envelope[] {
    return this.received.filter((env) => 'requestId' in env && env.requestId === requestId);
  }

  /** Every output chunk received, streamed or carried by the result. */
  chunks(requestId: string): Array<EnvelopeOf<'request.output'>['body']> {
    const chunks: Array<EnvelopeOf<'request.output'>['body']> = [];
    for (const env of this.received) {
      if (!('requestId' in env) || env.requestId !== requestId) continue;
      if (env.type === 'request.output') chunks.push(env.body);
      if (env.type !== 'request.result') continue;
      for (const { base64, ...chunk } of env.body.output ?? []) chunks.push({ ...chunk, data: Buffer.from(base64, 'base64') });
    }
    return chunks;
  }

  /** The bytes of one stream, rebuilt from the chunks in sequence order. */
  output(requestId: string, stream: StreamName): Buffer {
    const parts = this.chunks(requestId)
      .filter((chunk) => chunk.stream === stream)
      .sort((a, b) => a.seq - b.seq)
      .map((chunk) => chunk.data);
    return Buffer.concat(parts);
  }

  stop(): Promise<void> {
    this.bus.close();
    return this.connection.stop();
  }

  private receive(env: Envelope): void {
    this.received.push(env);
    if (this.autoCredit && env.type === 'request.output') {
      void this.send(env.from.id, 'request.credit', { chunks: 1 }, env.requestId);
    }
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.match(env)) waiter.resolve(env);
      else this.waiters.push(waiter);
    }
  }
}
