import { ErrorCode, RemoteAgentError, WirePieces } from '@remote-agent/contracts';
import type {
  ConnectionEvents,
  ConnectionState,
  GroupMessage,
  RelayConnection,
  SendOptions,
} from './connection.js';
import { Listeners } from './emitter.js';

/**
 * An in-process relay for unit tests: group fan-out in send order, delivered on a microtask so that
 * senders never re-enter receivers synchronously (as with a real socket). Values are copied through
 * JSON, and bytes copied, so that tests see what the wire would carry.
 */
export class InMemoryHub {
  private readonly groups = new Map<string, Set<InMemoryConnection>>();
  private nextId = 0;
  /** Tests set this to lose chosen messages on the way, as a replaced relay connection can. */
  lose: ((group: string, data: unknown) => boolean) | null = null;

  connect(userId: string): InMemoryConnection {
    return new InMemoryConnection(this, userId, `mem-${++this.nextId}`);
  }

  /** @internal */
  join(group: string, conn: InMemoryConnection): void {
    let set = this.groups.get(group);
    if (!set) {
      set = new Set();
      this.groups.set(group, set);
    }
    set.add(conn);
  }

  /** @internal */
  leave(group: string, conn: InMemoryConnection): void {
    this.groups.get(group)?.delete(conn);
  }

  /** @internal */
  publish(group: string, data: unknown, from: InMemoryConnection, noEcho: boolean): void {
    const members = this.groups.get(group);
    // Each send is copied as a relay would: no member ever shares memory with the sender.
    const copy: unknown =
      data instanceof WirePieces ? data.join() : data instanceof Uint8Array ? Buffer.from(data) : data === undefined ? undefined : JSON.parse(JSON.stringify(data));
    if (!members || this.lose?.(group, copy)) return;
    for (const member of members) {
      if (noEcho && member === from) continue;
      member.deliver({ group, data: copy, fromUserId: from.userId });
    }
  }

  /** Members of a group, for assertions. */
  members(group: string): string[] {
    return [...(this.groups.get(group) ?? [])].map((c) => c.userId);
  }
}

export class InMemoryConnection implements RelayConnection {
  private currentState: ConnectionState = 'idle';
  private readonly joined = new Set<string>();
  private readonly listeners = new Listeners<ConnectionEvents>();
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly hub: InMemoryHub,
    readonly userId: string,
    readonly connectionId: string,
  ) {}

  get state(): ConnectionState {
    return this.currentState;
  }

  async start(): Promise<void> {
    this.currentState = 'connected';
    for (const g of this.joined) this.hub.join(g, this);
    this.listeners.emit('connected', { connectionId: this.connectionId, recovered: false });
  }

  async joinGroup(group: string): Promise<void> {
    this.requireConnected();
    this.joined.add(group);
    this.hub.join(group, this);
  }

  async leaveGroup(group: string): Promise<void> {
    this.joined.delete(group);
    this.hub.leave(group, this);
  }

  async sendToGroup(group: string, data: unknown, options: SendOptions = {}): Promise<void> {
    this.requireConnected();
    this.hub.publish(group, data, this, options.noEcho ?? false);
  }

  on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): () => void {
    return this.listeners.on(event, listener);
  }

  async stop(): Promise<void> {
    if (this.currentState === 'stopped') return;
    for (const g of this.joined) this.hub.leave(g, this);
    this.currentState = 'stopped';
    this.listeners.emit('stopped');
  }

  /** Simulates a dropped socket: leaves every group until `start()` is called again. */
  drop(message = 'connection dropped'): void {
    for (const g of this.joined) this.hub.leave(g, this);
    this.currentState = 'reconnecting';
    this.listeners.emit('disconnected', { message });
  }

  /** @internal */
  deliver(msg: GroupMessage): void {
    this.pending = this.pending.then(() => {
      if (this.currentState === 'connected') this.listeners.emit('message', msg);
    });
  }

  private requireConnected(): void {
    if (this.currentState !== 'connected') {
      throw new RemoteAgentError(ErrorCode.NotConnected, `connection ${this.userId} is ${this.currentState}, not connected`);
    }
  }
}
