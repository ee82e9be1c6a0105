import { randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ErrorCode, PRODUCT_VERSION, RemoteAgentError } from '@remote-agent/contracts';
import { formatConnectionString, Listeners, systemClock, type Clock, type Logger, type TimerHandle } from '@remote-agent/transport';
import { handleFrame, type DispatchContext } from './dispatch.js';
import { MAX_FREE_SLABS, SLAB_BYTES, SlabPool } from './frame-arena.js';
import { Hub } from './hub.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits } from './limits.js';
import { Permissions } from './permissions.js';
import { Session } from './session.js';
import { chooseProtocol, clientHubOf, decideUpgrade, type UpgradeDecision } from './upgrade.js';

export interface RelayOptions {
  /** Bind address; default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port (see `port` on the result). */
  port?: number;
  /** The key tokens are signed with (the connection string's AccessKey). */
  accessKey: string;
  /**
   * The endpoint clients are given (their connection string's Endpoint, with its port), which tokens carry
   * in their audience. Default `http://{host}:{port}`. Behind a TLS proxy this is the public https URL.
   */
  endpoint?: string;
  /** Hubs served; default any valid hub name. */
  hubs?: string[];
  logger: Logger;
  clock?: Clock;
  limits?: Partial<RelayLimits>;
  /** Connection ids; default 22 random base64url characters. */
  newConnectionId?: () => string;
}

export type SessionEndReason = 'closed' | 'expired' | 'overflow' | 'shutdown';

export interface RelayEvents {
  connected: (e: { connectionId: string; hub: string; userId: string | null; recovered: boolean }) => void;
  /** A WebSocket closed; a reliable session stays recoverable until `session-ended`. */
  disconnected: (e: { connectionId: string; code: number }) => void;
  'session-ended': (e: { connectionId: string; reason: SessionEndReason }) => void;
  /** An upgrade refused with an HTTP status, or a recovery refused with close code 1008 (status 1008). */
  refused: (e: { status: number; reason: string }) => void;
}

export interface HubStats {
  connections: number;
  sessions: number;
  groups: number;
}

export interface RelayStats extends HubStats {
  hubs: Record<string, HubStats>;
}

export interface RelayServer {
  /** The endpoint clients use (and token audiences name), without a trailing slash. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  stats(): RelayStats;
  on<E extends keyof RelayEvents>(event: E, listener: RelayEvents[E]): () => void;
  /** A connection string for this relay's clients. It holds the access key: never log it. */
  connectionString(): string;
  /** Test hook: cuts a connection's socket without a close frame, as a network failure would. */
  dropConnection(connectionId: string): boolean;
  close(): Promise<void>;
}

/** Starts the built-in relay; resolves once it listens. */
export async function startRelay(options: RelayOptions): Promise<RelayServer> {
  const relay = new BuiltInRelay(options);
  await relay.listen(options.host ?? '127.0.0.1', options.port ?? 0, options.endpoint);
  return relay;
}

const CLOSE_POLICY_VIOLATION = 1008;
const REFUSAL_LOG_INTERVAL_MS = 60_000;

