import type {
  AckMessageError,
  JSONTypes,
  OnConnectedArgs,
  OnDisconnectedArgs,
  OnGroupDataMessageArgs,
  OnRejoinGroupFailedArgs,
  WebPubSubClient,
  WebPubSubDataType,
} from '@azure/web-pubsub-client';
import { ErrorCode, RemoteAgentError, WirePieces } from '@remote-agent/contracts';
import { clientAccessUrlProvider, describeRelay, type RelayAccess, type RelaySubprotocol } from './access.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { ConnectionEvents, ConnectionState, RelayConnection, SendOptions } from './connection.js';
import { Listeners } from './emitter.js';
import { redact, type Logger } from './logger.js';
import { webPubSubProtobufReliableProtocol } from './protobuf/sdk-protocol.js';
import { encodeUpstream } from './protobuf/web-pubsub-proto.js';
import type { PeerRole } from './roles.js';
import { routeAzureSdkLogs } from './sdk-logging.js';
import { SdkSocketFactory } from './sdk-socket.js';

export interface WebPubSubConnectionOptions {
  access: RelayAccess;
  userId: string;
  role: PeerRole;
  logger: Logger;
  /** The reliable subprotocol to speak (see RelaySubprotocol); defaults to `protobuf`. */
  protocol?: RelaySubprotocol;
  /** For the bounded wait in stop(); defaults to the system clock. */
  clock?: Clock;
  /**
   * How often the SDK retries a send or join that failed (not connected, or a refused ack), one second
   * apart. Defaults to the SDK's 3; retries reuse the ackId, so the relay answers Duplicate, not twice.
   */
  messageRetries?: number;
  /**
   * The SDK's keep-alive ping interval and silence timeout (defaults 20 s and 120 s; 0 disables). Its loops
   * hold a timer for up to one interval after stop(), so an entry point that is done should exit explicitly.
   */
  keepAliveIntervalMs?: number;
  keepAliveTimeoutMs?: number;
}

/** How long stop() waits for the SDK to confirm; it may be between reconnect attempts. */
const STOP_WAIT_MS = 3_000;
/**
 * Our ackIds start far above the SDK's own counter (1, 2, ... for joins) so that the two never collide
 * within one connection; an explicit ackId makes the SDK's retries idempotent.
 */
const FIRST_ACK_ID = 2 ** 32;

/**
 * The reliable protocol lets the service hold at most 1,000 messages or 16 MB delivered but not yet
 * acknowledged per connection, and drops the connection past that; the SDK acknowledges once a second, so
 * any receiver taking in more than 16 MB/s (or a burst of 1,000 hellos) would be dropped. We acknowledge
 * after this many messages, or this long after the first unacknowledged one, whichever comes first:
 * 32 chunks of 128 KiB (base64) stay near 5.5 MB.
 */
const QUICK_ACK_MESSAGES = 32;
const QUICK_ACK_AFTER_MS = 50;

/** The SDK's own (private) sequence-ack sender, which it calls on its 1 s timer. */
interface SequenceAckInternals {
  _trySendSequenceAck?: () => Promise<void>;
}

/** The SDK's (private) seam for its WebSocket factory, called at every connect. */
interface SocketFactoryInternals {
  _getWebSocketClientFactory?: () => unknown;
}

function encode(data: unknown): [JSONTypes | ArrayBuffer, WebPubSubDataType] {
  if (typeof data === 'string') return [data, 'text'];
  if (data instanceof WirePieces) return [copyToArrayBuffer(data.pieces, data.byteLength), 'binary'];
  if (data instanceof ArrayBuffer) return [data, 'binary'];
  if (ArrayBuffer.isView(data)) return [copyToArrayBuffer([new Uint8Array(data.buffer, data.byteOffset, data.byteLength)], data.byteLength), 'binary'];
  return [(data ?? null) as JSONTypes, 'json'];
}

function copyToArrayBuffer(pieces: readonly Uint8Array[], byteLength: number): ArrayBuffer {
  const bytes = new Uint8Array(byteLength);
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.length;
  }
  return bytes.buffer;
}

/** The pieces of a binary payload, over the caller's memory; null for anything else. */
function piecesOf(data: unknown): readonly Uint8Array[] | null {
  if (data instanceof WirePieces) return data.pieces;
  if (data instanceof ArrayBuffer) return [new Uint8Array(data)];
  if (ArrayBuffer.isView(data)) return [new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
  return null;
}

function base64Of(pieces: readonly Uint8Array[]): string {
  const whole = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  return Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength).toString('base64');
}

