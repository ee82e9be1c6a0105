/** Hub used when WEB_PUBSUB_HUB is not set; kept from the seed. */
export const DEFAULT_HUB = 'rexec';

/** Group names on the relay. See shared/DESIGN.md, "Groups". */
export const Groups = {
  discovery: 'ra.discovery',
  presence: 'ra.presence',
  exec: (executorId: string): string => `ra.exec.${executorId}`,
  daemon: (daemonId: string): string => `ra.daemon.${daemonId}`,
  execPrefix: 'ra.exec.',
  daemonPrefix: 'ra.daemon.',
} as const;

/**
 * Executor and daemon ids become part of group names, whose allowed characters on Azure Web PubSub are
 * limited; ids are also used as file names in state folders. Keep them to a portable set.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export const ID_RULE = '1-63 characters: letters, digits, ".", "_" or "-", starting with a letter or digit';
