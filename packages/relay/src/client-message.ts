import type { ProtoData } from '@remote-agent/transport';

/**
 * What a client asks of the relay, whichever subprotocol it speaks: json-protocol.ts and
 * protobuf-protocol.ts both parse frames into these, and dispatch.ts handles them alone.
 */

export type DataType = 'json' | 'text' | 'binary' | 'protobuf';

/**
 * `Forbidden`, `Duplicate` and `InternalServerError` are the service's documented names. `BadRequest` is
 * the relay's own: where the service closes the connection over a malformed or oversize request, the
 * relay answers the request and keeps the connection.
 */
export type AckErrorName = 'Forbidden' | 'Duplicate' | 'InternalServerError' | 'BadRequest';

export interface AckError {
  name: AckErrorName;
  message: string;
}

/**
 * The data of a sendToGroup as its sender's subprotocol carried it. Receivers of the same format get it as
 * it came; the other format's body is converted once per fan-out (see GroupMessage).
 */
export type GroupPayload =
  /** JSON subprotocols: the JSON text of `data`, already checked against its dataType, forwarded as it came. */
  | { format: 'json'; dataType: DataType; json: Buffer }
  /** Protobuf subprotocols: the MessageData member; text and json are UTF-8, json is valid JSON. */
  | { format: 'protobuf'; data: ProtoData };

export type ClientMessage =
  | { type: 'sendToGroup'; group: string; ackId: number | undefined; noEcho: boolean; payload: GroupPayload }
  | { type: 'joinGroup' | 'leaveGroup'; group: string; ackId: number | undefined }
  | { type: 'sequenceAck'; sequenceId: number }
  | { type: 'ping' }
  | { type: 'event'; ackId: number | undefined }
  | { type: 'unsupported'; name: string; ackId: number | undefined };

export type ParsedFrame = { ok: true; message: ClientMessage } | { ok: false; problem: string; ackId: number | undefined };

export const MAX_GROUP_CHARS = 1024;

export const GROUP_PROBLEM = `a non-empty string of at most ${MAX_GROUP_CHARS} characters`;

export function isGroupName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_GROUP_CHARS;
}

export function malformed(problem: string, ackId: number | undefined = undefined): ParsedFrame {
  return { ok: false, problem, ackId };
}
