/**
 * A connection's permissions from its token's `role` claims, as Azure Web PubSub defines them:
 * `webpubsub.joinLeaveGroup` / `webpubsub.sendToGroup` (any group), the same with `.<group>` (that group),
 * and `webpubsub.joinLeaveGroups.<pattern>` / `webpubsub.sendToGroups.<pattern>` (wildcard patterns).
 * Unknown or malformed roles grant nothing.
 */
export class Permissions {
  private constructor(
    private readonly joinAll: boolean,
    private readonly sendAll: boolean,
    private readonly joinGroups: ReadonlySet<string>,
    private readonly sendGroups: ReadonlySet<string>,
    private readonly joinPatterns: readonly RegExp[],
    private readonly sendPatterns: readonly RegExp[],
  ) {}

  static fromRoles(roles: readonly string[]): Permissions {
    let joinAll = false;
    let sendAll = false;
    const joinGroups = new Set<string>();
    const sendGroups = new Set<string>();
    const joinPatterns: RegExp[] = [];
    const sendPatterns: RegExp[] = [];
    for (const role of roles) {
      if (role === 'webpubsub.joinLeaveGroup') joinAll = true;
      else if (role === 'webpubsub.sendToGroup') sendAll = true;
      else if (role.startsWith(JOIN_PATTERN)) addPattern(joinPatterns, role.slice(JOIN_PATTERN.length));
      else if (role.startsWith(SEND_PATTERN)) addPattern(sendPatterns, role.slice(SEND_PATTERN.length));
      else if (role.startsWith(JOIN_GROUP) && role.length > JOIN_GROUP.length) joinGroups.add(role.slice(JOIN_GROUP.length));
      else if (role.startsWith(SEND_GROUP) && role.length > SEND_GROUP.length) sendGroups.add(role.slice(SEND_GROUP.length));
    }
    return new Permissions(joinAll, sendAll, joinGroups, sendGroups, joinPatterns, sendPatterns);
  }

  canJoinLeave(group: string): boolean {
    return this.joinAll || this.joinGroups.has(group) || matchesAny(this.joinPatterns, group);
  }

  canSend(group: string): boolean {
    return this.sendAll || this.sendGroups.has(group) || matchesAny(this.sendPatterns, group);
  }
}

const JOIN_GROUP = 'webpubsub.joinLeaveGroup.';
const SEND_GROUP = 'webpubsub.sendToGroup.';
const JOIN_PATTERN = 'webpubsub.joinLeaveGroups.';
const SEND_PATTERN = 'webpubsub.sendToGroups.';
const MAX_STARS = 5;

function matchesAny(patterns: readonly RegExp[], group: string): boolean {
  for (const re of patterns) if (re.test(group)) return true;
  return false;
}

function addPattern(into: RegExp[], pattern: string): void {
  const re = compileGroupPattern(pattern);
  if (re) into.push(re);
}

/**
 * Compiles a wildcard group pattern: `?` one character but ".", `*` any run without ".", `**` any run,
 * `\` escapes `\`, `*` and `?`. At most five `*` in all. Returns null for an invalid pattern.
 */
export function compileGroupPattern(pattern: string): RegExp | null {
  if (pattern === '') return null;
  let source = '';
  let stars = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== '\\' && next !== '*' && next !== '?') return null;
      source += escapeRegExp(next);
      i++;
    } else if (c === '*') {
      if (pattern[i + 1] === '*') {
        source += '[\\s\\S]*';
        stars += 2;
        i++;
      } else {
        source += '[^.]*';
        stars += 1;
      }
    } else if (c === '?') {
      source += '[^.]';
    } else {
      source += escapeRegExp(c);
    }
  }
  if (stars > MAX_STARS) return null;
  return new RegExp(`^${source}$`, 'u');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
