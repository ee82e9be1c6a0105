import type { TimerHandle } from '@remote-agent/transport';
import type { AckError, ParsedFrame } from './client-message.js';
import { FrameArena, type SlabPool, type Slab } from './frame-arena.js';
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
  /** `done` is called once the frame is written, or failed to be: until then its bytes must not change. */
  send(data: Frame, options: { binary: boolean }, done?: (err?: Error) => void): void;
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
  /** The relay's slabs, which this session's kept bulk frames are cut from. */
  slabs: SlabPool;
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
  private readonly arena: FrameArena;
  private readonly release = (entry: { slab: Slab | null }): void => this.arena.release(entry.slab);
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
    this.arena = new FrameArena(init.slabs);
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
    for (const entry of this.unacked.pending()) this.sendKept(socket, entry.frame, entry.slab);
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
    let slab: Slab | null = null;
    const frame = this.codec.groupFrame(message, sequenceId, (size) => {
      const cut = this.arena.cut(size);
      slab = cut.slab;
      return cut.frame;
    });
    this.unacked.push({ sequenceId, frame, slab });
    if (this.unacked.count > this.limits.maxUnackedMessages || this.unacked.bytes > this.limits.maxUnackedBytes) return false;
    if (socket !== null && socket.readyState === OPEN) this.sendKept(socket, frame, slab);
    return true;
  }

  /** Sends a kept frame; its slab is held until the write is done, so its bytes stay as they are meanwhile. */
  private sendKept(socket: RelaySocket, frame: Buffer, slab: Slab | null): void {
    if (slab === null) {
      socket.send(frame, this.codec.sendOptions);
      return;
    }
    this.arena.hold(slab);
    socket.send(frame, this.codec.sendOptions, () => this.arena.release(slab));
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
    this.unacked.acknowledge(Math.min(sequenceId, this.nextSequenceId - 1), this.release);
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
    this.unacked.clear(this.release);
    this.arena.close();
    this.current = null;
  }
}