function decode(data: unknown): unknown {
  return data instanceof ArrayBuffer ? Buffer.from(data) : data;
}

function messageOf(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}

function ackErrorOf(err: unknown): AckMessageError | undefined {
  if (typeof err !== 'object' || err === null || !('errorDetail' in err)) return undefined;
  const detail = (err as { errorDetail?: unknown }).errorDetail;
  return typeof detail === 'object' && detail !== null && typeof (detail as AckMessageError).name === 'string' ? (detail as AckMessageError) : undefined;
}

/**
 * RelayConnection over Microsoft's `@azure/web-pubsub-client` with a reliable subprotocol (our protobuf one,
 * or the SDK's JSON one): the SDK reconnects, recovers the session (nothing lost, same connection id) and
 * rejoins groups; a fresh access URL is minted for every new connection. The SDK is loaded on start(), so
 * importing this package stays cheap for code that never connects.
 */
class WebPubSubConnection implements RelayConnection {
  readonly userId: string;
  private client: WebPubSubClient | null = null;
  private readonly options: WebPubSubConnectionOptions;
  private readonly listeners: Listeners<ConnectionEvents>;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly where: string;
  private readonly subprotocol: RelaySubprotocol;
  /** The WebSocket subprotocol's full name, known once the SDK is loaded. */
  private subprotocolName = '';
  private currentState: ConnectionState = 'idle';
  private lastConnectionId: string | undefined;
  private nextAckId = FIRST_ACK_ID;
  private stopping = false;
  private pendingStart: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private readonly stopWaiters: Array<() => void> = [];
  private unacked = 0;
  private ackTimer: TimerHandle | undefined;
  /** Null when the SDK has no factory seam: every send then goes through the SDK. */
  private sockets: SdkSocketFactory | null = null;

  constructor(opts: WebPubSubConnectionOptions) {
    this.options = opts;
    this.userId = opts.userId;
    this.where = describeRelay(opts.access);
    this.logger = opts.logger.child({ relay: this.where });
    this.clock = opts.clock ?? systemClock;
    this.subprotocol = opts.protocol ?? 'protobuf';
    this.listeners = new Listeners<ConnectionEvents>((err) => this.logger.error('connection listener failed', { error: err }));
  }

  private async createClient(): Promise<WebPubSubClient> {
    const opts = this.options;
    const { WebPubSubClient, WebPubSubJsonReliableProtocol } = await import('@azure/web-pubsub-client');
    await routeAzureSdkLogs(opts.logger);
    const getUrl = clientAccessUrlProvider(opts.access, opts.userId, opts.role);
    const protocol = this.subprotocol === 'json' ? WebPubSubJsonReliableProtocol() : webPubSubProtobufReliableProtocol();
    this.subprotocolName = protocol.name;
    const client = new WebPubSubClient(
      { getClientAccessUrl: () => getUrl() },
      {
        protocol,
        autoReconnect: true,
        autoRejoinGroups: true,
        ...(opts.messageRetries === undefined ? {} : { messageRetryOptions: { maxRetries: opts.messageRetries } }),
        ...(opts.keepAliveIntervalMs === undefined ? {} : { keepAliveIntervalInMs: opts.keepAliveIntervalMs }),
        ...(opts.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeoutInMs: opts.keepAliveTimeoutMs }),
      },
    );
    this.sockets = this.installSocketFactory(client);
    client.on('connected', (e) => this.onConnected(e));
    client.on('disconnected', (e) => this.onDisconnected(e));
    client.on('stopped', () => this.onStopped());
    client.on('group-message', (e) => this.onGroupMessage(e));
    client.on('rejoin-group-failed', (e) => this.onRejoinFailed(e));
    return client;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  async start(): Promise<void> {
    if (this.currentState === 'stopped') {
      throw new RemoteAgentError(ErrorCode.NotConnected, `connection to ${this.where} was stopped: create a new connection`);
    }
    if (this.currentState !== 'idle') {
      throw new RemoteAgentError(ErrorCode.Conflict, `connection to ${this.where} is already ${this.currentState}`);
    }
    this.currentState = 'connecting';
    const connected = new Promise<void>((resolve, reject) => (this.pendingStart = { resolve, reject }));
    connected.catch(() => {});
    try {
      this.client ??= await this.createClient();
      if (this.stopping) throw new RemoteAgentError(ErrorCode.NotConnected, `connection to ${this.where} was stopped while starting`);
      await this.client.start();
    } catch (err) {
      this.pendingStart = undefined;
      if (this.currentState === 'connecting') this.currentState = 'idle';
      throw this.startError(err);
    }
    await connected;
  }

