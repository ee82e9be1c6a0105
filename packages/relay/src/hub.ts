import type { GroupMessage } from './group-message.js';
import type { Session } from './session.js';

/**
 * Connections and groups of one hub. Membership is Map<group, Set<session>>, so a send touches only the
 * group's members; a session remembers its own groups so leaving everything is as cheap.
 */
export class Hub {
  readonly sessions = new Map<string, Session>();
  private readonly groups = new Map<string, Set<Session>>();

  constructor(readonly name: string) {}

  get groupCount(): number {
    return this.groups.size;
  }

  add(session: Session): void {
    this.sessions.set(session.connectionId, session);
  }

  join(session: Session, group: string): void {
    let members = this.groups.get(group);
    if (!members) {
      members = new Set();
      this.groups.set(group, members);
    }
    members.add(session);
    session.groups.add(group);
  }

  leave(session: Session, group: string): void {
    session.groups.delete(group);
    const members = this.groups.get(group);
    if (!members) return;
    members.delete(session);
    if (members.size === 0) this.groups.delete(group);
  }

  remove(session: Session): void {
    for (const group of [...session.groups]) this.leave(session, group);
    if (this.sessions.get(session.connectionId) === session) this.sessions.delete(session.connectionId);
  }

  /**
   * Delivers a group message to every member in one pass, in the order sends arrive. Returns the members
   * that went over their un-acked bounds; the caller drops them after the pass.
   */
  publish(from: Session, noEcho: boolean, message: GroupMessage): Session[] {
    const members = this.groups.get(message.group);
    if (!members) return [];
    let overflowed: Session[] | undefined;
    for (const member of members) {
      if (noEcho && member === from) continue;
      if (!member.deliver(message)) (overflowed ??= []).push(member);
    }
    return overflowed ?? [];
  }
}
