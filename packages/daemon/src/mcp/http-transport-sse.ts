import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Clock, TimerHandle } from '@remote-agent/transport';

const SSE_HEADERS: OutgoingHttpHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  // Tells nginx-style proxies not to hold events back.
  'x-accel-buffering': 'no',
};

/**
 * One server-sent-events response: JSON-RPC messages as `event: message` events, with a comment line every
 * keepAliveMs so that proxies and clients with idle timeouts keep an otherwise quiet stream open.
 */
export class SseStream {
  private readonly keepAlive: TimerHandle | null;

  constructor(
    private readonly res: ServerResponse,
    headers: OutgoingHttpHeaders,
    clock: Clock,
    keepAliveMs: number,
  ) {
    res.writeHead(200, { ...SSE_HEADERS, ...headers });
    // The client's fetch resolves on the headers; without this they would wait for the first event.
    res.flushHeaders();
    this.keepAlive = keepAliveMs > 0 ? clock.setInterval(() => this.write(': keepalive\n\n'), keepAliveMs) : null;
    res.once('close', () => this.keepAlive?.cancel());
  }

  get open(): boolean {
    return !this.res.writableEnded && !this.res.destroyed;
  }

  /** False when the stream has already ended or its client has gone. */
  send(message: JSONRPCMessage): boolean {
    return this.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  end(): void {
    this.keepAlive?.cancel();
    if (this.open) this.res.end();
  }

  private write(text: string): boolean {
    if (!this.open) return false;
    this.res.write(text);
    return true;
  }
}
