import picomatch from 'picomatch';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';

export type PathMatcher = (relative: string) => boolean;

/**
 * Matches "/"-separated relative paths the same way on every platform. A glob without "/" matches the
 * name at any depth ("*.ts"), as people expect from .gitignore-like filters. Returns null for no globs.
 */
export function globMatcher(globs: readonly string[] | undefined, field: string): PathMatcher | null {
  if (globs === undefined || globs.length === 0) return null;
  // picomatch's own basename option applies to every glob, "src/**" included, so the two kinds are split here.
  const byName = globs.filter((g) => !g.includes('/'));
  const byPath = globs.filter((g) => g.includes('/'));
  try {
    const options = { dot: true, windows: false };
    const matchName = byName.length > 0 ? picomatch(byName, options) : null;
    const matchPath = byPath.length > 0 ? picomatch(byPath, options) : null;
    return (relative) => (matchName?.(relative.slice(relative.lastIndexOf('/') + 1)) ?? false) || (matchPath?.(relative) ?? false);
  } catch (err) {
    throw new RemoteAgentError(
      ErrorCode.BadRequest,
      `${field} has a glob that cannot be parsed (${err instanceof Error ? err.message : String(err)}): use forms like "*.ts", "src/**", "**/test/*.js"`,
    );
  }
}

export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}
