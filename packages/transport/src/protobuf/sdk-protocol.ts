import type {
  AckMessage,
  ConnectedMessage,
  DisconnectedMessage,
  GroupDataMessage,
  JSONTypes,
  ServerDataMessage,
  WebPubSubClientProtocol,
  WebPubSubDataType,
  WebPubSubMessage,
} from '@azure/web-pubsub-client';
import { ProtobufError } from './wire.js';
import {
  decodeDownstream,
  encodeUpstream,
  PROTOBUF_PROTOCOL,
  PROTOBUF_RELIABLE_PROTOCOL,
  type ProtoData,
  type Upstream,
} from './web-pubsub-proto.js';

/**
 * Azure Web PubSub's protobuf subprotocols for Microsoft's `@azure/web-pubsub-client`, which ships only the
 * JSON ones. The SDK hands this its messages and reads back what it parses exactly as it does with its JSON
 * protocol, so acks, sequence acks, reconnection and recovery behave the same. As in Microsoft's .NET
 * package, a `json` payload goes as `text_data` (the protocol has no JSON member the service accepts), so
 * it arrives at a protobuf reader as text; `binary` payloads cross as raw bytes.
 */
export function webPubSubProtobufReliableProtocol(): WebPubSubClientProtocol {
  return new ProtobufProtocol(PROTOBUF_RELIABLE_PROTOCOL, true);
}

/** `protobuf.webpubsub.azure.v1`: the same messages without sequence ids, acks of them, or recovery. */
export function webPubSubProtobufProtocol(): WebPubSubClientProtocol {
  return new ProtobufProtocol(PROTOBUF_PROTOCOL, false);
}

class ProtobufProtocol implements WebPubSubClientProtocol {
  constructor(
    readonly name: string,
    readonly isReliableSubProtocol: boolean,
  ) {}

  parseMessages(input: string | ArrayBuffer | Buffer): WebPubSubMessage | null {
    if (typeof input === 'string') {
      throw new Error(`the ${this.name} subprotocol carries binary frames, but a text frame arrived: the relay speaks another subprotocol`);
    }
    const frame = Buffer.isBuffer(input) ? input : Buffer.from(input);
    const msg = decodeDownstream(frame);
    switch (msg.type) {
      case 'ack': {
        const ack: AckMessage = { kind: 'ack', ackId: msg.ackId, success: msg.success };
        if (msg.error !== undefined) ack.error = msg.error;
        return ack;
      }
      case 'data':
        return parseData(msg.from, msg.group, msg.data, msg.sequenceId);
      case 'connected': {
        // Like the JSON protocol, a connection without recovery has no token; the SDK then never tries to recover.
        const connected = { kind: 'connected', connectionId: msg.connectionId, userId: msg.userId } as ConnectedMessage;
        if (msg.reconnectionToken !== undefined) connected.reconnectionToken = msg.reconnectionToken;
        return connected;
      }
      case 'disconnected': {
        const disconnected: DisconnectedMessage = { kind: 'disconnected', message: msg.reason };
        return disconnected;
      }
      case 'pong':
        return { kind: 'pong' };
      case 'unknown':
        return null;
    }
  }

  writeMessage(message: WebPubSubMessage): ArrayBuffer {
    return exactArrayBuffer(encodeUpstream(toUpstream(message, this.name)));
  }
}

