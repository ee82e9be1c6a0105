import {
  isDataStreamMessageType,
  type BodyOf,
  type DataStreamMessageType,
  type Envelope,
  type EnvelopeOf,
} from '@remote-agent/contracts';
import { DataChannelListeners, type DataChannel, type Logger } from '@remote-agent/transport';

export type ChannelSend = <T extends DataStreamMessageType>(
  executorId: string,
  requestId: string,
  type: T,
  body: BodyOf<T>,
) => Promise<void>;

interface OpenChannel {
  executorId: string;
  listeners: DataChannelListeners;
}

/**
 * The byte streams of requests that have one (artifact transfers), by request id: messages from the
 * request's executor go to its listeners, and a replaced relay connection is announced to all of them.
 */
export class RequestChannels {
  private readonly open = new Map<string, OpenChannel>();

  constructor(
    private readonly send: ChannelSend,
    private readonly logger: Logger,
  ) {}

  /** Opens the channel of a request to `executorId`; `close()` forgets it. */
  openChannel(requestId: string, executorId: string): DataChannel & { close(): void } {
    const listeners = new DataChannelListeners((err) => this.logger.error('data stream listener failed', { requestId, error: err }));
    const entry: OpenChannel = { executorId, listeners };
    this.open.set(requestId, entry);
    const channel = listeners.channel((type, body) => this.send(executorId, requestId, type, body));
    return {
      ...channel,
      close: () => {
        if (this.open.get(requestId) === entry) this.open.delete(requestId);
        listeners.clear();
      },
    };
  }

  /** True when the envelope is a byte-stream message (delivered, or dropped when no channel wants it). */
  deliver(env: Envelope): boolean {
    if (!isDataStreamMessageType(env.type)) return false;
    const message = env as EnvelopeOf<DataStreamMessageType>;
    const entry = this.open.get(message.requestId);
    if (!entry || message.from.role !== 'executor' || message.from.id !== entry.executorId) {
      this.logger.debug('data stream message without an open channel dropped', { type: env.type, requestId: message.requestId });
      return true;
    }
    entry.listeners.deliver(message);
    return true;
  }

  reconnected(): void {
    for (const { listeners } of this.open.values()) listeners.reconnected();
  }

  size(): number {
    return this.open.size;
  }
}