  async joinGroup(group: string): Promise<void> {
    const client = this.requireStarted();
    try {
      await client.joinGroup(group);
    } catch (err) {
      throw this.operationError(err, `join group ${group}`);
    }
  }

  async leaveGroup(group: string): Promise<void> {
    const client = this.requireStarted();
    try {
      await client.leaveGroup(group);
    } catch (err) {
      throw this.operationError(err, `leave group ${group}`);
    }
  }

  async sendToGroup(group: string, data: unknown, options: SendOptions = {}): Promise<void> {
    const client = this.requireStarted();
    const noEcho = options.noEcho ?? false;
    if (options.fireAndForget && this.currentState === 'connected' && this.sendDirect(group, data, noEcho)) return;
    const [payload, dataType] = encode(data);
    try {
      if (options.fireAndForget) {
        await client.sendToGroup(group, payload, dataType, { fireAndForget: true, noEcho });
      } else {
        await client.sendToGroup(group, payload, dataType, { ackId: this.nextAckId++, noEcho });
      }
    } catch (err) {
      throw this.operationError(err, `send to group ${group}`);
    }
  }

  on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): () => void {
    return this.listeners.on(event, listener);
  }

  async stop(): Promise<void> {
    if (this.currentState === 'stopped') return;
    const client = this.client;
    this.stopping = true;
    if (this.currentState === 'idle' || client === null) {
      this.finishStopped();
      return;
    }
    const confirmed = new Promise<void>((resolve) => this.stopWaiters.push(resolve));
    let timer: { cancel(): void } | undefined;
    const waited = new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, STOP_WAIT_MS)));
    client.stop();
    this.stopReconnectLoops(client);
    await Promise.race([confirmed, waited]);
    timer?.cancel();
    this.finishStopped();
  }

  /**
   * The frame the SDK would write for a fire-and-forget sendToGroup of bytes (no ackId), built straight from
   * the caller's pieces, each copied once into the frame: the SDK would first join them into an ArrayBuffer.
   * JSON values and text keep the SDK's path.
   */
  private sendDirect(group: string, data: unknown, noEcho: boolean): boolean {
    const pieces = piecesOf(data);
    if (this.sockets === null || pieces === null) return false;
    const frame =
      this.subprotocol === 'protobuf'
        ? encodeUpstream({ type: 'sendToGroup', group, noEcho, data: { kind: 'binary', bytes: pieces }, stream: false })
        : `{"type":"sendToGroup","group":${JSON.stringify(group)},"noEcho":${noEcho},"dataType":"binary","data":"${base64Of(pieces)}"}`;
    return this.sockets.trySend(frame, (err) => this.logger.debug('frame not sent', { group, error: messageOf(err) }));
  }

  /**
   * Gives the SDK our sockets (see SdkSocketFactory) through its own factory method, which @azure/web-pubsub-client
   * 1.1 calls at every connect. Should a later SDK drop the method, it keeps its own sockets and all sends go
   * through it, as before.
   */
  private installSocketFactory(client: WebPubSubClient): SdkSocketFactory | null {
    const internals = client as unknown as SocketFactoryInternals;
    if (typeof internals._getWebSocketClientFactory !== 'function') {
      this.logger.info('this @azure/web-pubsub-client has no socket factory to replace: every send goes through the SDK (slower bulk streams)');
      return null;
    }
    const sockets = new SdkSocketFactory((err) => this.logger.warn('dropped a frame from the relay that could not be read', { error: messageOf(err) }));
    internals._getWebSocketClientFactory = () => sockets;
    return sockets;
  }

  /**
   * Works around @azure/web-pubsub-client 1.1: stop() called while the socket is down (recovering or
   * reconnecting) clears its own stopping flag at once, so the reconnect loops go on for ever. Setting the
   * flag makes them end at their next attempt (within about a second) and emit `stopped`.
   */
  private stopReconnectLoops(client: WebPubSubClient): void {
    const internals = client as unknown as { _isStopping?: unknown };
    if (typeof internals._isStopping === 'boolean') internals._isStopping = true;
  }

  private onConnected(e: OnConnectedArgs): void {
    if (this.stopping) {
      // The SDK finished a reconnect it had under way when stop() was called; close that socket too.
      this.client?.stop();
      return;
    }
    const recovered = e.connectionId === this.lastConnectionId;
    this.lastConnectionId = e.connectionId;
    this.currentState = 'connected';
    this.logger.info('relay connected', { connectionId: e.connectionId, recovered, subprotocol: this.subprotocolName });
    this.listeners.emit('connected', { connectionId: e.connectionId, recovered });
    this.pendingStart?.resolve();
    this.pendingStart = undefined;
  }

  private onDisconnected(e: OnDisconnectedArgs): void {
    if (this.stopping || this.currentState === 'stopped') return;
    this.currentState = 'reconnecting';
    const message = e.message?.message ?? 'connection lost';
    this.logger.warn('relay connection lost; reconnecting', { connectionId: e.connectionId, reason: message });
    this.listeners.emit('disconnected', { message });
  }

  private onStopped(): void {
    for (const resolve of this.stopWaiters.splice(0)) resolve();
    if (!this.stopping) this.finishStopped();
  }

  private onGroupMessage(e: OnGroupDataMessageArgs): void {
    if (this.currentState === 'stopped') return;
    const msg = e.message;
    this.countForQuickAck();
    this.listeners.emit('message', { group: msg.group, data: decode(msg.data), fromUserId: msg.fromUserId });
  }

  private countForQuickAck(): void {
    this.unacked++;
    if (this.unacked >= QUICK_ACK_MESSAGES) this.sendSequenceAck();
    else this.ackTimer ??= this.clock.setTimeout(() => this.sendSequenceAck(), QUICK_ACK_AFTER_MS);
  }

  private sendSequenceAck(): void {
    this.unacked = 0;
    this.ackTimer?.cancel();
    this.ackTimer = undefined;
    // A private method of @azure/web-pubsub-client 1.1 (pinned by the lock file; see the test that streams
    // past 16 MB through the relay). Should a later SDK drop it, the SDK's own 1 s acknowledgement remains.
    const internals = this.client as unknown as SequenceAckInternals | null;
    if (typeof internals?._trySendSequenceAck !== 'function') return;
    internals._trySendSequenceAck().catch((err: unknown) => this.logger.debug('sequence ack failed', { error: messageOf(err) }));
  }

  private onRejoinFailed(e: OnRejoinGroupFailedArgs): void {
    this.logger.warn('could not rejoin group after reconnect', { group: e.group, error: messageOf(e.error) });
  }

  private finishStopped(): void {
    if (this.currentState === 'stopped') return;
    this.ackTimer?.cancel();
    this.ackTimer = undefined;
    this.pendingStart?.reject(new RemoteAgentError(ErrorCode.NotConnected, `connection to ${this.where} stopped before it was established`));
    this.pendingStart = undefined;
    this.currentState = 'stopped';
    this.listeners.emit('stopped');
  }

  private requireStarted(): WebPubSubClient {
    if (this.client === null || this.currentState === 'idle' || this.currentState === 'stopped') {
      throw new RemoteAgentError(ErrorCode.NotConnected, `connection to ${this.where} is ${this.currentState}: call start() first`);
    }
    return this.client;
  }

  private startError(err: unknown): RemoteAgentError {
    if (err instanceof RemoteAgentError) return err;
    const reason = messageOf(err);
    if (/\b40[13]\b/.test(reason)) {
      return new RemoteAgentError(
        ErrorCode.Unauthorized,
        `the relay at ${this.where} refused the access token (${reason}): check that the connection string's Endpoint and AccessKey, ` +
          'and the hub, are the ones the relay uses, and that the token has not expired',
      );
    }
    return new RemoteAgentError(
      ErrorCode.NotConnected,
      `could not connect to the relay at ${this.where} (${reason}): check that it is running and reachable from this machine`,
    );
  }

  private operationError(err: unknown, what: string): RemoteAgentError {
    if (err instanceof RemoteAgentError) return err;
    const detail = ackErrorOf(err);
    if (detail?.name === 'Forbidden') {
      return new RemoteAgentError(
        ErrorCode.Forbidden,
        `the relay refused to let ${this.userId} ${what} (Forbidden): the access token's roles do not allow it`,
      );
    }
    if (detail) {
      return new RemoteAgentError(ErrorCode.Internal, `the relay could not ${what} for ${this.userId}: ${detail.name}: ${redact(detail.message)}`);
    }
    return new RemoteAgentError(
      ErrorCode.NotConnected,
      `could not ${what}: not connected to the relay at ${this.where} (${messageOf(err)}); it reconnects by itself, try again`,
    );
  }
}

export function createWebPubSubConnection(opts: WebPubSubConnectionOptions): RelayConnection {
  return new WebPubSubConnection(opts);
}
