import { isUtf8 } from 'node:buffer';
import { ProtobufError, ProtoWriter, readFields, varintSize, WireType, type ProtoBytes, type ProtoField, type ProtoParts } from './wire.js';

/**
 * Azure Web PubSub's protobuf client subprotocols (`protobuf.webpubsub.azure.v1` and the reliable
 * `protobuf.reliable.webpubsub.azure.v1`), both directions, as Microsoft's reference pages define them.
 * The client side (our SDK protocol) writes upstream and reads downstream messages; the built-in relay
 * reads upstream and writes downstream. Bulk payloads cross it as raw bytes, a quarter smaller than the
 * JSON protocols' base64 and with nothing to escape or validate.
 */
export const PROTOBUF_PROTOCOL = 'protobuf.webpubsub.azure.v1';
export const PROTOBUF_RELIABLE_PROTOCOL = 'protobuf.reliable.webpubsub.azure.v1';

export type ProtoDataKind = 'text' | 'binary' | 'protobuf' | 'json';

/** `MessageData`: which member of its oneof was set, and that member's bytes (UTF-8 for text and json). */
export interface ProtoData {
  kind: ProtoDataKind;
  bytes: Buffer;
}

/** MessageData to encode: the same, its bytes possibly in pieces (each copied once, into the frame). */
export interface OutgoingData {
  kind: ProtoDataKind;
  bytes: ProtoBytes;
}

const DATA_FIELD: Record<ProtoDataKind, number> = { text: 1, binary: 2, protobuf: 3, json: 4 };
const DATA_KIND: Record<number, ProtoDataKind> = { 1: 'text', 2: 'binary', 3: 'protobuf', 4: 'json' };

export type Upstream =
  | { type: 'sendToGroup'; group: string; ackId?: number; noEcho: boolean; data?: ProtoData; stream: boolean }
  | { type: 'event'; event: string; ackId?: number; data?: ProtoData }
  | { type: 'joinGroup' | 'leaveGroup'; group: string; ackId?: number }
  | { type: 'sequenceAck'; sequenceId: number }
  | { type: 'ping' }
  /** A member of the oneof this codec does not know (streams, or one added later). */
  | { type: 'unknown'; field: number };

export type Downstream =
  | { type: 'ack'; ackId: number; success: boolean; error?: { name: string; message: string } }
  | { type: 'data'; from: string; group?: string; data?: ProtoData; sequenceId?: number }
  | { type: 'connected'; connectionId: string; userId: string; reconnectionToken?: string }
  | { type: 'disconnected'; reason: string }
  | { type: 'pong' }
  | { type: 'unknown'; field: number };

/** A message to encode: any decoded one, or the same with its payload in pieces. */
type Outgoing<T> = T extends { data?: ProtoData } ? Omit<T, 'data'> & { data?: OutgoingData } : T;
export type OutgoingUpstream = Outgoing<Exclude<Upstream, { type: 'unknown' }>>;
export type OutgoingDownstream = Outgoing<Exclude<Downstream, { type: 'unknown' }>>;

const UP = { sendToGroup: 1, event: 5, joinGroup: 6, leaveGroup: 7, sequenceAck: 8, ping: 9 } as const;
const DOWN = { ack: 1, data: 2, system: 3, pong: 4 } as const;

// ---- MessageData -------------------------------------------------------------------------------------

export function encodeMessageData(data: OutgoingData): Buffer {
  return new ProtoWriter().bytesField(DATA_FIELD[data.kind], data.bytes).finish();
}

export function decodeMessageData(buf: Buffer): ProtoData {
  const found = readMessageData(buf);
  if (found === undefined) throw new ProtobufError('MessageData has none of text_data, binary_data, protobuf_data or json_data');
  return found;
}

