import type { BodyOf, DataFormat, DataStreamMessageType, EnvelopeOf } from '@remote-agent/contracts';

/**
 * One request's byte-stream messages between its daemon and its executor (the protocol is described in
 * contracts' data-stream.ts). The executor's dispatcher and the daemon's core each route the request's
 * messages to one of these; DataSender and DataReceiver speak the protocol over it.
 */
export interface DataChannel {
  /** Sends fire-and-forget (the stream protocol detects and repairs loss); rejects while the relay is away. */
  send<T extends DataStreamMessageType>(type: T, body: BodyOf<T>): Promise<void>;
  /** Messages of this request from its peer; returns the function that stops listening. */
  onMessage(listener: (env: EnvelopeOf<DataStreamMessageType>) => void): () => void;
  /** The relay connection was replaced, so messages in flight may have been lost. */
  onReconnect(listener: () => void): () => void;
}

/** Where a stream stands, for progress reports. */
export interface DataProgress {
  /** Sender: bytes sent at least once. Receiver: bytes written, in order. */
  bytes: number;
  /** Data bytes that crossed the relay, counting what was sent again after a resume. */
  wireBytes: number;
  /** Bytes of the whole stream, when known. */
  total: number | null;
  /** Times the stream continued from the receiver's position after losing messages. */
  resumes: number;
  /** The offsets it continued from, the latest few. */
  resumedAt: number[];
}

/** A finished stream, as both ends agree on it. */
export interface DataSummary {
  size: number;
  sha256: string;
  format: DataFormat;
}

export const MAX_RESUME_OFFSETS_KEPT = 10;

/** The listening half of a DataChannel, kept by whatever routes envelopes to one request. */
export class DataChannelListeners {
  private readonly messages = new Set<(env: EnvelopeOf<DataStreamMessageType>) => void>();
  private readonly reconnects = new Set<() => void>();

  /** `onError` hears what a listener threw, so a bad message never breaks the router. */
  constructor(private readonly onError: (err: unknown) => void) {}

  channel(send: DataChannel['send']): DataChannel {
    return {
      send,
      onMessage: (listener) => {
        this.messages.add(listener);
        return () => this.messages.delete(listener);
      },
      onReconnect: (listener) => {
        this.reconnects.add(listener);
        return () => this.reconnects.delete(listener);
      },
    };
  }

  deliver(env: EnvelopeOf<DataStreamMessageType>): void {
    for (const listener of [...this.messages]) this.guard(() => listener(env));
  }

  reconnected(): void {
    for (const listener of [...this.reconnects]) this.guard(listener);
  }

  clear(): void {
    this.messages.clear();
    this.reconnects.clear();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }
}
