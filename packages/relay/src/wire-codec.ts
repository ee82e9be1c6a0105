import type { AckError, ParsedFrame } from './client-message.js';
import type { GroupMessage } from './group-message.js';

/** A frame as a socket sends it: JSON text, or the bytes of a text or binary frame. */
export type Frame = string | Buffer;

/** Memory of `size` bytes for a frame to be written into. */
export type FrameAlloc = (size: number) => Buffer;

/**
 * One wire format (JSON or protobuf) as a session speaks it: reading client frames and writing the relay's.
 * A session holds the codec of its subprotocol, fixed when the connection is made.
 */
export interface WireCodec {
  readonly format: 'json' | 'protobuf';
  /** How every frame of this format goes out: JSON in text frames, protobuf in binary ones. */
  readonly sendOptions: { readonly binary: boolean };
  /** Never throws: anything wrong with the frame is a problem to answer. */
  parse(frame: Buffer, isBinary: boolean): ParsedFrame;
  /** The ackId of a frame the relay will not process (oversize, or failed), if one is cheap to read. */
  peekAckId(frame: Buffer): number | undefined;
  ack(ackId: number, error?: AckError): Frame;
  connected(userId: string | null, connectionId: string, reconnectionToken: string | undefined): Frame;
  disconnected(reason: string): Frame;
  pong(): Frame;
  /** A group message for one recipient, from the body the message builds once per format, written into `alloc`'s memory. */
  groupFrame(message: GroupMessage, sequenceId: number | undefined, alloc?: FrameAlloc): Buffer;
}