/** The member of MessageData's oneof that is set (the last one, as protobuf has it); undefined for none this codec knows. */
function readMessageData(buf: Buffer): ProtoData | undefined {
  let found: ProtoData | undefined;
  for (const f of readFields(buf)) {
    const kind = DATA_KIND[f.field];
    if (kind === undefined) continue;
    found = { kind, bytes: bytesOf(f, `MessageData ${kind}_data`) };
  }
  if (found !== undefined && (found.kind === 'text' || found.kind === 'json') && !isUtf8(found.bytes)) {
    throw new ProtobufError(`MessageData ${found.kind}_data is not UTF-8`);
  }
  return found;
}

// ---- upstream (client -> service) --------------------------------------------------------------------

export function encodeUpstream(msg: OutgoingUpstream): Buffer {
  const w = new ProtoWriter();
  switch (msg.type) {
    case 'sendToGroup':
      w.messageField(UP.sendToGroup, (m) => {
        m.stringField(1, msg.group);
        if (msg.ackId !== undefined) m.varintField(2, msg.ackId);
        if (msg.data !== undefined) m.messageField(3, (d) => d.bytesField(DATA_FIELD[msg.data!.kind], msg.data!.bytes));
        if (msg.noEcho) m.boolField(4, true);
      });
      break;
    case 'event':
      w.messageField(UP.event, (m) => {
        m.stringField(1, msg.event);
        if (msg.data !== undefined) m.messageField(2, (d) => d.bytesField(DATA_FIELD[msg.data!.kind], msg.data!.bytes));
        if (msg.ackId !== undefined) m.varintField(3, msg.ackId);
      });
      break;
    case 'joinGroup':
    case 'leaveGroup':
      w.messageField(UP[msg.type], (m) => {
        m.stringField(1, msg.group);
        if (msg.ackId !== undefined) m.varintField(2, msg.ackId);
      });
      break;
    case 'sequenceAck':
      w.messageField(UP.sequenceAck, (m) => m.varintField(1, msg.sequenceId));
      break;
    case 'ping':
      w.messageField(UP.ping, () => {});
      break;
  }
  return w.finish();
}

const UP_MEMBERS: ReadonlySet<number> = new Set(Object.values(UP));
const DOWN_MEMBERS: ReadonlySet<number> = new Set(Object.values(DOWN));

/**
 * The member of a top-level oneof that is set: the last known one, as protobuf has it. A field this codec
 * does not know is reported only when no known member is set, so that a field added beside the oneof later
 * never hides the message.
 */
function oneofMember(frame: Buffer, known: ReadonlySet<number>, what: string): ProtoField {
  let member: ProtoField | undefined;
  let unknown: ProtoField | undefined;
  for (const f of readFields(frame)) {
    if (known.has(f.field)) {
      bytesOf(f, `${what} member`);
      member = f;
    } else {
      unknown ??= f;
    }
  }
  const found = member ?? unknown;
  if (found === undefined) throw new ProtobufError(`${what} has no message set`);
  return found;
}

/** Reads one UpstreamMessage; throws ProtobufError naming what is wrong. */
export function decodeUpstream(frame: Buffer): Upstream {
  const member = oneofMember(frame, UP_MEMBERS, 'UpstreamMessage');
  return UP_MEMBERS.has(member.field) ? decodeUpstreamMember(member.field, member.bytes) : { type: 'unknown', field: member.field };
}

