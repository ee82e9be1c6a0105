import type { BenchContext } from '../harness/context.js';
import { LightRelayClient, type GroupData } from '../harness/relay-client.js';
import { startRelayProcess } from '../harness/topology.js';
import type { FanoutResults, RelayResults } from '../report/model.js';
import type { RelaySettings } from '../settings.js';
import { SampleBuffer, summarize } from '../stats.js';

export const FANOUT_CLIENT = 'raw reliable-protocol WebSocket clients in the benchmark process (no SDK), acking every 64 messages';
const GROUP = 'bench.fanout';
const CONNECT_BATCH = 50;
const PASS_TIMEOUT_MS = 120_000;

interface Probe {
  pass: number;
  n: number;
  t: number;
  pad: string;
}

function isProbe(data: unknown): data is Probe {
  const p = data as Probe;
  return typeof data === 'object' && data !== null && typeof p.pass === 'number' && typeof p.n === 'number' && typeof p.t === 'number';
}

/** One closed-loop pass: `window` messages in flight, a message leaving the window once every member has it. */
class FanoutPass {
  private readonly received: Uint16Array;
  private readonly latencies: SampleBuffer;
  private sent = 0;
  private completed = 0;
  private measuredStart = 0;
  private finish: () => void = () => {};
  readonly done = new Promise<void>((resolve) => (this.finish = resolve));

  constructor(
    readonly id: number,
    private readonly sender: LightRelayClient,
    private readonly receivers: number,
    private readonly warmup: number,
    private readonly messages: number,
    readonly window: number,
    private readonly pad: string,
  ) {
    this.received = new Uint16Array(warmup + messages);
    this.latencies = new SampleBuffer(messages * receivers);
  }

  start(): void {
    for (let i = 0; i < Math.min(this.window, this.received.length); i++) this.sendNext();
  }

  onProbe(p: Probe): void {
    if (p.n >= this.warmup) this.latencies.push(performance.now() - p.t);
    if (++this.received[p.n]! !== this.receivers) return;
    if (++this.completed === this.received.length) this.finish();
    else this.sendNext();
  }

  result(payloadBytes: number): FanoutResults {
    const elapsedMs = performance.now() - this.measuredStart;
    const deliveries = this.latencies.length;
    return {
      client: FANOUT_CLIENT,
      receivers: this.receivers,
      messages: this.messages,
      payloadBytes,
      window: this.window,
      deliveries,
      missing: this.messages * this.receivers - deliveries,
      elapsedMs,
      deliveriesPerSecond: deliveries / (elapsedMs / 1000),
      sendsPerSecond: this.completed > this.warmup ? (this.completed - this.warmup) / (elapsedMs / 1000) : 0,
      latency: summarize(this.latencies.values()),
    };
  }

  private sendNext(): void {
    if (this.sent >= this.received.length) return;
    if (this.sent === this.warmup) this.measuredStart = performance.now();
    const probe: Probe = { pass: this.id, n: this.sent++, t: performance.now(), pad: this.pad };
    this.sender.send(GROUP, probe);
  }
}

/**
 * Group fan-out through the relay process, one sender and `receivers` members: a pass with one message in
 * flight (latency without queueing) and a pass with `window` in flight (deliveries per second, and the
 * latency that comes with that load). Sender and receivers share this process's clock.
 */
export async function measureRelay(settings: RelaySettings, ctx: BenchContext): Promise<RelayResults> {
  const relay = await startRelayProcess(ctx, 'relay-fanout');
  const clients: LightRelayClient[] = [];
  let current: FanoutPass | null = null;
  const onMessage = (msg: GroupData): void => {
    if (msg.group === GROUP && isProbe(msg.data) && msg.data.pass === current?.id) current.onProbe(msg.data);
  };
  try {
    for (let i = 0; i < settings.receivers; i += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, settings.receivers - i) }, (_, j) =>
        LightRelayClient.connect({ connectionString: relay.connectionString, userId: `fanout-${i + j}`, roles: [], groups: [GROUP], onMessage }),
      );
      clients.push(...(await Promise.all(batch)));
    }
    const sender = await LightRelayClient.connect({
      connectionString: relay.connectionString,
      userId: 'fanout-sender',
      roles: [`webpubsub.sendToGroup.${GROUP}`],
      groups: [],
      onMessage: () => {},
    });
    clients.push(sender);
    const pad = 'x'.repeat(settings.payloadBytes);
    const run = async (id: number, window: number, messages: number): Promise<FanoutResults> => {
      const pass = new FanoutPass(id, sender, settings.receivers, settings.warmupMessages, messages, window, pad);
      current = pass;
      pass.start();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([pass.done, new Promise<void>((resolve) => (timer = setTimeout(resolve, PASS_TIMEOUT_MS)))]);
      clearTimeout(timer);
      const result = pass.result(settings.payloadBytes);
      ctx.log(`relay fan-out, ${window} in flight: ${result.deliveriesPerSecond.toFixed(0)} deliveries/s, p99 ${result.latency.p99Ms.toFixed(2)} ms`);
      return result;
    };
    const single = await run(1, 1, Math.min(settings.messages, settings.singleMessages));
    const loaded = await run(2, settings.window, settings.messages);
    return { single, loaded };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await relay.proc.stop();
  }
}
