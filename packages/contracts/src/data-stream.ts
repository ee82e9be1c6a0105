import { z } from 'zod';
import { CHUNK_BYTES } from './limits.js';
import { bytesSchema } from './schemas.js';

/**
 * Byte streams inside a request (artifact transfers), the same messages in either direction:
 *
 * - the sender sends `request.data` chunks of at most CHUNK_BYTES raw bytes, each at the byte
 *   `offset` where it belongs, and a last chunk with `eof` {size, sha256, format};
 * - the receiver writes chunks strictly in offset order and grants one `request.credit` per chunk written
 *   (in batches), so the sender never has more than a window of chunks in flight (the transport
 *   acknowledges to the relay promptly, so the window, not the relay, bounds what is buffered);
 * - the receiver's `request.data.position` {offset, window} says "I hold every byte before offset: send
 *   from there, with this many chunks of credit". It is sent when the receiver is ready, whenever it
 *   notices a gap, after its relay connection was replaced, and in answer to `request.data.query`.
 *   After the eof was verified and the data put in place, it is sent with `eof: true`: the stream is done;
 * - the sender begins with no credit and a `request.data.query`, and queries again when it has heard
 *   nothing for a while, so lost chunks, credits or positions never stall a transfer. It sends again
 *   from a position's offset only when what it sent there was lost (seen to be missing by the position's
 *   seq, or assumed lost after its own reconnect or a silence): after a dropped connection it resumes
 *   from the receiver's confirmed offset instead of from zero.
 *
 * A chunk whose offset is not exactly the receiver's next byte is dropped (a duplicate or after a gap),
 * so offsets alone keep the bytes in order; `seq` only numbers what was sent, for diagnosis.
 */

/** Chunks a data stream keeps in flight: 16 x CHUNK_BYTES = 2 MiB. */
export const DATA_STREAM_WINDOW = 16;

export const Sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lower-case hex digits');

/** How the receiver makes the bytes into the result: a file as is, or a folder packed as a tar stream. */
export const DataFormatSchema = z.enum(['file', 'tar']);
export type DataFormat = z.infer<typeof DataFormatSchema>;

export const DataEofSchema = z.object({
  size: z.number().int().nonnegative(),
  sha256: Sha256HexSchema,
  format: DataFormatSchema,
});
export type DataEof = z.infer<typeof DataEofSchema>;

export const RequestDataBody = z.object({
  /** Numbers every chunk sent for the request, resends included. */
  seq: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  /** The chunk's bytes (empty on an eof-only chunk). */
  data: bytesSchema(CHUNK_BYTES),
  /** Bytes the whole stream will have, when the sender knows it in advance (for progress). */
  total: z.number().int().nonnegative().optional(),
  /** On the last chunk only. */
  eof: DataEofSchema.optional(),
});

export const RequestDataQueryBody = z.object({});

export const RequestDataPositionBody = z.object({
  offset: z.number().int().nonnegative(),
  /**
   * Highest chunk seq the receiver has seen (-1 before any). Relay delivery keeps order, so a chunk sent
   * with a seq up to this one and not held was lost, while later ones may still be on their way.
   */
  seq: z.number().int().min(-1),
  window: z.number().int().positive().max(1024),
  /** The receiver verified the whole stream and put it in place. */
  eof: z.boolean(),
});

/** Messages of a request's byte stream (request.credit is shared with command output). */
export const DATA_STREAM_MESSAGE_TYPES = ['request.data', 'request.data.query', 'request.data.position', 'request.credit'] as const;
export type DataStreamMessageType = (typeof DATA_STREAM_MESSAGE_TYPES)[number];

export function isDataStreamMessageType(type: string): type is DataStreamMessageType {
  return (DATA_STREAM_MESSAGE_TYPES as readonly string[]).includes(type);
}

/** A sender that hears nothing from the receiver for this long asks for its position. */
export const DATA_STALL_MS = 5_000;
/** A stream that hears nothing from its peer for this long fails with TIMED_OUT. */
export const DATA_IDLE_TIMEOUT_MS = 120_000;