function decodeUpstreamMember(field: number, body: Buffer): Upstream {
  switch (field) {
    case UP.sendToGroup: {
      let group = '';
      let ackId: number | undefined;
      let data: ProtoData | undefined;
      let noEcho = false;
      let stream = false;
      for (const f of readFields(body)) {
        if (f.field === 1) group = text(f, 'group');
        else if (f.field === 2) ackId = varintOf(f, 'ack_id');
        else if (f.field === 3) data = decodeMessageData(bytesOf(f, 'data'));
        else if (f.field === 4) noEcho = varintOf(f, 'no_echo') !== 0;
        else if (f.field === 7) stream = true;
      }
      return { type: 'sendToGroup', group, ackId, noEcho, data, stream };
    }
    case UP.event: {
      let event = '';
      let ackId: number | undefined;
      let data: ProtoData | undefined;
      for (const f of readFields(body)) {
        if (f.field === 1) event = text(f, 'event');
        else if (f.field === 2) data = decodeMessageData(bytesOf(f, 'data'));
        else if (f.field === 3) ackId = varintOf(f, 'ack_id');
      }
      return { type: 'event', event, ackId, data };
    }
    case UP.joinGroup:
    case UP.leaveGroup: {
      let group = '';
      let ackId: number | undefined;
      for (const f of readFields(body)) {
        if (f.field === 1) group = text(f, 'group');
        else if (f.field === 2) ackId = varintOf(f, 'ack_id');
      }
      return { type: field === UP.joinGroup ? 'joinGroup' : 'leaveGroup', group, ackId };
    }
    case UP.sequenceAck: {
      let sequenceId = 0;
      for (const f of readFields(body)) if (f.field === 1) sequenceId = varintOf(f, 'sequence_id');
      return { type: 'sequenceAck', sequenceId };
    }
    case UP.ping:
      return { type: 'ping' };
    default:
      return { type: 'unknown', field };
  }
}

// ---- downstream (service -> client) ------------------------------------------------------------------

export function encodeDownstream(msg: OutgoingDownstream): Buffer {
  const w = new ProtoWriter();
  switch (msg.type) {
    case 'ack':
      w.messageField(DOWN.ack, (m) => {
        m.varintField(1, msg.ackId);
        if (msg.success) m.boolField(2, true);
        if (msg.error) m.messageField(3, (e) => e.stringField(1, msg.error!.name).stringField(2, msg.error!.message));
      });
      break;
    case 'data':
      return groupDataFrame(dataMessageBody(msg.from, msg.group, msg.data), msg.sequenceId);
    case 'connected':
      w.messageField(DOWN.system, (s) =>
        s.messageField(1, (c) => {
          c.stringField(1, msg.connectionId).stringField(2, msg.userId);
          if (msg.reconnectionToken !== undefined) c.stringField(3, msg.reconnectionToken);
        }),
      );
      break;
    case 'disconnected':
      w.messageField(DOWN.system, (s) => s.messageField(2, (d) => d.stringField(2, msg.reason)));
      break;
    case 'pong':
      w.messageField(DOWN.pong, () => {});
      break;
  }
  return w.finish();
}

/**
 * The fields of a DataMessage before its sequence id, unjoined: built once per fan-out, the payload held by
 * reference, and framed per recipient by groupDataFrame, which copies it once into that recipient's frame.
 */
export function dataMessageBody(from: string, group: string | undefined, data: OutgoingData | undefined): ProtoParts {
  const w = new ProtoWriter().stringField(1, from);
  if (group !== undefined) w.stringField(2, group);
  if (data !== undefined) w.messageField(3, (d) => d.bytesField(DATA_FIELD[data.kind], data.bytes));
  return w.unjoined();
}

/**
 * A whole DownstreamMessage frame around a DataMessage body, numbered for the reliable protocol, written
 * into memory from `alloc` (a relay cuts kept frames from slabs of its own).
 */
export function groupDataFrame(body: ProtoParts, sequenceId?: number, alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const seq = sequenceId === undefined ? 0 : 1 + varintSize(sequenceId);
  const inner = body.length + seq;
  const head = 1 + varintSize(inner);
  const frame = alloc(head + inner);
  frame[0] = DOWN.data * 8 + WireType.LengthDelimited;
  let pos = writeVarint(frame, 1, inner);
  for (const part of body.parts) {
    frame.set(part, pos);
    pos += part.length;
  }
  if (sequenceId !== undefined) {
    frame[pos++] = 4 * 8 + WireType.Varint;
    writeVarint(frame, pos, sequenceId);
  }
  return frame;
}

