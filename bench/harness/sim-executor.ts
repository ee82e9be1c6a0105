import { randomUUID } from 'node:crypto';
import {
  Groups,
  PRODUCT_VERSION,
  PROTOCOL_VERSION,
  envelopeFactory,
  fromWire,
  type BodyOf,
  type ExecutorInfo,
} from '@remote-agent/contracts';
import { rolesFor } from '@remote-agent/transport';
import { LightRelayClient, type GroupData } from './relay-client.js';

export interface SimExecutorOptions {
  connectionString: string;
  executorId: string;
  heartbeatIntervalMs: number;
  host: { hostname: string; os: string; platform: string; arch: string };
  workDir: string;
}

/**
 * A simulated executor for the scale phase: on the wire it is an executor (same token roles and groups,
 * the reliable subprotocol, the same hello on start and on every discovery probe, the same heartbeat on the
 * same interval, all built with the contracts' envelope factory), but it runs nothing, keeps no state
 * folder and needs no SDK, so thousands fit in one process and the figures are the relay's and the daemon's.
 */
export class SimExecutor {
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly make;
  private readonly info: ExecutorInfo;

  private constructor(
    opts: SimExecutorOptions,
    private client: LightRelayClient | null,
  ) {
    this.make = envelopeFactory({ role: 'executor', id: opts.executorId, now: () => Date.now(), newId: randomUUID });
    this.info = {
      executorId: opts.executorId,
      ...opts.host,
      version: PRODUCT_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      tags: { sim: 'true' },
      instruction: '',
      instructionUpdatedAt: null,
      bootId: randomUUID(),
      startedAt: Date.now(),
      shell: '/bin/sh -c',
      workDir: opts.workDir,
      capabilities: [],
      maxConcurrent: 8,
      running: 0,
      queued: 0,
    };
  }

  static async start(opts: SimExecutorOptions): Promise<SimExecutor> {
    let sim: SimExecutor | null = null;
    const client = await LightRelayClient.connect({
      connectionString: opts.connectionString,
      userId: opts.executorId,
      roles: rolesFor('executor', opts.executorId),
      groups: [Groups.discovery, Groups.exec(opts.executorId)],
      onMessage: (msg) => sim?.onMessage(msg),
    });
    sim = new SimExecutor(opts, client);
    await sim.hello('startup');
    sim.heartbeat = setInterval(() => sim?.beat(), opts.heartbeatIntervalMs);
    return sim;
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    const client = this.client;
    this.client = null;
    await client?.close();
  }

  private hello(reason: BodyOf<'executor.hello'>['reason']): Promise<boolean> {
    return this.client?.sendWithAck(Groups.presence, this.make('executor.hello', { reason, info: this.info })) ?? Promise.resolve(false);
  }

  private beat(): void {
    this.client?.send(
      Groups.presence,
      this.make('executor.heartbeat', { executorId: this.info.executorId, bootId: this.info.bootId, running: 0, queued: 0, instructionUpdatedAt: null }),
    );
  }

  private onMessage(msg: GroupData): void {
    if (msg.group !== Groups.discovery) return;
    // A daemon on the protobuf subprotocol sends JSON as text, which this JSON client receives as a string.
    const read = fromWire(msg.data);
    const data = read.ok ? (read.value as { type?: unknown } | null) : null;
    if (typeof data === 'object' && data !== null && data.type === 'discovery.probe') void this.hello('probe');
  }
}
