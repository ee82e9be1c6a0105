import { MAX_FRAME_BYTES } from '@remote-agent/contracts';

/** The service's bounds, kept by the built-in relay; tests shrink them to reach the edges quickly. */
export interface RelayLimits {
  /** A client frame over this is refused with an error ack (the service's 1 MB). */
  maxFrameBytes: number;
  /**
   * What the WebSocket layer accepts at all. Set above maxFrameBytes so that a frame somewhat over the
   * limit gets an ack the sender can act on instead of a dropped connection; past this, `ws` closes the
   * connection with 1009 (message too big), as the service does for any oversize frame.
   */
  socketMaxPayloadBytes: number;
  /** Un-acknowledged messages per reliable connection; past it the connection is dropped for good. */
  maxUnackedMessages: number;
  maxUnackedBytes: number;
  /** How long a dropped reliable connection can be recovered. */
  recoveryWindowMs: number;
  /** WebSocket ping interval that finds dead peers; 0 disables. */
  keepAliveIntervalMs: number;
  /** ackIds remembered per connection to answer Duplicate; the oldest are forgotten first. */
  rememberedAckIds: number;
  /** How long close() waits for clients to complete the close handshake. */
  closeGraceMs: number;
}

export const DEFAULT_RELAY_LIMITS: Readonly<RelayLimits> = Object.freeze({
  maxFrameBytes: MAX_FRAME_BYTES,
  socketMaxPayloadBytes: 2 * MAX_FRAME_BYTES,
  maxUnackedMessages: 1000,
  maxUnackedBytes: 16 * 1024 * 1024,
  recoveryWindowMs: 30_000,
  keepAliveIntervalMs: 30_000,
  rememberedAckIds: 10_000,
  closeGraceMs: 1_000,
});