function writeVarint(buf: Buffer, pos: number, value: number): number {
  while (value >= 0x80) {
    buf[pos++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  return pos;
}

/**
 * Reads one DownstreamMessage; throws ProtobufError naming what is wrong. A DataMessage whose MessageData
 * holds no member this codec knows comes back without `data`.
 */
export function decodeDownstream(frame: Buffer): Downstream {
  const member = oneofMember(frame, DOWN_MEMBERS, 'DownstreamMessage');
  return DOWN_MEMBERS.has(member.field) ? decodeDownstreamMember(member.field, member.bytes) : { type: 'unknown', field: member.field };
}

function decodeDownstreamMember(field: number, body: Buffer): Downstream {
  switch (field) {
    case DOWN.ack: {
      let ackId = 0;
      let success = false;
      let error: { name: string; message: string } | undefined;
      for (const f of readFields(body)) {
        if (f.field === 1) ackId = varintOf(f, 'ack_id');
        else if (f.field === 2) success = varintOf(f, 'success') !== 0;
        else if (f.field === 3) error = decodeError(bytesOf(f, 'error'));
      }
      return error === undefined ? { type: 'ack', ackId, success } : { type: 'ack', ackId, success, error };
    }
    case DOWN.data: {
      let from = '';
      let group: string | undefined;
      let data: ProtoData | undefined;
      let sequenceId: number | undefined;
      for (const f of readFields(body)) {
        if (f.field === 1) from = text(f, 'from');
        else if (f.field === 2) group = text(f, 'group');
        else if (f.field === 3) data = readMessageData(bytesOf(f, 'data'));
        else if (f.field === 4) sequenceId = varintOf(f, 'sequence_id');
      }
      return { type: 'data', from, group, data, sequenceId };
    }
    case DOWN.system: {
      let system: Downstream = { type: 'unknown', field };
      for (const f of readFields(body)) {
        if (f.field === 1) system = decodeConnected(bytesOf(f, 'connected_message'));
        else if (f.field === 2) system = decodeDisconnected(bytesOf(f, 'disconnected_message'));
      }
      return system;
    }
    case DOWN.pong:
      return { type: 'pong' };
    default:
      return { type: 'unknown', field };
  }
}

function decodeConnected(body: Buffer): Downstream {
  let connectionId = '';
  let userId = '';
  let reconnectionToken: string | undefined;
  for (const f of readFields(body)) {
    if (f.field === 1) connectionId = text(f, 'connection_id');
    else if (f.field === 2) userId = text(f, 'user_id');
    else if (f.field === 3) reconnectionToken = text(f, 'reconnection_token');
  }
  return reconnectionToken === undefined
    ? { type: 'connected', connectionId, userId }
    : { type: 'connected', connectionId, userId, reconnectionToken };
}

function decodeDisconnected(body: Buffer): Downstream {
  let reason = '';
  for (const f of readFields(body)) if (f.field === 2) reason = text(f, 'reason');
  return { type: 'disconnected', reason };
}

function decodeError(body: Buffer): { name: string; message: string } {
  let name = '';
  let message = '';
  for (const f of readFields(body)) {
    if (f.field === 1) name = text(f, 'error.name');
    else if (f.field === 2) message = text(f, 'error.message');
  }
  return { name, message };
}

/** A known field must come with the wire type its declaration gives; anything else is a broken frame, not a value. */
function varintOf(f: ProtoField, what: string): number {
  if (f.wireType !== WireType.Varint) throw new ProtobufError(`${what} (field ${f.field}) has wire type ${f.wireType}, expected a varint`);
  return f.value;
}

function bytesOf(f: ProtoField, what: string): Buffer {
  if (f.wireType !== WireType.LengthDelimited) throw new ProtobufError(`${what} (field ${f.field}) has wire type ${f.wireType}, expected length-delimited`);
  return f.bytes;
}

function text(f: ProtoField, what: string): string {
  const bytes = bytesOf(f, what);
  if (!isUtf8(bytes)) throw new ProtobufError(`${what} is not UTF-8`);
  return bytes.toString('utf8');
}
