import type { TimerHandle } from '@remote-agent/transport';
import type { RelayLimits } from './limits.js';
import type { Permissions } from './permissions.js';
import { RecentIds } from './recent-ids.js';
import { UnackedQueue } from './unacked-queue.js';

/** The part of a `ws` WebSocket a session uses; a fake in unit tests. */
export interface RelaySocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Buffer, options?: { binary?: boolean }): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
}

const OPEN = 1;
/** Group messages are built as bytes but are JSON text frames. */
const TEXT = { binary: false } as const;
const OPEN_BRACE = Buffer.from('{');

export interface SessionInit {
  connectionId: string;
  hub: string;
  userId: string | null;
  reliable: boolean;
  permissions: Permissions;
  reconnectionToken: string;
  limits: RelayLimits;
}

/**
 * One client connection as the service sees it: identity, permissions, groups and, on the reliable
 * protocol, the numbered messages not yet acknowledged. It outlives its WebSocket for the recovery window,
 * so a client that reconnects with its connection id and reconnection token gets every un-acked message
 * again, in order, and keeps its groups.
 */
export class Session {
  readonly connectionId: string;
  readonly hub: string;
  readonly userId: string | null;
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

  constructor(init: SessionInit) {
    this.connectionId = init.connectionId;
    this.hub = init.hub;
    this.userId = init.userId;
    this.reliable = init.reliable;
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

  /** Binds a (new) WebSocket and sends it everything not yet acknowledged, oldest first. */
  attach(socket: RelaySocket, greeting: string): void {
    this.current = socket;
    this.alive = true;
    socket.send(greeting);
    for (const frame of this.unacked.frames()) socket.send(frame, TEXT);
  }

  /** Unbinds `socket` if it is still the current one; true when it was. */
  detach(socket: RelaySocket): boolean {
    if (this.current !== socket) return false;
    this.current = null;
    return true;
  }

  /**
   * Sends one group message (body parts built once per fan-out; see groupMessageBody). Returns false when the
   * connection is over its bounds and must be dropped, as the service does.
   */
  deliver(body: readonly Buffer[], bytes: number): boolean {
    const socket = this.current;
    if (!this.reliable) {
      if (socket === null || socket.readyState !== OPEN) return true;
      if (socket.bufferedAmount > this.limits.maxUnackedBytes) return false;
      socket.send(Buffer.concat([OPEN_BRACE, ...body]), TEXT);
      return true;
    }
    const sequenceId = this.nextSequenceId++;
    const frame = Buffer.concat([Buffer.from(`{"sequenceId":${sequenceId},`), ...body]);
    this.unacked.push(sequenceId, frame, bytes);
    if (this.unacked.count > this.limits.maxUnackedMessages || this.unacked.bytes > this.limits.maxUnackedBytes) return false;
    if (socket !== null && socket.readyState === OPEN) socket.send(frame, TEXT);
    return true;
  }

  /** Acks, pongs and system messages: not numbered, not kept. */
  sendControl(frame: string): void {
    const socket = this.current;
    if (socket !== null && socket.readyState === OPEN) socket.send(frame);
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
