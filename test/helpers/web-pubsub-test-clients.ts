import { once } from 'node:events';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebPubSubClient, type WebPubSubClientOptions, type WebPubSubDataType } from '@azure/web-pubsub-client';
import {
  clientHubUrl,
  createWebPubSubConnection,
  parseConnectionString,
  signClientToken,
  silentLogger,
  type ConnectedEvent,
  type GroupMessage,
  type Logger,
  type RelayAccess,
  type RelayConnection,
  type RelaySubprotocol,
} from '@remote-agent/transport';
import WebSocket from 'ws';

/** A relay to test against: the built-in one or Azure Web PubSub, reached with a connection string. */
export interface HubTarget {
  connectionString: string;
  hub: string;
}

export interface Received {
  group: string;
  dataType: WebPubSubDataType;
  data: unknown;
  fromUserId: string | undefined;
}

/** Collects messages and lets a test wait for a count (event-driven, failing after a timeout). */
export class Inbox<T> {
  readonly items: T[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (this.items.length < w.count) return true;
      w.resolve();
      return false;
    });
  }

  async waitFor(count: number, timeoutMs = 10_000): Promise<T[]> {
    if (this.items.length < count) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ count, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`expected ${count} items within ${timeoutMs} ms, got ${this.items.length}`)), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
    }
    return this.items;
  }
}

export interface ClientSpec {
  userId: string;
  roles?: string[];
  groups?: string[];
  options?: WebPubSubClientOptions;
}

/** Microsoft's client with a token from Microsoft's service SDK; keep-alive loops off so test processes end promptly. */
export class SdkClient {
  readonly inbox = new Inbox<Received>();
  readonly connectedIds: string[] = [];
  disconnects = 0;

  private constructor(readonly client: WebPubSubClient) {
    client.on('group-message', (e) => {
      const m = e.message;
      this.inbox.push({ group: m.group, dataType: m.dataType, data: m.data, fromUserId: m.fromUserId });
    });
    client.on('connected', (e) => this.connectedIds.push(e.connectionId));
    client.on('disconnected', () => this.disconnects++);
  }

  static async connect(target: HubTarget, spec: ClientSpec): Promise<SdkClient> {
    const service = new WebPubSubServiceClient(target.connectionString, target.hub);
    const client = new WebPubSubClient(
      {
        getClientAccessUrl: async () =>
          (await service.getClientAccessToken({ userId: spec.userId, roles: spec.roles ?? [], groups: spec.groups ?? [] })).url,
      },
      { keepAliveIntervalInMs: 0, keepAliveTimeoutInMs: 0, messageRetryOptions: { maxRetries: 0 }, ...spec.options },
    );
    const sdk = new SdkClient(client);
    await Promise.all([new Promise<void>((resolve) => client.on('connected', () => resolve())), client.start()]);
    return sdk;
  }

  get connectionId(): string {
    const id = this.connectedIds[0];
    if (id === undefined) throw new Error('not connected');
    return id;
  }

  async stop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.client.on('stopped', () => resolve()));
    this.client.stop();
    await stopped;
  }
}

/** The WebSocket URL of a hub (no token). */
export function hubSocketUrl(target: HubTarget): string {
  return clientHubUrl(parseConnectionString(target.connectionString).endpoint, target.hub).replace(/^http/, 'ws');
}

/** A token signed here, for cases the service SDK will not mint (expired, other key, other hub). */
export function handMadeToken(target: HubTarget, opts: { accessKey?: string; hub?: string; ageSeconds?: number; lifetimeSeconds?: number; roles?: string[] }): string {
  const parts = parseConnectionString(target.connectionString);
  return signClientToken({
    accessKey: opts.accessKey ?? parts.accessKey,
    audience: clientHubUrl(parts.endpoint, opts.hub ?? target.hub),
    userId: 'hand-made',
    roles: opts.roles ?? [],
    now: Date.now() - (opts.ageSeconds ?? 0) * 1000,
    lifetimeSeconds: opts.lifetimeSeconds ?? 3600,
  });
}

export function tokenUrl(target: HubTarget, token: string): string {
  return `${hubSocketUrl(target)}?access_token=${encodeURIComponent(token)}`;
}

/** The HTTP status an upgrade gets: 101 when a WebSocket opened, else the refusal's status. */
export function upgradeStatus(url: string, protocol = 'json.reliable.webpubsub.azure.v1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocol);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (err) => reject(err));
  });
}

/** A hand-driven WebSocket client speaking the JSON subprotocols, for frames the SDK never sends. */
export class RawClient {
  readonly frames = new Inbox<Record<string, unknown>>();
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      try {
        this.frames.push(JSON.parse(String(data)) as Record<string, unknown>);
      } catch {
        this.frames.push({ unparsable: String(data) });
      }
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, protocol = 'json.reliable.webpubsub.azure.v1'): Promise<RawClient> {
    const ws = new WebSocket(url, protocol);
    const client = new RawClient(ws);
    await once(ws, 'open');
    return client;
  }

  /** Opens and waits for the `connected` system message. */
  static async connect(url: string, protocol?: string): Promise<{ client: RawClient; connectionId: string; reconnectionToken: string | undefined }> {
    const client = await RawClient.open(url, protocol);
    const [first] = await client.frames.waitFor(1);
    if (first?.event !== 'connected') throw new Error(`expected a connected message, got ${JSON.stringify(first)}`);
    return { client, connectionId: String(first.connectionId), reconnectionToken: first.reconnectionToken as string | undefined };
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame after the one `next` last returned that matches `predicate` (already received or to come). */
  async next(predicate: (f: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const items = this.frames.items;
      for (; this.cursor < items.length; this.cursor++) {
        const frame = items[this.cursor]!;
        if (predicate(frame)) {
          this.cursor++;
          return frame;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(items.slice(-5))}`);
      await this.frames.waitFor(items.length + 1, left);
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** Our RelayConnection with inboxes for what it hears, for tests of the connection against a relay. */
export interface ConnectionPeer {
  conn: RelayConnection;
  inbox: Inbox<GroupMessage>;
  connected: Inbox<ConnectedEvent>;
  disconnected: Inbox<string>;
}

/** No keep-alive loops (they would hold the test open) and no send retries (a refusal surfaces at once). */
export function connectionPeer(opts: {
  access: RelayAccess;
  userId: string;
  role: 'executor' | 'daemon';
  protocol: RelaySubprotocol;
  logger?: Logger;
}): ConnectionPeer {
  const conn = createWebPubSubConnection({
    access: opts.access,
    userId: opts.userId,
    role: opts.role,
    protocol: opts.protocol,
    logger: opts.logger ?? silentLogger,
    keepAliveIntervalMs: 0,
    keepAliveTimeoutMs: 0,
    messageRetries: 0,
  });
  const p: ConnectionPeer = { conn, inbox: new Inbox(), connected: new Inbox(), disconnected: new Inbox() };
  conn.on('message', (m) => p.inbox.push(m));
  conn.on('connected', (e) => p.connected.push(e));
  conn.on('disconnected', (e) => p.disconnected.push(e.message));
  return p;
}
