import {
  dataMessageBody,
  decodeUpstream,
  encodeDownstream,
  groupDataFrame,
  readFields,
  WireType,
  type ProtoData,
  type ProtoParts,
  type Upstream,
} from '@remote-agent/transport';
import { decodeBase64JsonString } from './base64-literal.js';
import { GROUP_PROBLEM, isGroupName, malformed, type DataType, type GroupPayload, type ParsedFrame } from './client-message.js';
import type { GroupMessage } from './group-message.js';
import { isValidJson, trimJsonSpace } from './json-validate.js';
import type { FrameAlloc, WireCodec } from './wire-codec.js';

/**
 * Azure Web PubSub's protobuf subprotocols (`protobuf.webpubsub.azure.v1` and its reliable variant) on the
 * relay's side: upstream messages parsed into the same ClientMessage the JSON protocols give, downstream
 * frames written with the transport's codec. Every frame is a WebSocket binary frame.
 */

/** Where each upstream member keeps its ackId: UpstreamMessage field -> ack_id field. */
const ACK_ID_FIELD: Readonly<Record<number, number>> = { 1: 2, 5: 3, 6: 2, 7: 2 };

/** Parses one client frame (the bytes of an UpstreamMessage). Never throws. */
export function parseProtobufFrame(frame: Buffer): ParsedFrame {
  let upstream: Upstream;
  try {
    upstream = decodeUpstream(frame);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return malformed(`frame is not a valid protobuf UpstreamMessage (${why})`, peekProtobufAckId(frame));
  }
  switch (upstream.type) {
    case 'sendToGroup': {
      const { group, ackId, noEcho, data } = upstream;
      if (upstream.stream) return { ok: true, message: { type: 'unsupported', name: 'sendToGroup with stream', ackId } };
      if (!isGroupName(group)) return malformed(`sendToGroup needs group: ${GROUP_PROBLEM}`, ackId);
      if (data === undefined) return malformed('sendToGroup needs data', ackId);
      if (data.kind === 'json' && !isValidJson(data.bytes)) return malformed('json_data is not valid JSON', ackId);
      return { ok: true, message: { type: 'sendToGroup', group, ackId, noEcho, payload: { format: 'protobuf', data } } };
    }
    case 'joinGroup':
    case 'leaveGroup': {
      const { type, group, ackId } = upstream;
      if (!isGroupName(group)) return malformed(`${type} needs group: ${GROUP_PROBLEM}`, ackId);
      return { ok: true, message: { type, group, ackId } };
    }
    case 'sequenceAck':
      return { ok: true, message: { type: 'sequenceAck', sequenceId: upstream.sequenceId } };
    case 'ping':
      return { ok: true, message: { type: 'ping' } };
    case 'event':
      return { ok: true, message: { type: 'event', ackId: upstream.ackId } };
    case 'unknown':
      return { ok: true, message: { type: 'unsupported', name: `UpstreamMessage field ${upstream.field}`, ackId: undefined } };
  }
}

/**
 * The ackId of a frame that will not be processed (oversize or malformed), read without decoding the
 * rest: fields are visited in order and the payload is skipped as a view, so this is cheap at any size.
 */
export function peekProtobufAckId(frame: Buffer): number | undefined {
  try {
    for (const member of readFields(frame)) {
      if (member.wireType !== WireType.LengthDelimited) continue;
      const ackIdField = ACK_ID_FIELD[member.field];
      if (ackIdField === undefined) return undefined;
      for (const f of readFields(member.bytes)) {
        if (f.field === ackIdField && f.wireType === WireType.Varint) return f.value;
      }
      return undefined;
    }
  } catch {
    // The damage came before any ackId.
  }
  return undefined;
}

/**
 * The fields of a DataMessage before its sequence id, built once per fan-out. A protobuf sender's data is
 * forwarded as it came; a JSON sender's is converted as the service documents it: json and text become
 * text_data (the JSON text, the string), binary and protobuf their base64-decoded bytes.
 */
export function protobufGroupBody(group: string, payload: GroupPayload): ProtoParts {
  return dataMessageBody('group', group, payload.format === 'protobuf' ? payload.data : protoDataOf(payload.dataType, payload.json));
}

function protoDataOf(dataType: DataType, json: Buffer): ProtoData {
  switch (dataType) {
    case 'json':
      return { kind: 'text', bytes: trimJsonSpace(json) };
    case 'text':
      return { kind: 'text', bytes: Buffer.from(JSON.parse(json.toString('utf8')) as string, 'utf8') };
    case 'binary':
    case 'protobuf':
      return { kind: dataType, bytes: decodeBase64JsonString(json) };
  }
}

const BINARY_FRAMES = Object.freeze({ binary: true });
const PONG_FRAME = encodeDownstream({ type: 'pong' });

/** The protobuf subprotocols' codec: binary frames both ways; a text frame is refused. */
export const protobufWire: WireCodec = {
  format: 'protobuf',
  sendOptions: BINARY_FRAMES,
  parse(frame, isBinary) {
    if (!isBinary) return malformed('a text frame on a protobuf connection: send protobuf messages in binary frames');
    return parseProtobufFrame(frame);
  },
  peekAckId: peekProtobufAckId,
  ack: (ackId, error) => encodeDownstream(error === undefined ? { type: 'ack', ackId, success: true } : { type: 'ack', ackId, success: false, error }),
  connected: (userId, connectionId, reconnectionToken) =>
    encodeDownstream({ type: 'connected', connectionId, userId: userId ?? '', reconnectionToken }),
  disconnected: (reason) => encodeDownstream({ type: 'disconnected', reason }),
  pong: () => PONG_FRAME,
  groupFrame(message: GroupMessage, sequenceId: number | undefined, alloc?: FrameAlloc): Buffer {
    return groupDataFrame(message.protobufBody(), sequenceId, alloc);
  },
};
