import { isUtf8 } from 'node:buffer';
import type { ProtoData } from '@remote-agent/transport';
import { BASE64, isBase64JsonString } from './base64-literal.js';
import {
  GROUP_PROBLEM,
  isGroupName,
  malformed,
  type AckError,
  type DataType,
  type GroupPayload,
  type ParsedFrame,
} from './client-message.js';
import type { GroupMessage } from './group-message.js';
import { isJsonSpace, isValidJson } from './json-validate.js';
import type { FrameAlloc, WireCodec } from './wire-codec.js';

/**
 * The Azure Web PubSub JSON subprotocols (`json.webpubsub.azure.v1` and its reliable variant): parsing of
 * what clients send and the frames the relay answers with, shaped as Microsoft's docs and
 * `@azure/web-pubsub-client` define them.
 */
export const RELIABLE_PROTOCOL = 'json.reliable.webpubsub.azure.v1';
export const JSON_PROTOCOL = 'json.webpubsub.azure.v1';

const DATA_KEY = Buffer.from(',"data":');
/** Passed for `data` whose JSON text was already checked against its dataType. */
const CHECKED: unique symbol = Symbol('checked');

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAckId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Parses one client frame (UTF-8 JSON text). Never throws. SDK frames put `data` last, so the fast path
 * parses the short head and validates `data` without re-serialising it: its bytes are forwarded as they
 * came, never decoded into a string that is then encoded again.
 */
export function parseClientFrame(frame: Buffer): ParsedFrame {
  return parseSendToGroupFast(frame) ?? parseGeneric(frame.toString('utf8'));
}

function parseSendToGroupFast(frame: Buffer): ParsedFrame | null {
  const at = frame.indexOf(DATA_KEY);
  if (at < 0) return null;
  let end = frame.length - 1;
  while (end > at && isJsonSpace(frame[end]!)) end--;
  if (frame[end] !== 0x7d) return null;
  let head: unknown;
  try {
    head = JSON.parse(`${frame.toString('utf8', 0, at)}}`);
  } catch {
    return null;
  }
  if (!isRecord(head) || head.type !== 'sendToGroup' || 'data' in head) return null;
  const dataBytes = frame.subarray(at + DATA_KEY.length, end);
  const dataType = head.dataType ?? 'json';
  if (dataType === 'json') return isValidJson(dataBytes) ? sendToGroup(head, dataBytes, CHECKED) : null;
  if ((dataType === 'binary' || dataType === 'protobuf') && isBase64JsonString(dataBytes)) return sendToGroup(head, dataBytes, CHECKED);
  let data: unknown;
  try {
    data = JSON.parse(dataBytes.toString('utf8'));
  } catch {
    return null;
  }
  return sendToGroup(head, dataBytes, data);
}

function parseGeneric(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed('frame is not valid JSON');
  }
  if (!isRecord(value)) return malformed('frame is not a JSON object');
  const ackId = value.ackId;
  if (ackId !== undefined && !isAckId(ackId)) return malformed('ackId must be a non-negative integer');
  const type = value.type;
  switch (type) {
    case 'sendToGroup':
      if (value.data === undefined && value.stream === undefined) return malformed('sendToGroup needs "data"', ackId);
      return sendToGroup(value, Buffer.from(JSON.stringify(value.data) ?? 'null'), value.data);
    case 'joinGroup':
    case 'leaveGroup': {
      const group = value.group;
      if (!isGroupName(group)) return malformed(`${type} needs "group": ${GROUP_PROBLEM}`, ackId);
      return { ok: true, message: { type, group, ackId } };
    }
    case 'sequenceAck': {
      const sequenceId = value.sequenceId;
      if (typeof sequenceId !== 'number' || !Number.isSafeInteger(sequenceId) || sequenceId < 0) {
        return malformed('sequenceAck needs "sequenceId": a non-negative integer');
      }
      return { ok: true, message: { type, sequenceId } };
    }
    case 'ping':
      return { ok: true, message: { type } };
    case 'event':
      return { ok: true, message: { type, ackId } };
    default:
      if (typeof type !== 'string') return malformed('frame has no "type"', ackId);
      return { ok: true, message: { type: 'unsupported', name: type.slice(0, 64), ackId } };
  }
}

function isDataType(value: unknown): value is DataType {
  return value === 'json' || value === 'text' || value === 'binary' || value === 'protobuf';
}

