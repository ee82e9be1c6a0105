import { Groups } from '@remote-agent/contracts';

export type PeerRole = 'executor' | 'daemon';

/** Azure Web PubSub's client role strings. The plural forms take a wildcard pattern (`*` one segment, `**` any). */
export const WebPubSubRoles = {
  joinLeaveGroup: (group: string): string => `webpubsub.joinLeaveGroup.${group}`,
  sendToGroup: (group: string): string => `webpubsub.sendToGroup.${group}`,
  joinLeaveGroups: (pattern: string): string => `webpubsub.joinLeaveGroups.${pattern}`,
  sendToGroups: (pattern: string): string => `webpubsub.sendToGroups.${pattern}`,
} as const;

/**
 * Least privilege per DESIGN "Groups". Ids may contain ".", which a single `*` does not cross, so the
 * per-peer groups of the other side are granted with `**`.
 */
export function rolesFor(role: PeerRole, id: string): string[] {
  if (role === 'executor') {
    return [
      WebPubSubRoles.joinLeaveGroup(Groups.discovery),
      WebPubSubRoles.joinLeaveGroup(Groups.exec(id)),
      WebPubSubRoles.sendToGroup(Groups.presence),
      WebPubSubRoles.sendToGroups(`${Groups.daemonPrefix}**`),
    ];
  }
  return [
    WebPubSubRoles.joinLeaveGroup(Groups.presence),
    WebPubSubRoles.joinLeaveGroup(Groups.daemon(id)),
    WebPubSubRoles.sendToGroup(Groups.discovery),
    WebPubSubRoles.sendToGroups(`${Groups.execPrefix}**`),
  ];
}

/** The groups a peer listens on; put in the token's `webpubsub.group` claim so they are joined at connect. */
export function groupsAtConnect(role: PeerRole, id: string): string[] {
  return role === 'executor' ? [Groups.discovery, Groups.exec(id)] : [Groups.presence, Groups.daemon(id)];
}
