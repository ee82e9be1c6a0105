import type { TimerHandle } from '@remote-agent/transport';
import type { AckError, ParsedFrame } from './client-message.js';
import type { GroupMessage } from './group-message.js';
import type { RelayLimits } from './limits.js';
import type { Permissions } from './permissions.js';
import { RecentIds } from './recent-ids.js';
import type { Subprotocol } from './subprotocols.js';
import { UnackedQueue } from './unacked-queue.js';
import type { Frame, WireCodec } from './wire-codec.js';

/** The part of a `ws` WebSocket a session uses; a fake in unit tests. */
export interface RelaySocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Frame, options: { binary: boolean }): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
}

const OPEN = 1;

export interface SessionInit {
  connectionId: string;
  hub: string;
  userId: string | null;
  /** Fixed for the session's life: a recovery must use the same one. */
  protocol: Subprotocol;
  permissions: Permissions;
  reconnectionToken: string;
  limits: RelayLimits;
}

/**
 * One client connection as the service sees it: identity, subprotocol (wire format and reliability),
 * permissions, groups and, on a reliable subprotocol, the numbered messages not yet acknowledged. It outlives its WebSocket for the recovery window,
 * so a client that reconnects with its connection id and reconnection token gets every un-acked message
 * again, in order, and keeps its groups.
 */
export class Session {
  readonly connectionId: string;
  readonly hub: string;
  readonly userId: string | null;
  readonly protocol: Subprotocol;
  readonly reliable: boolean;
  readonly permissions: Permissions;
  readonly reconnectionToken: string;
  readonly groups = new Set<string>();
  /** Set by the keep-alive sweep, cleared by any sign of life. */
  alive = true;
  ended = false;
  expiry: TimerHandle | null = null;
  private current: RelaySocket | null = null;
  private nextSequenceId = 1;
  private readonly unacked = new UnackedQueue();
  private readonly handledAckIds: RecentIds;
  private readonly warned = new Set<string>();
  private readonly limits: RelayLimits;
  private readonly codec: WireCodec;

  constructor(init: SessionInit) {
    this.connectionId = init.connectionId;
    this.hub = init.hub;
    this.userId = init.userId;
    this.protocol = init.protocol;
    this.reliable = init.protocol.reliable;
    this.codec = init.protocol.codec;
    this.permissions = init.permissions;
    this.reconnectionToken = init.reconnectionToken;
    this.limits = init.limits;
    this.handledAckIds = new RecentIds(init.limits.rememberedAckIds);
  }

  get socket(): RelaySocket | null {
    return this.current;
  }

  get unackedCount(): number {
    return this.unacked.count;
  }

  /** Binds a (new) WebSocket, greets it (`connected`) and sends it everything not yet acknowledged, oldest first. */
  attach(socket: RelaySocket): void {
    this.current = socket;
    this.alive = true;
    const options = this.codec.sendOptions;
    socket.send(this.codec.connected(this.userId, this.connectionId, this.reliable ? this.reconnectionToken : undefined), options);
    for (const frame of this.unacked.frames()) socket.send(frame, options);
  }

  /** Reads one client frame in this session's wire format. */
  parse(frame: Buffer, isBinary: boolean): ParsedFrame {
    return this.codec.parse(frame, isBinary);
  }

  peekAckId(frame: Buffer): number | undefined {
    return this.codec.peekAckId(frame);
  }

  /** Unbinds `socket` if it is still the current one; true when it was. */
  detach(socket: RelaySocket): boolean {
    if (this.current !== socket) return false;
    this.current = null;
    return true;
  }

  /**
   * Sends one group message, framed in this session's format (the body is built once per format per
   * fan-out; see GroupMessage). Returns false when the connection is over its bounds and must be dropped,
   * as the service does.
   */
  deliver(message: GroupMessage): boolean {
    const socket = this.current;
    if (!this.reliable) {
      if (socket === null || socket.readyState !== OPEN) return true;
      if (socket.bufferedAmount > this.limits.maxUnackedBytes) return false;
      socket.send(this.codec.groupFrame(message, undefined), this.codec.sendOptions);
      return true;
    }
    const sequenceId = this.nextSequenceId++;
    const frame = this.codec.groupFrame(message, sequenceId);
    this.unacked.push(sequenceId, frame, frame.length);
    if (this.unacked.count > this.limits.maxUnackedMessages || this.unacked.bytes > this.limits.maxUnackedBytes) return false;
    if (socket !== null && socket.readyState === OPEN) socket.send(frame, this.codec.sendOptions);
    return true;
  }

  sendAck(ackId: number, error?: AckError): void {
    this.sendControl(this.codec.ack(ackId, error));
  }

  sendPong(): void {
    this.sendControl(this.codec.pong());
  }

  sendDisconnected(reason: string): void {
    this.sendControl(this.codec.disconnected(reason));
  }

  /** Acks, pongs and system messages: not numbered, not kept. */
  private sendControl(frame: Frame): void {
    const socket = this.current;
    if (socket !== null && socket.readyState === OPEN) socket.send(frame, this.codec.sendOptions);
  }

  acknowledge(sequenceId: number): void {
    this.unacked.acknowledge(Math.min(sequenceId, this.nextSequenceId - 1));
  }

  hasHandled(ackId: number): boolean {
    return this.handledAckIds.has(ackId);
  }

  markHandled(ackId: number): void {
    this.handledAckIds.add(ackId);
  }

  /** True the first time a kind of problem is seen on this connection, so each is logged once. */
  firstWarning(kind: string): boolean {
    if (this.warned.has(kind) || this.warned.size >= 32) return false;
    this.warned.add(kind);
    return true;
  }

  end(): void {
    this.ended = true;
    this.expiry?.cancel();
    this.expiry = null;
    this.unacked.clear();
    this.current = null;
  }
}
