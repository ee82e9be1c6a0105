import type { z } from 'zod';

/**
 * One line out of zod's issues, for an agent to act on. The schemas' own messages already name their field
 * and say what to do; zod's generic ones get the field's path in front.
 */
export function describeInputIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = new Set<string>();
  for (const outer of issues) {
    // A bad record key (an env name) carries its own, better message inside.
    const issue = outer.code === 'invalid_key' && outer.issues[0] !== undefined ? { ...outer.issues[0], path: outer.path } : outer;
    const path = issue.path.map(String).join('.');
    const field = issue.path[0] === undefined ? '' : String(issue.path[0]);
    const named = field !== '' && issue.message.startsWith(field);
    lines.add(path === '' || named ? issue.message : `${path}: ${issue.message}`);
  }
  return [...lines].join('; ');
}