function toUpstream(message: WebPubSubMessage, protocol: string): Exclude<Upstream, { type: 'unknown' }> {
  switch (message.kind) {
    case 'joinGroup':
    case 'leaveGroup':
      return { type: message.kind, group: message.group, ackId: message.ackId };
    case 'sendToGroup': {
      if (message.stream != null) throw unsupported('group streams', protocol);
      let data: ProtoData | undefined;
      if (message.dataType != null && message.data != null) data = toProtoData(message.data, message.dataType);
      else if (message.dataType != null || message.data != null) throw new TypeError('sendToGroup payload requires both dataType and data.');
      return { type: 'sendToGroup', group: message.group, ackId: message.ackId, noEcho: message.noEcho, data, stream: false };
    }
    case 'sendEvent':
      return { type: 'event', event: message.event, ackId: message.ackId, data: toProtoData(message.data, message.dataType) };
    case 'sequenceAck':
      return { type: 'sequenceAck', sequenceId: message.sequenceId };
    case 'ping':
      return { type: 'ping' };
    case 'invoke':
    case 'invokeResponse':
    case 'cancelInvocation':
      throw unsupported('invocations', protocol);
    case 'streamData':
    case 'streamEnd':
      throw unsupported('group streams', protocol);
    case 'setGroupState':
    case 'subscribeGroupState':
    case 'unsubscribeGroupState':
      throw unsupported('group state', protocol);
    default:
      throw new Error(`the ${protocol} subprotocol cannot send a "${message.kind}" message: only the service sends it`);
  }
}

function unsupported(feature: string, protocol: string): Error {
  return new Error(`the ${protocol} subprotocol cannot carry ${feature}: use the JSON subprotocol (json.reliable.webpubsub.azure.v1) for them`);
}

function toProtoData(data: JSONTypes | ArrayBuffer, dataType: WebPubSubDataType): ProtoData {
  switch (dataType) {
    case 'text':
      if (typeof data !== 'string') throw new TypeError('Message must be a string.');
      return { kind: 'text', bytes: Buffer.from(data, 'utf8') };
    case 'json': {
      const text: unknown = JSON.stringify(data);
      if (typeof text !== 'string') throw new TypeError('Message must be a JSON value.');
      return { kind: 'text', bytes: Buffer.from(text, 'utf8') };
    }
    case 'binary':
    case 'protobuf':
      if (!(data instanceof ArrayBuffer)) throw new TypeError('Message must be a ArrayBuffer');
      return { kind: dataType, bytes: Buffer.from(data) };
    default:
      throw new TypeError(`dataType must be text, json, binary or protobuf, got ${String(dataType)}`);
  }
}

function parseData(from: string, group: string | undefined, data: ProtoData | undefined, sequenceId: number | undefined): WebPubSubMessage | null {
  // Forward compatible, as the JSON protocol is: a payload or sender kind this version does not know is skipped.
  if (data === undefined || (from !== 'group' && from !== 'server')) return null;
  const payload = payloadOf(data);
  // Sequence ids start at 1; proto3 leaves a 0 out, and the SDK would drop a message numbered 0 as a duplicate.
  const seq = sequenceId === undefined || sequenceId === 0 ? {} : { sequenceId };
  if (from === 'server') {
    const server: ServerDataMessage = { kind: 'serverData', dataType: data.kind, data: payload, ...seq };
    return server;
  }
  // DataMessage names no sender in the protobuf protocols, so fromUserId stays unset (the SDK only passes it on).
  return { kind: 'groupData', group: group ?? '', dataType: data.kind, data: payload, ...seq } as GroupDataMessage;
}

function payloadOf(data: ProtoData): JSONTypes | ArrayBuffer {
  switch (data.kind) {
    case 'text':
      return data.bytes.toString('utf8');
    case 'json':
      try {
        return JSON.parse(data.bytes.toString('utf8')) as JSONTypes;
      } catch {
        throw new ProtobufError('MessageData json_data is not valid JSON');
      }
    case 'binary':
    case 'protobuf':
      return handedOn(data.bytes);
  }
}

/**
 * The SDK types binary payloads as ArrayBuffer but only hands them to our `group-message` listener, which
 * takes a Buffer as it is; giving it the view of the received frame saves copying every chunk once more.
 */
function handedOn(bytes: Buffer): ArrayBuffer {
  return bytes as unknown as ArrayBuffer;
}

/** The bytes as an ArrayBuffer of their own length: the frame's own when it has one (large frames), else a copy. */
function exactArrayBuffer(buf: Buffer): ArrayBuffer {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer) return buf.buffer;
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}