/** `data` is the parsed value, or CHECKED when its JSON text was validated already. */
function sendToGroup(fields: Fields, dataBytes: Buffer, data: unknown): ParsedFrame {
  const ackId = fields.ackId;
  if (ackId !== undefined && !isAckId(ackId)) return malformed('ackId must be a non-negative integer');
  if (fields.stream !== undefined) {
    return { ok: true, message: { type: 'unsupported', name: 'sendToGroup with stream', ackId } };
  }
  const group = fields.group;
  if (!isGroupName(group)) return malformed(`sendToGroup needs "group": ${GROUP_PROBLEM}`, ackId);
  const noEcho = fields.noEcho ?? false;
  if (typeof noEcho !== 'boolean') return malformed('noEcho must be true or false', ackId);
  const dataType: unknown = fields.dataType ?? 'json';
  if (!isDataType(dataType)) return malformed('dataType must be json, text, binary or protobuf', ackId);
  if (data !== CHECKED) {
    switch (dataType) {
      case 'json':
        break;
      case 'text':
        if (typeof data !== 'string') return malformed('dataType text needs "data" to be a string', ackId);
        break;
      case 'binary':
      case 'protobuf':
        if (typeof data !== 'string' || !BASE64.test(data)) return malformed(`dataType ${dataType} needs "data" to be base64`, ackId);
        break;
    }
  }
  return { ok: true, message: { type: 'sendToGroup', group, ackId, noEcho, payload: { format: 'json', dataType, json: dataBytes } } };
}

/** Reads just the ackId of a frame the relay refuses to process (e.g. oversize), to answer it. */
export function peekAckId(frame: Buffer): number | undefined {
  try {
    const value: unknown = JSON.parse(frame.toString('utf8'));
    return isRecord(value) && isAckId(value.ackId) ? value.ackId : undefined;
  } catch {
    return undefined;
  }
}

export function ackFrame(ackId: number, error?: AckError): string {
  if (!error) return `{"type":"ack","ackId":${ackId},"success":true}`;
  return JSON.stringify({ type: 'ack', ackId, success: false, error });
}

export function connectedFrame(userId: string | null, connectionId: string, reconnectionToken: string | undefined): string {
  const frame: Record<string, unknown> = { type: 'system', event: 'connected', userId, connectionId };
  if (reconnectionToken !== undefined) frame.reconnectionToken = reconnectionToken;
  return JSON.stringify(frame);
}

export function disconnectedFrame(message: string): string {
  return JSON.stringify({ type: 'system', event: 'disconnected', message });
}

export const PONG_FRAME = '{"type":"pong"}';

/**
 * A group message without its opening brace, built once per fan-out: each recipient copies the parts once,
 * behind its own `{` or `{"sequenceId":N,`. A JSON sender's data is forwarded as it came; a protobuf
 * sender's is converted as the service documents it.
 */
export function jsonGroupBody(group: string, payload: GroupPayload, fromUserId: string | null): Buffer[] {
  const { dataType, data } = payload.format === 'json' ? { dataType: payload.dataType, data: payload.json } : jsonDataOf(payload.data);
  const from = fromUserId === null ? '' : `,"fromUserId":${JSON.stringify(fromUserId)}`;
  return [Buffer.from(`"type":"message","from":"group","group":${JSON.stringify(group)},"dataType":"${dataType}","data":`), data, Buffer.from(`${from}}`)];
}

/** A protobuf MessageData as the JSON protocols carry it: text as a string, bytes as base64, json as itself. */
function jsonDataOf(data: ProtoData): { dataType: DataType; data: Buffer } {
  switch (data.kind) {
    case 'text':
      return { dataType: 'text', data: Buffer.from(JSON.stringify(data.bytes.toString('utf8'))) };
    case 'json':
      return { dataType: 'json', data: data.bytes };
    case 'binary':
    case 'protobuf':
      return { dataType: data.kind, data: Buffer.from(`"${data.bytes.toString('base64')}"`, 'latin1') };
  }
}

const OPEN_BRACE = Buffer.from('{');
const TEXT_FRAMES = Object.freeze({ binary: false });

/** The JSON subprotocols' codec: text frames both ways (binary ones are read if they hold UTF-8 JSON). */
export const jsonWire: WireCodec = {
  format: 'json',
  sendOptions: TEXT_FRAMES,
  parse(frame, isBinary) {
    // Text frames were checked by ws; bytes of a binary one are forwarded in text frames only if they are UTF-8.
    if (isBinary && !isUtf8(frame)) return malformed('a binary frame that is not UTF-8 JSON: send JSON in text frames');
    return parseClientFrame(frame);
  },
  peekAckId,
  ack: ackFrame,
  connected: connectedFrame,
  disconnected: disconnectedFrame,
  pong: () => PONG_FRAME,
  groupFrame(message: GroupMessage, sequenceId: number | undefined, alloc: FrameAlloc = Buffer.allocUnsafe): Buffer {
    const head = sequenceId === undefined ? OPEN_BRACE : Buffer.from(`{"sequenceId":${sequenceId},`);
    const body = message.jsonBody();
    let size = head.length;
    for (const part of body) size += part.length;
    const frame = alloc(size);
    let at = head.copy(frame, 0);
    for (const part of body) at += part.copy(frame, at);
    return frame;
  },
};
