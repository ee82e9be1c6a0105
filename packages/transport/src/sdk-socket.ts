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

/** Called with what the SDK threw while reading one frame from the relay; that frame is dropped. */
export type FrameErrorHandler = (err: unknown) => void;

class LeanSocket implements SdkWebSocket {
  private readonly socket: WebSocket;

  constructor(
    uri: string,
    protocol: string,
    private readonly onFrameError: FrameErrorHandler,
  ) {
    this.socket = new WebSocket(uri, protocol, { generateMask: zeroMask });
    // Binary frames come as the Buffer ws read them into: our protobuf protocol reads Buffers, and asking for
    // an ArrayBuffer (as the SDK's own socket does) would copy any frame that shares its read buffer.
    this.socket.binaryType = 'nodebuffer';
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

  /**
   * The SDK rethrows what its protocol could not parse, and a throw out of a `ws` listener would end the
   * process: a frame the relay got wrong must cost that frame only.
   */
  onmessage(fn: (data: unknown) => void): void {
    this.socket.onmessage = (event) => {
      try {
        fn(event.data);
      } catch (err) {
        this.onFrameError(err);
      }
    };
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  send(data: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(data as string, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** A frame already in the protocol's form: text for the JSON subprotocols, binary for protobuf. Failures surface as the socket closing. */
  sendFrame(frame: string | Buffer, onError: (err: Error) => void): void {
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
 * already built (bulk output and transfer chunks) go straight to it instead of through the SDK, which
 * would copy the bytes into an ArrayBuffer and, on the JSON subprotocols, base64 them into a string.
 */
export class SdkSocketFactory {
  private current: LeanSocket | null = null;

  constructor(private readonly onFrameError: FrameErrorHandler) {}

  create(uri: string, protocol: string): SdkWebSocket {
    this.current = new LeanSocket(uri, protocol, this.onFrameError);
    return this.current;
  }

  /**
   * Sends `frame` (a Buffer as a binary frame, a string as a text frame) if the current socket is open; false
   * when there is none (the caller falls back to the SDK).
   */
  trySend(frame: string | Buffer, onError: (err: Error) => void): boolean {
    const socket = this.current;
    if (socket === null || !socket.isOpen()) return false;
    socket.sendFrame(frame, onError);
    return true;
  }
}
