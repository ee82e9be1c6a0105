import { once } from 'node:events';
import { WebSocket, type RawData } from 'ws';
import { clientHubUrl, parseConnectionString, signClientToken } from '@remote-agent/transport';
import { HUB } from './loopback.js';

/**
 * A minimal client of the relay's reliable JSON subprotocol (what `@azure/web-pubsub-client` speaks), for
 * measuring the relay alone: no SDK, no envelopes. It acknowledges sequence ids every ACK_EVERY messages
 * and when traffic pauses, so a fast stream stays far below the relay's un-acked bound.
 */
export const RELIABLE_PROTOCOL = 'json.reliable.webpubsub.azure.v1';
const ACK_EVERY = 64;
const ACK_IDLE_MS = 20;

export interface GroupData {
  group: string;
  data: unknown;
}

export interface LightClientOptions {
  connectionString: string;
  userId: string;
  roles: string[];
  /** Joined at connect (token claim). */
  groups: string[];
  onMessage: (msg: GroupData) => void;
}

export class LightRelayClient {
  private lastSeq = 0;
  private ackedSeq = 0;
  private sinceAck = 0;
  private ackTimer: NodeJS.Timeout | null = null;
  private nextAckId = 1;
  private readonly pendingAcks = new Map<number, (ok: boolean) => void>();

  private constructor(
    private readonly ws: WebSocket,
    private readonly onMessage: (msg: GroupData) => void,
  ) {
    ws.on('message', (data: RawData) => this.receive(data));
    // A socket error closes the connection; what it costs shows as missing deliveries, so it only needs a listener.
    ws.on('error', () => {});
  }

  static async connect(opts: LightClientOptions): Promise<LightRelayClient> {
    const { endpoint, accessKey } = parseConnectionString(opts.connectionString);
    const audience = clientHubUrl(endpoint, HUB);
    const token = signClientToken({
      accessKey,
      audience,
      userId: opts.userId,
      roles: opts.roles,
      groups: opts.groups,
      now: Date.now(),
      lifetimeSeconds: 3600,
    });
    const url = `${audience.replace(/^http/, 'ws')}?access_token=${encodeURIComponent(token)}`;
    const ws = new WebSocket(url, RELIABLE_PROTOCOL, { perMessageDeflate: false });
    const connected = new Promise<void>((resolve, reject) => {
      const onFirst = (data: RawData): void => {
        const frame = JSON.parse(data.toString()) as { type?: string; event?: string };
        if (frame.type === 'system' && frame.event === 'connected') resolve();
        else reject(new Error(`relay answered ${data.toString().slice(0, 200)} instead of connected`));
      };
      ws.once('message', onFirst);
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`relay refused the connection: HTTP ${res.statusCode}`)));
    });
    const client = new LightRelayClient(ws, opts.onMessage);
    await connected;
    return client;
  }

  /** Fire-and-forget send (no ackId), as executors send heartbeats and chunks. */
  send(group: string, data: unknown): void {
    this.ws.send(`{"type":"sendToGroup","group":${JSON.stringify(group)},"dataType":"json","data":${JSON.stringify(data)}}`);
  }

  /** Send with an ackId, as the SDK does for anything but fire-and-forget; resolves with the relay's verdict. */
  sendWithAck(group: string, data: unknown): Promise<boolean> {
    const ackId = this.nextAckId++;
    return new Promise((resolve) => {
      this.pendingAcks.set(ackId, resolve);
      this.ws.send(
        `{"type":"sendToGroup","group":${JSON.stringify(group)},"ackId":${ackId},"dataType":"json","data":${JSON.stringify(data)}}`,
      );
    });
  }

  async close(): Promise<void> {
    for (const resolve of this.pendingAcks.values()) resolve(false);
    this.pendingAcks.clear();
    if (this.ackTimer) clearTimeout(this.ackTimer);
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.close();
    await closed;
  }

  private receive(data: RawData): void {
    let frame: { type?: string; sequenceId?: number; group?: string; data?: unknown; ackId?: number; success?: boolean };
    try {
      frame = JSON.parse(data.toString()) as typeof frame;
    } catch {
      return;
    }
    if (typeof frame.sequenceId === 'number') {
      this.lastSeq = Math.max(this.lastSeq, frame.sequenceId);
      if (++this.sinceAck >= ACK_EVERY) this.ack();
      else this.ackTimer ??= setTimeout(() => this.ack(), ACK_IDLE_MS);
    }
    if (frame.type === 'message' && typeof frame.group === 'string') this.onMessage({ group: frame.group, data: frame.data });
    else if (frame.type === 'ack' && typeof frame.ackId === 'number') {
      this.pendingAcks.get(frame.ackId)?.(frame.success === true);
      this.pendingAcks.delete(frame.ackId);
    }
  }

  private ack(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    this.sinceAck = 0;
    if (this.lastSeq === this.ackedSeq || this.ws.readyState !== WebSocket.OPEN) return;
    this.ackedSeq = this.lastSeq;
    this.ws.send(`{"type":"sequenceAck","sequenceId":${this.lastSeq}}`);
  }
}
