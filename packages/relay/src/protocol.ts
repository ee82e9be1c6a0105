import { isValidJson } from './json-validate.js';

/**
 * The Azure Web PubSub JSON subprotocols (`json.webpubsub.azure.v1` and its reliable variant): parsing of
 * what clients send and the frames the relay answers with, shaped as Microsoft's docs and
 * `@azure/web-pubsub-client` define them.
 */
export const RELIABLE_PROTOCOL = 'json.reliable.webpubsub.azure.v1';
export const JSON_PROTOCOL = 'json.webpubsub.azure.v1';
export const SUPPORTED_PROTOCOLS = [RELIABLE_PROTOCOL, JSON_PROTOCOL] as const;

export type DataType = 'json' | 'text' | 'binary' | 'protobuf';

/**
 * `Forbidden`, `Duplicate` and `InternalServerError` are the service's documented names. `BadRequest` is
 * the relay's own: where the service closes the connection over a malformed or oversize request, the
 * relay answers the request and keeps the connection.
 */
export type AckErrorName = 'Forbidden' | 'Duplicate' | 'InternalServerError' | 'BadRequest';

export type ClientMessage =
  | { type: 'sendToGroup'; group: string; ackId: number | undefined; noEcho: boolean; dataType: DataType; data: Buffer }
  | { type: 'joinGroup' | 'leaveGroup'; group: string; ackId: number | undefined }
  | { type: 'sequenceAck'; sequenceId: number }
  | { type: 'ping' }
  | { type: 'event'; ackId: number | undefined }
  | { type: 'unsupported'; name: string; ackId: number | undefined };

export type ParsedFrame = { ok: true; message: ClientMessage } | { ok: false; problem: string; ackId: number | undefined };

const MAX_GROUP_CHARS = 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_KEY = Buffer.from(',"data":');

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(problem: string, ackId: number | undefined = undefined): ParsedFrame {
  return { ok: false, problem, ackId };
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
  if ((head.dataType ?? 'json') === 'json') return isValidJson(dataBytes) ? sendToGroup(head, undefined, dataBytes) : null;
  let data: unknown;
  try {
    data = JSON.parse(dataBytes.toString('utf8'));
  } catch {
    return null;
  }
  return sendToGroup(head, data, dataBytes);
}

function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function parseGeneric(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad('frame is not valid JSON');
  }
  if (!isRecord(value)) return bad('frame is not a JSON object');
  const ackId = value.ackId;
  if (ackId !== undefined && !isAckId(ackId)) return bad('ackId must be a non-negative integer');
  const type = value.type;
  switch (type) {
    case 'sendToGroup':
      if (value.data === undefined && value.stream === undefined) return bad('sendToGroup needs "data"', ackId);
      return sendToGroup(value, value.data, Buffer.from(JSON.stringify(value.data) ?? 'null'));
    case 'joinGroup':
    case 'leaveGroup': {
      const group = readGroup(value.group);
      if (group === null) return bad(`${type} needs "group": a non-empty string of at most ${MAX_GROUP_CHARS} characters`, ackId);
      return { ok: true, message: { type, group, ackId } };
    }
    case 'sequenceAck': {
      const sequenceId = value.sequenceId;
      if (typeof sequenceId !== 'number' || !Number.isSafeInteger(sequenceId) || sequenceId < 0) {
        return bad('sequenceAck needs "sequenceId": a non-negative integer');
      }
      return { ok: true, message: { type, sequenceId } };
    }
    case 'ping':
      return { ok: true, message: { type } };
    case 'event':
      return { ok: true, message: { type, ackId } };
    default:
      if (typeof type !== 'string') return bad('frame has no "type"', ackId);
      return { ok: true, message: { type: 'unsupported', name: type.slice(0, 64), ackId } };
  }
}

function isDataType(value: unknown): value is DataType {
  return value === 'json' || value === 'text' || value === 'binary' || value === 'protobuf';
}

function readGroup(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_GROUP_CHARS ? value : null;
}

function sendToGroup(fields: Fields, data: unknown, dataBytes: Buffer): ParsedFrame {
  const ackId = fields.ackId;
  if (ackId !== undefined && !isAckId(ackId)) return bad('ackId must be a non-negative integer');
  if (fields.stream !== undefined) {
    return { ok: true, message: { type: 'unsupported', name: 'sendToGroup with stream', ackId } };
  }
  const group = readGroup(fields.group);
  if (group === null) return bad(`sendToGroup needs "group": a non-empty string of at most ${MAX_GROUP_CHARS} characters`, ackId);
  const noEcho = fields.noEcho ?? false;
  if (typeof noEcho !== 'boolean') return bad('noEcho must be true or false', ackId);
  const dataType: unknown = fields.dataType ?? 'json';
  if (!isDataType(dataType)) return bad('dataType must be json, text, binary or protobuf', ackId);
  switch (dataType) {
    case 'json':
      break;
    case 'text':
      if (typeof data !== 'string') return bad('dataType text needs "data" to be a string', ackId);
      break;
    case 'binary':
    case 'protobuf':
      if (typeof data !== 'string' || !BASE64.test(data)) return bad(`dataType ${dataType} needs "data" to be base64`, ackId);
      break;
  }
  return { ok: true, message: { type: 'sendToGroup', group, ackId, noEcho, dataType, data: dataBytes } };
}

/** Reads just the ackId of a frame the relay refuses to process (e.g. oversize), to answer it. */
export function peekAckId(text: string): number | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) && isAckId(value.ackId) ? value.ackId : undefined;
  } catch {
    return undefined;
  }
}

export function ackFrame(ackId: number, error?: { name: AckErrorName; message: string }): string {
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
 * behind its own `{` or `{"sequenceId":N,`. `data` is JSON text already validated.
 */
export function groupMessageBody(group: string, dataType: DataType, data: Buffer, fromUserId: string | null): Buffer[] {
  const from = fromUserId === null ? '' : `,"fromUserId":${JSON.stringify(fromUserId)}`;
  return [Buffer.from(`"type":"message","from":"group","group":${JSON.stringify(group)},"dataType":"${dataType}","data":`), data, Buffer.from(`${from}}`)];
}
