/**
 * How an envelope crosses the relay. Ordinary messages are JSON values. The two bulk messages
 * (`request.output`, `request.data`) carry their chunk as raw bytes and go as one binary payload:
 *
 *   0x00 | format (1) | header length (u32, big-endian) | header: the envelope as JSON, body without `data` | the bytes
 *
 * so a chunk is never base64-encoded, JSON-escaped or parsed as text, on the protobuf subprotocol not even by
 * the relay. The leading 0x00 can never begin JSON text, so a receiver tells the two apart by the first byte.
 */
const BULK_MARK = 0x00;
const BULK_FORMAT = 1;
const HEADER_AT = 6;

export type WireValue = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * A bulk message's binary payload as the pieces it is made of: the head with the JSON header, then the
 * chunk's own bytes. The relay connection copies each piece once, straight into its frame; joining them
 * here first would copy every chunk twice on its way out.
 */
export class WirePieces {
  readonly byteLength: number;

  constructor(readonly pieces: readonly Uint8Array[]) {
    let length = 0;
    for (const piece of pieces) length += piece.length;
    this.byteLength = length;
  }

  /** The payload as one Buffer, for a path that can only take it whole. */
  join(): Buffer {
    return Buffer.concat(this.pieces, this.byteLength);
  }
}

/** The envelope as it is handed to the relay connection: itself, or the pieces of one binary payload when it carries bytes. */
export function toWire<T extends { body: unknown }>(envelope: T): T | WirePieces {
  const body = envelope.body;
  if (typeof body !== 'object' || body === null || !('data' in body) || !(body.data instanceof Uint8Array)) return envelope;
  const { data, ...rest } = body as { data: Uint8Array };
  const json = JSON.stringify({ ...envelope, body: rest });
  const jsonLength = Buffer.byteLength(json, 'utf8');
  const head = Buffer.allocUnsafe(HEADER_AT + jsonLength);
  head[0] = BULK_MARK;
  head[1] = BULK_FORMAT;
  head.writeUInt32BE(jsonLength, 2);
  head.write(json, HEADER_AT, 'utf8');
  return new WirePieces([head, data]);
}

/** What a relay connection delivered, as a value to validate: JSON text parsed, a bulk payload unpacked. */
export function fromWire(data: unknown): WireValue {
  if (typeof data === 'string') return parseJson(data);
  if (!(data instanceof Uint8Array)) return { ok: true, value: data };
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes[0] !== BULK_MARK) return parseJson(bytes.toString('utf8'));
  if (bytes.length < HEADER_AT) return { ok: false, error: 'binary message is shorter than its 6-byte head' };
  if (bytes[1] !== BULK_FORMAT) return { ok: false, error: `binary message has format ${bytes[1]}, this version reads format ${BULK_FORMAT}: update it` };
  const headerEnd = HEADER_AT + bytes.readUInt32BE(2);
  if (headerEnd > bytes.length) return { ok: false, error: 'binary message header runs past its end' };
  const header = parseJson(bytes.toString('utf8', HEADER_AT, headerEnd));
  if (!header.ok) return header;
  const envelope = header.value as { body?: unknown };
  if (typeof envelope !== 'object' || envelope === null || typeof envelope.body !== 'object' || envelope.body === null) {
    return { ok: false, error: 'binary message header has no body object' };
  }
  return { ok: true, value: { ...envelope, body: { ...envelope.body, data: bytes.subarray(headerEnd) } } };
}

function parseJson(text: string): WireValue {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: 'message is not valid JSON' };
  }
}
