import { WebSocket } from 'ws';

/**
 * The socket shape `@azure/web-pubsub-client` 1.1 asks its (internal) WebSocket factory for; it mirrors the
 * SDK's own `WebSocketClient`, which is the same 40 lines over `ws` without options.
 */
export interface SdkWebSocket {
  onopen(fn: () => void): void;
  onclose(fn: (code: number, reason: string) => void): void;
  onerror(fn: (error: unknown) => void): void;
  onmessage(fn: (data: unknown) => void): void;
  close(code?: number, reason?: string): void;
  send(data: unknown): Promise<void>;
  isOpen(): boolean;
}

/**
 * Masking exists so that script in a browser cannot choose the bytes a caching proxy sees (RFC 6455
 * section 10.3). Our clients are not browsers, production traffic is TLS, and `ws` skips the XOR on both
 * ends for an all-zero key, which takes a sixth of an executor's CPU off every streamed byte.
 */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

class LeanSocket implements SdkWebSocket {
  private readonly socket: WebSocket;

  constructor(uri: string, protocol: string) {
    this.socket = new WebSocket(uri, protocol, { generateMask: zeroMask });
    this.socket.binaryType = 'arraybuffer';
  }

  onopen(fn: () => void): void {
    this.socket.onopen = () => fn();
  }

  onclose(fn: (code: number, reason: string) => void): void {
    this.socket.onclose = (event) => fn(event.code, event.reason);
  }

  onerror(fn: (error: unknown) => void): void {
    this.socket.onerror = (event) => fn(event.error);
  }

  onmessage(fn: (data: unknown) => void): void {
    this.socket.onmessage = (event) => fn(event.data);
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  send(data: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(data as string, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** A frame already in the protocol's JSON text; failures surface as the socket closing. */
  sendText(frame: string, onError: (err: Error) => void): void {
    this.socket.send(frame, (err) => {
      if (err) onError(err);
    });
  }

  isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }
}

/**
 * Hands the SDK its sockets and remembers the current one, so that fire-and-forget frames the caller has
 * already serialised (bulk output and transfer chunks) go straight to it instead of through the SDK's
 * JSON.stringify, which on Node 22 escapes a long string at about 250 MB/s.
 */
export class SdkSocketFactory {
  private current: LeanSocket | null = null;

  create(uri: string, protocol: string): SdkWebSocket {
    this.current = new LeanSocket(uri, protocol);
    return this.current;
  }

  /** Sends `frame` if the current socket is open; false when there is none (the caller falls back to the SDK). */
  trySendText(frame: string, onError: (err: Error) => void): boolean {
    const socket = this.current;
    if (socket === null || !socket.isOpen()) return false;
    socket.sendText(frame, onError);
    return true;
  }
}