function randomId(): string {
  return randomBytes(16).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function normaliseEndpoint(endpoint: string): string {
  return new URL(endpoint).toString().replace(/\/+$/, '');
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

class BuiltInRelay implements RelayServer, DispatchContext {
  readonly limits: RelayLimits;
  readonly logger: Logger;
  private readonly clock: Clock;
  private readonly accessKey: string;
  private readonly allowedHubs: ReadonlySet<string> | null;
  private readonly newConnectionId: () => string;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly hubs = new Map<string, Hub>();
  private readonly sockets = new Set<WebSocket>();
  private readonly listeners: Listeners<RelayEvents>;
  private readonly refusalsLogged = new Map<string, number>();
  private readonly slabs = new SlabPool(SLAB_BYTES, MAX_FREE_SLABS);
  private keepAlive: TimerHandle | null = null;
  private closing: Promise<void> | null = null;
  private endpoint = '';
  private boundHost = '';
  private boundPort = 0;

  constructor(options: RelayOptions) {
    this.limits = { ...DEFAULT_RELAY_LIMITS, ...options.limits };
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.accessKey = options.accessKey;
    this.allowedHubs = options.hubs ? new Set(options.hubs) : null;
    this.newConnectionId = options.newConnectionId ?? randomId;
    this.listeners = new Listeners<RelayEvents>((err) => this.logger.error('relay event listener failed', { error: err }));
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.limits.socketMaxPayloadBytes,
      handleProtocols: (protocols) => chooseProtocol(protocols)?.name ?? false,
    });
    this.http = createServer((req, res) => this.onRequest(req, res));
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  get url(): string {
    return this.endpoint;
  }

  get host(): string {
    return this.boundHost;
  }

  get port(): number {
    return this.boundPort;
  }

  async listen(host: string, port: number, endpoint: string | undefined): Promise<void> {
    this.http.listen(port, host);
    try {
      await once(this.http, 'listening');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'is in use by another process' : code === 'EACCES' ? 'needs more privileges' : `failed (${code ?? String(err)})`;
      throw new RemoteAgentError(ErrorCode.InvalidConfig, `the relay cannot listen on ${hostForUrl(host)}:${port}: the port ${why}; choose another port or bind address`);
    }
    const address = this.http.address() as AddressInfo;
    this.boundHost = host;
    this.boundPort = address.port;
    this.endpoint = normaliseEndpoint(endpoint ?? `http://${hostForUrl(host)}:${address.port}`);
    if (this.limits.keepAliveIntervalMs > 0) {
      this.keepAlive = this.clock.setInterval(() => this.sweepDeadSockets(), this.limits.keepAliveIntervalMs);
    }
    this.logger.info('relay listening', { url: this.endpoint, bind: `${hostForUrl(host)}:${address.port}` });
  }

  on<E extends keyof RelayEvents>(event: E, listener: RelayEvents[E]): () => void {
    return this.listeners.on(event, listener);
  }

  connectionString(): string {
    return formatConnectionString({ endpoint: this.endpoint, accessKey: this.accessKey });
  }

  stats(): RelayStats {
    const hubs: Record<string, HubStats> = {};
    const total: HubStats = { connections: 0, sessions: 0, groups: 0 };
    for (const hub of this.hubs.values()) {
      let connections = 0;
      for (const session of hub.sessions.values()) if (session.socket !== null) connections++;
      const stats = { connections, sessions: hub.sessions.size, groups: hub.groupCount };
      hubs[hub.name] = stats;
      total.connections += stats.connections;
      total.sessions += stats.sessions;
      total.groups += stats.groups;
    }
    return { ...total, hubs };
  }

  dropConnection(connectionId: string): boolean {
    const socket = this.findSession(connectionId)?.socket;
    if (!socket) return false;
    socket.terminate();
    return true;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  hubOf(session: Session): Hub {
    return this.hub(session.hub);
  }

  overflowed(sessions: Session[]): void {
    for (const session of sessions) {
      this.logger.warn('dropped a connection over its un-acknowledged message bounds', {
        connectionId: session.connectionId,
        userId: session.userId ?? undefined,
        unacked: session.unackedCount,
      });
      this.endSession(session, 'overflow', CLOSE_POLICY_VIOLATION, 'too many unacknowledged messages');
    }
  }

  private hub(name: string): Hub {
    let hub = this.hubs.get(name);
    if (!hub) {
      hub = new Hub(name);
      this.hubs.set(name, hub);
    }
    return hub;
  }

  private findSession(connectionId: string): Session | undefined {
    for (const hub of this.hubs.values()) {
      const session = hub.sessions.get(connectionId);
      if (session) return session;
    }
    return undefined;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && (path === '/' || path === '/healthz')) {
      const { connections, groups, hubs } = this.stats();
      const body = JSON.stringify({ status: 'ok', version: PRODUCT_VERSION, connections, groups, hubs });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (clientHubOf(req.url) !== null) {
      res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
      res.end('this is a WebSocket endpoint: connect with a Web PubSub client\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found: the relay serves GET / (status) and WebSocket clients on /client/hubs/{hub}\n');
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.logger.debug('client socket error', { error: err }));
    if (this.closing) {
      this.refuse(socket, 503, 'the relay is shutting down');
      return;
    }
    const decision = decideUpgrade(req, {
      accessKey: this.accessKey,
      endpoint: this.endpoint,
      hubs: this.allowedHubs,
      now: this.clock.now(),
    });
    if (decision.kind === 'refuse') {
      this.logRefusal(req.socket.remoteAddress ?? '?', decision.status, decision.reason);
      this.refuse(socket, decision.status, decision.reason);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.add(ws);
      if (decision.kind === 'connect') this.accept(ws, decision);
      else this.recover(ws, decision);
    });
  }

  /** A misconfigured client retries every second; say so once a minute per address and reason, not each time. */
  private logRefusal(remote: string, status: number, reason: string): void {
    const key = `${remote}|${status}|${reason}`;
    const now = this.clock.now();
    const last = this.refusalsLogged.get(key);
    if (last !== undefined && now - last < REFUSAL_LOG_INTERVAL_MS) return;
    if (this.refusalsLogged.size >= 1000) this.refusalsLogged.clear();
    this.refusalsLogged.set(key, now);
    this.logger.warn('refused a client connection', { status, reason, remote });
  }

  private refuse(socket: Duplex, status: number, reason: string): void {
    const body = `${reason}\n`;
    socket.once('finish', () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    this.listeners.emit('refused', { status, reason });
  }

  private accept(ws: WebSocket, decision: Extract<UpgradeDecision, { kind: 'connect' }>): void {
    const session = new Session({
      connectionId: this.newConnectionId(),
      hub: decision.hub,
      userId: decision.claims.userId,
      protocol: decision.protocol,
      permissions: Permissions.fromRoles(decision.claims.roles),
      reconnectionToken: randomBytes(32).toString('base64url'),
      limits: this.limits,
      slabs: this.slabs,
    });
    const hub = this.hub(decision.hub);
    hub.add(session);
    for (const group of decision.claims.groups) if (group !== '') hub.join(session, group);
    this.wire(ws, session);
    session.attach(ws);
    this.logger.debug('client connected', {
      connectionId: session.connectionId,
      userId: session.userId ?? undefined,
      hub: decision.hub,
      protocol: decision.protocol.name,
    });
    this.listeners.emit('connected', { connectionId: session.connectionId, hub: decision.hub, userId: session.userId, recovered: false });
  }

  private recover(ws: WebSocket, decision: Extract<UpgradeDecision, { kind: 'recover' }>): void {
    const session = this.hubs.get(decision.hub)?.sessions.get(decision.connectionId);
    const proven =
      session !== undefined && !session.ended && session.reliable && sameSecret(decision.reconnectionToken, session.reconnectionToken);
    if (!proven || session === undefined) {
      this.refuseRecovery(ws, decision, 'the connection cannot be recovered (unknown, expired or wrong token): make a new connection', 'session not found or expired');
      return;
    }
    if (decision.protocol !== session.protocol) {
      // Only a holder of the reconnection token learns which subprotocol the session speaks.
      const reason = `the connection was made with ${session.protocol.name} and cannot be recovered with ${decision.protocol.name}: recover it with ${session.protocol.name}, or make a new connection`;
      this.refuseRecovery(ws, decision, reason, 'subprotocol differs from the session');
      return;
    }
    const previous = session.socket;
    if (previous !== null) {
      session.detach(previous);
      previous.terminate();
    }
    session.expiry?.cancel();
    session.expiry = null;
    this.wire(ws, session);
    session.attach(ws);
    this.logger.debug('client recovered its connection', { connectionId: session.connectionId, resent: session.unackedCount });
    this.listeners.emit('connected', { connectionId: session.connectionId, hub: session.hub, userId: session.userId, recovered: true });
  }

  /** Tells the client why (a disconnected message in its own format) and closes with 1008. */
  private refuseRecovery(ws: WebSocket, decision: Extract<UpgradeDecision, { kind: 'recover' }>, reason: string, closeReason: string): void {
    const codec = decision.protocol.codec;
    ws.on('error', () => {});
    ws.on('close', () => this.sockets.delete(ws));
    ws.send(codec.disconnected(reason), codec.sendOptions);
    ws.close(CLOSE_POLICY_VIOLATION, closeReason);
    this.logger.info('refused a connection recovery', { hub: decision.hub, problem: reason });
    this.listeners.emit('refused', { status: CLOSE_POLICY_VIOLATION, reason });
  }

  private wire(ws: WebSocket, session: Session): void {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const frame = toBuffer(data);
      try {
        handleFrame(this, session, frame, isBinary);
      } catch (err) {
        const ackId = session.peekAckId(frame);
        if (ackId !== undefined) session.sendAck(ackId, { name: 'InternalServerError', message: 'the relay failed to handle this request: retry it' });
        if (session.firstWarning('internal error')) {
          this.logger.error('relay failed to handle a frame', { connectionId: session.connectionId, error: err });
        }
      }
    });
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('error', (err) => {
      if (session.firstWarning(`socket error ${err.message}`)) {
        this.logger.info('client socket error', { connectionId: session.connectionId, error: err });
      }
    });
    ws.on('close', (code: number) => this.onSocketClosed(session, ws, code));
  }

  private onSocketClosed(session: Session, ws: WebSocket, code: number): void {
    this.sockets.delete(ws);
    if (!session.detach(ws)) return;
    this.listeners.emit('disconnected', { connectionId: session.connectionId, code });
    if (session.ended) return;
    if (session.reliable && !this.closing) {
      this.logger.debug('client disconnected; keeping its session for recovery', { connectionId: session.connectionId, code });
      session.expiry = this.clock.setTimeout(() => this.endSession(session, 'expired'), this.limits.recoveryWindowMs);
      return;
    }
    this.endSession(session, 'closed');
  }

  private endSession(session: Session, reason: SessionEndReason, closeCode?: number, closeReason?: string): void {
    if (session.ended) return;
    this.hubs.get(session.hub)?.remove(session);
    const socket = session.socket;
    if (socket !== null && closeCode !== undefined) {
      session.sendDisconnected(closeReason ?? reason);
      socket.close(closeCode, closeReason);
    }
    session.end();
    this.logger.debug('session ended', { connectionId: session.connectionId, reason });
    this.listeners.emit('session-ended', { connectionId: session.connectionId, reason });
  }

  private sweepDeadSockets(): void {
    for (const hub of this.hubs.values()) {
      for (const session of hub.sessions.values()) {
        const socket = session.socket;
        if (socket === null) continue;
        if (!session.alive) {
          socket.terminate();
          continue;
        }
        session.alive = false;
        socket.ping();
      }
    }
  }

  private async shutdown(): Promise<void> {
    this.keepAlive?.cancel();
    this.keepAlive = null;
    for (const hub of this.hubs.values()) {
      for (const session of [...hub.sessions.values()]) {
        // 1008, not 1001: the session does not survive the relay, and on 1008 clients make a new connection
        // at once instead of trying to recover this one for 30 seconds.
        this.endSession(session, 'shutdown', CLOSE_POLICY_VIOLATION, 'relay shutting down');
      }
    }
    const open = [...this.sockets];
    if (open.length > 0) {
      let grace: TimerHandle | undefined;
      const allClosed = Promise.all(
        open.map((ws) => (ws.readyState === ws.CLOSED ? undefined : new Promise<void>((resolve) => ws.once('close', () => resolve())))),
      );
      const timedOut = new Promise<void>((resolve) => (grace = this.clock.setTimeout(resolve, this.limits.closeGraceMs)));
      await Promise.race([allClosed, timedOut]);
      grace?.cancel();
      for (const ws of open) if (ws.readyState !== ws.CLOSED) ws.terminate();
    }
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.logger.info('relay stopped');
  }
}
