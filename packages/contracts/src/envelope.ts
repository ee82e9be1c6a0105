import { z } from 'zod';
import { PROTOCOL_VERSION } from './version.js';
import { fromWire } from './wire-form.js';
import { ErrorInfoSchema } from './schemas.js';
import {
  DiscoveryProbeBody,
  ExecutorGoodbyeBody,
  ExecutorHeartbeatBody,
  ExecutorHelloBody,
} from './presence.js';
import {
  RequestAcceptedBody,
  RequestCancelBody,
  RequestCreditBody,
  RequestOutputBody,
  RequestQueryBody,
  RequestResultMessageBody,
  RequestStateBody,
  RequestSubmitBody,
} from './requests.js';
import { RequestDataBody, RequestDataPositionBody, RequestDataQueryBody } from './data-stream.js';

export const RoleSchema = z.enum(['executor', 'daemon']);
export type Role = z.infer<typeof RoleSchema>;

const Base = {
  v: z.literal(PROTOCOL_VERSION),
  id: z.string().min(1).max(128),
  from: z.object({ role: RoleSchema, id: z.string().min(1).max(128) }),
  ts: z.number().int().nonnegative(),
  requestId: z.string().min(1).max(128).optional(),
  /** Reserved for signed requests (see DESIGN "Security"); ignored until keys exist. */
  sig: z.string().max(1024).optional(),
  keyId: z.string().max(256).optional(),
};

function message<T extends string, B extends z.ZodType>(type: T, body: B) {
  return z.object({ ...Base, type: z.literal(type), body });
}

function requestMessage<T extends string, B extends z.ZodType>(type: T, body: B) {
  return z.object({ ...Base, requestId: z.string().min(1).max(128), type: z.literal(type), body });
}

export const EnvelopeSchema = z.discriminatedUnion('type', [
  message('discovery.probe', DiscoveryProbeBody),
  message('executor.hello', ExecutorHelloBody),
  message('executor.heartbeat', ExecutorHeartbeatBody),
  message('executor.goodbye', ExecutorGoodbyeBody),
  requestMessage('request.submit', RequestSubmitBody),
  requestMessage('request.cancel', RequestCancelBody),
  requestMessage('request.credit', RequestCreditBody),
  requestMessage('request.query', RequestQueryBody),
  requestMessage('request.accepted', RequestAcceptedBody),
  requestMessage('request.state', RequestStateBody),
  requestMessage('request.output', RequestOutputBody),
  requestMessage('request.result', RequestResultMessageBody),
  requestMessage('request.data', RequestDataBody),
  requestMessage('request.data.query', RequestDataQueryBody),
  requestMessage('request.data.position', RequestDataPositionBody),
  message('error', ErrorInfoSchema),
]);

export type Envelope = z.infer<typeof EnvelopeSchema>;
export type MessageType = Envelope['type'];
export type EnvelopeOf<T extends MessageType> = Extract<Envelope, { type: T }>;
export type BodyOf<T extends MessageType> = EnvelopeOf<T>['body'];

export type ParseResult = { ok: true; envelope: Envelope } | { ok: false; error: string };

/**
 * Validates anything received from the relay. Never throws: the caller logs the error once and drops
 * the message, so a malformed peer cannot crash a process.
 */
export function parseEnvelope(data: unknown): ParseResult {
  const value = fromWire(data);
  if (!value.ok) return value;
  const parsed = EnvelopeSchema.safeParse(value.value);
  if (parsed.success) return { ok: true, envelope: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, error: `invalid message${where}: ${issue?.message ?? 'unknown problem'}` };
}

export interface EnvelopeFactoryOptions {
  role: Role;
  id: string;
  now: () => number;
  newId: () => string;
}

/** Builds well-formed envelopes for one sender; clock and id source are injected for tests. */
export function envelopeFactory(opts: EnvelopeFactoryOptions) {
  const from = { role: opts.role, id: opts.id };
  return function make<T extends MessageType>(
    type: T,
    body: BodyOf<T>,
    requestId?: string,
  ): EnvelopeOf<T> {
    const env: Record<string, unknown> = { v: PROTOCOL_VERSION, type, id: opts.newId(), from, ts: opts.now(), body };
    if (requestId !== undefined) env.requestId = requestId;
    return env as EnvelopeOf<T>;
  };
}

export type MakeEnvelope = ReturnType<typeof envelopeFactory>;
