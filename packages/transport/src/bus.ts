import { parseEnvelope, toWire, type Envelope } from '@remote-agent/contracts';
import type { RelayConnection, SendOptions } from './connection.js';
import type { Logger } from './logger.js';

export interface EnvelopeContext {
  group: string;
  fromUserId: string | undefined;
}

export type EnvelopeHandler = (env: Envelope, ctx: EnvelopeContext) => void;

/**
 * Envelopes over a RelayConnection: every received message is validated with the contracts' schema;
 * an invalid one is logged (once per sender and problem) and dropped, so a bad peer never crashes us.
 */
export class EnvelopeBus {
  private readonly handlers = new Set<EnvelopeHandler>();
  private readonly reported = new Set<string>();
  private readonly detach: () => void;

  constructor(
    readonly connection: RelayConnection,
    private readonly logger: Logger,
  ) {
    this.detach = connection.on('message', (msg) => {
      const parsed = parseEnvelope(msg.data);
      if (!parsed.ok) {
        this.reportInvalid(msg.group, msg.fromUserId, parsed.error);
        return;
      }
      const ctx: EnvelopeContext = { group: msg.group, fromUserId: msg.fromUserId };
      for (const handler of this.handlers) {
        try {
          handler(parsed.envelope, ctx);
        } catch (err) {
          this.logger.error('message handler failed', { type: parsed.envelope.type, group: msg.group, error: err });
        }
      }
    });
  }

  onEnvelope(handler: EnvelopeHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  send(group: string, envelope: Envelope, options?: SendOptions): Promise<void> {
    return this.connection.sendToGroup(group, toWire(envelope), options);
  }

  close(): void {
    this.detach();
    this.handlers.clear();
  }

  private reportInvalid(group: string, from: string | undefined, error: string): void {
    const key = `${from ?? '?'}|${error}`;
    if (this.reported.has(key)) return;
    if (this.reported.size > 1000) this.reported.clear();
    this.reported.add(key);
    this.logger.warn('dropped invalid message', { group, fromUserId: from, error });
  }
}
