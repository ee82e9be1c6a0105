import { PROTOBUF_PROTOCOL, PROTOBUF_RELIABLE_PROTOCOL } from '@remote-agent/transport';
import { JSON_PROTOCOL, jsonWire, RELIABLE_PROTOCOL } from './json-protocol.js';
import { protobufWire } from './protobuf-protocol.js';
import type { WireCodec } from './wire-codec.js';

/** A WebSocket subprotocol the relay serves: its wire format and whether it is the reliable variant. */
export interface Subprotocol {
  readonly name: string;
  readonly reliable: boolean;
  readonly codec: WireCodec;
}

/** The four Azure Web PubSub client subprotocols; the built-in relay serves no others. */
export const SUBPROTOCOLS: readonly Subprotocol[] = Object.freeze([
  { name: RELIABLE_PROTOCOL, reliable: true, codec: jsonWire },
  { name: JSON_PROTOCOL, reliable: false, codec: jsonWire },
  { name: PROTOBUF_RELIABLE_PROTOCOL, reliable: true, codec: protobufWire },
  { name: PROTOBUF_PROTOCOL, reliable: false, codec: protobufWire },
]);

const BY_NAME = new Map(SUBPROTOCOLS.map((p) => [p.name, p]));

export function subprotocolNamed(name: string): Subprotocol | undefined {
  return BY_NAME.get(name);
}
