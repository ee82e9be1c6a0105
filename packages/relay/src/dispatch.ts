import type { Logger } from '@remote-agent/transport';
import type { AckErrorName, ClientMessage } from './client-message.js';
import { GroupMessage } from './group-message.js';
import type { Hub } from './hub.js';
import type { RelayLimits } from './limits.js';
import type { Session } from './session.js';

export interface DispatchContext {
  readonly limits: RelayLimits;
  readonly logger: Logger;
  hubOf(session: Session): Hub;
  /** Drops sessions that went over their un-acked bounds during a fan-out. */
  overflowed(sessions: Session[]): void;
}

/**
 * Handles one frame from a client, in the session's wire format. Never throws on client input: a bad
 * request with an ackId gets an error ack, anything else malformed is dropped with one log line per
 * connection and kind of problem.
 */
export function handleFrame(ctx: DispatchContext, session: Session, data: Buffer, isBinary = false): void {
  session.alive = true;
  if (data.length > ctx.limits.maxFrameBytes) {
    // Deliberate difference: the service closes the connection; the relay refuses just this frame.
    const ackId = session.peekAckId(data);
    refuse(ctx, session, ackId, 'BadRequest', `frame of ${data.length} bytes is over the ${ctx.limits.maxFrameBytes}-byte limit: send smaller messages`, 'oversize frame');
    return;
  }
  const parsed = session.parse(data, isBinary);
  if (!parsed.ok) {
    refuse(ctx, session, parsed.ackId, 'BadRequest', parsed.problem, 'malformed frame');
    return;
  }
  dispatch(ctx, session, parsed.message);
}

function dispatch(ctx: DispatchContext, session: Session, msg: ClientMessage): void {
  switch (msg.type) {
    case 'sendToGroup': {
      if (msg.ackId !== undefined && duplicate(session, msg.ackId)) return;
      if (!session.permissions.canSend(msg.group)) {
        forbidden(ctx, session, msg.ackId, `the connection has no permission to send to group ${msg.group}`);
        return;
      }
      const message = new GroupMessage(msg.group, msg.payload, session.userId);
      const overflowed = ctx.hubOf(session).publish(session, msg.noEcho, message);
      if (overflowed.length > 0) ctx.overflowed(overflowed);
      succeed(session, msg.ackId);
      return;
    }
    case 'joinGroup':
    case 'leaveGroup': {
      if (msg.ackId !== undefined && duplicate(session, msg.ackId)) return;
      if (!session.permissions.canJoinLeave(msg.group)) {
        forbidden(ctx, session, msg.ackId, `the connection has no permission to join or leave group ${msg.group}`);
        return;
      }
      const hub = ctx.hubOf(session);
      if (msg.type === 'joinGroup') hub.join(session, msg.group);
      else hub.leave(session, msg.group);
      succeed(session, msg.ackId);
      return;
    }
    case 'sequenceAck':
      if (session.reliable) session.acknowledge(msg.sequenceId);
      return;
    case 'ping':
      session.sendPong();
      return;
    case 'event':
      // The relay has no upstream event handler; like a hub without one, it accepts and drops the event.
      if (msg.ackId !== undefined && duplicate(session, msg.ackId)) return;
      succeed(session, msg.ackId);
      return;
    case 'unsupported':
      refuse(ctx, session, msg.ackId, 'BadRequest', `message type "${msg.name}" is not supported by the built-in relay`, 'unsupported message');
      return;
  }
}

function duplicate(session: Session, ackId: number): boolean {
  if (!session.hasHandled(ackId)) return false;
  session.sendAck(ackId, { name: 'Duplicate', message: `Message with ack-id: ${ackId} has been processed` });
  return true;
}

function succeed(session: Session, ackId: number | undefined): void {
  if (ackId === undefined) return;
  session.markHandled(ackId);
  session.sendAck(ackId);
}

function forbidden(ctx: DispatchContext, session: Session, ackId: number | undefined, message: string): void {
  refuse(ctx, session, ackId, 'Forbidden', message, 'forbidden request');
}

function refuse(
  ctx: DispatchContext,
  session: Session,
  ackId: number | undefined,
  name: AckErrorName,
  message: string,
  kind: string,
): void {
  if (ackId !== undefined) session.sendAck(ackId, { name, message });
  if (session.firstWarning(kind)) {
    ctx.logger.warn(`refused ${kind} (further ones on this connection are not logged)`, {
      connectionId: session.connectionId,
      userId: session.userId ?? undefined,
      problem: message,
    });
  }
}
