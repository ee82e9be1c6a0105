/**
 * The one interface the executor and the daemon use to talk to a relay. Two implementations:
 * `WebPubSubConnection` (Microsoft's client SDK, against Azure Web PubSub or the built-in relay) and
 * `InMemoryHub` connections for unit tests. Nothing outside this package touches the SDK.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface GroupMessage {
  group: string;
  /**
   * A JSON value (JSON subprotocol), a string (text; on the protobuf subprotocol JSON values arrive as their
   * text too) or a Buffer (binary). `parseEnvelope` reads all three.
   */
  data: unknown;
  /** The sender's user id where the subprotocol carries it (JSON only); for logs, never for trust. */
  fromUserId?: string;
}

export interface SendOptions {
  /** Do not wait for the relay's ack. For high-rate traffic whose loss is detected elsewhere (chunks carry seq). */
  fireAndForget?: boolean;
  /** The sender does not receive its own message even when it is a member of the group. */
  noEcho?: boolean;
}

export interface ConnectedEvent {
  connectionId: string;
  /** False on the first connect and whenever the relay gave a new connection (groups were rejoined). */
  recovered: boolean;
}

export interface DisconnectedEvent {
  message: string;
}

export interface ConnectionEvents {
  message: (msg: GroupMessage) => void;
  connected: (ev: ConnectedEvent) => void;
  disconnected: (ev: DisconnectedEvent) => void;
  stopped: () => void;
}

export interface RelayConnection {
  readonly userId: string;
  readonly state: ConnectionState;
  /** Resolves once connected; rejects with a RemoteAgentError (UNAUTHORIZED, NOT_CONNECTED) otherwise. */
  start(): Promise<void>;
  /** Joins and stays joined across reconnects. */
  joinGroup(group: string): Promise<void>;
  leaveGroup(group: string): Promise<void>;
  sendToGroup(group: string, data: unknown, options?: SendOptions): Promise<void>;
  on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): () => void;
  stop(): Promise<void>;
}
