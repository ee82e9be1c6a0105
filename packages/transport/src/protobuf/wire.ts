/**
 * The few protocol-buffers wire primitives the Web PubSub client protocol needs (proto3: varints and
 * length-delimited fields). Hand-written rather than a protobuf library because the schema is ten small
 * messages and the relay must forward `bytes` fields as views of the frame they came in, never copied
 * field by field.
 */

export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;

/** A frame that is not valid protobuf for the message it should be; its message names what was wrong. */
export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

/** Bytes a varint of `value` takes (value a non-negative safe integer). */
export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Bytes to write into a frame: one buffer, or the pieces of one, each copied once when the frame is joined. */
export type ProtoBytes = Uint8Array | readonly Uint8Array[];

/** A message's encoded fields not yet joined: parts kept by reference, and their total length. */
export interface ProtoParts {
  parts: readonly Uint8Array[];
  length: number;
}

/** Appends protobuf fields to a list of parts, joined once by finish(). */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private scratch: number[] = [];
  private size = 0;

  varintField(field: number, value: number): this {
    this.tag(field, WireType.Varint);
    this.varint(value);
    return this;
  }

  boolField(field: number, value: boolean): this {
    return this.varintField(field, value ? 1 : 0);
  }

  stringField(field: number, value: string): this {
    return this.bytesField(field, Buffer.from(value, 'utf8'));
  }

  /** A length-delimited field whose bytes are kept by reference until finish(). */
  bytesField(field: number, value: ProtoBytes): this {
    const pieces = value instanceof Uint8Array ? [value] : value;
    let length = 0;
    for (const piece of pieces) length += piece.length;
    this.tag(field, WireType.LengthDelimited);
    this.varint(length);
    this.flushScratch();
    for (const piece of pieces) this.parts.push(piece);
    this.size += length;
    return this;
  }

  /** A nested message: its fields written by `build` into a writer of their own. */
  messageField(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytesField(field, inner.unjoined().parts);
  }

  finish(): Buffer {
    this.flushScratch();
    return Buffer.concat(this.parts, this.size);
  }

  /** The fields written so far, unjoined: a caller frames them itself, copying each byte once. */
  unjoined(): ProtoParts {
    this.flushScratch();
    return { parts: this.parts, length: this.size };
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  private varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new ProtobufError(`cannot encode ${value} as a varint: it must be a non-negative safe integer`);
    while (value >= 0x80) {
      this.scratch.push((value % 128) | 0x80);
      value = Math.floor(value / 128);
    }
    this.scratch.push(value);
  }

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    const bytes = Uint8Array.from(this.scratch);
    this.parts.push(bytes);
    this.size += bytes.length;
    this.scratch = [];
  }
}

export interface ProtoField {
  field: number;
  wireType: number;
  /** Varint fields: the value. */
  value: number;
  /** Length-delimited fields: a view of the frame (not a copy). */
  bytes: Buffer;
}

const EMPTY = Buffer.alloc(0);
const MAX_FIELD_NUMBER = 2 ** 29 - 1;

/** Iterates the fields of one message. Throws ProtobufError on truncated or malformed input. */
export function* readFields(buf: Buffer): Generator<ProtoField> {
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field === 0 || field > MAX_FIELD_NUMBER) throw new ProtobufError(`field number ${field} is not valid (1 to ${MAX_FIELD_NUMBER})`);
    pos = afterKey;
    switch (wireType) {
      case WireType.Varint: {
        const [value, next] = readVarint(buf, pos);
        pos = next;
        yield { field, wireType, value, bytes: EMPTY };
        break;
      }
      case WireType.LengthDelimited: {
        const [length, start] = readVarint(buf, pos);
        const end = start + length;
        if (end > buf.length) throw new ProtobufError(`field ${field} says ${length} bytes but the frame ends ${buf.length - start} bytes later`);
        pos = end;
        yield { field, wireType, value: length, bytes: buf.subarray(start, end) };
        break;
      }
      case WireType.Fixed64:
        if (pos + 8 > buf.length) throw new ProtobufError(`field ${field} is cut short`);
        pos += 8;
        break;
      case WireType.Fixed32:
        if (pos + 4 > buf.length) throw new ProtobufError(`field ${field} is cut short`);
        pos += 4;
        break;
      default:
        throw new ProtobufError(`field ${field} has wire type ${wireType}, which proto3 does not use`);
    }
  }
}

/** A varint at `pos`: [value, position after it]. Values past 2^53 are refused rather than rounded. */
export function readVarint(buf: Buffer, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtobufError('a varint is cut short by the end of the frame');
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (!Number.isSafeInteger(value)) throw new ProtobufError('a varint is larger than 2^53 - 1, which this protocol never sends');
      return [value, pos];
    }
    scale *= 128;
  }
  throw new ProtobufError('a varint is longer than 10 bytes');
}
