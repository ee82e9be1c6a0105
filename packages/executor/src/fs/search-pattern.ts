import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Builds the line matcher. Unicode mode is tried first (so \p{L} and astral characters work) and plain
 * mode second, because grep-style patterns such as "\-" are errors in Unicode mode.
 */
export function buildPattern(pattern: string, regex: boolean, caseSensitive: boolean): RegExp {
  const source = regex ? pattern : escapeRegExp(pattern);
  const flags = caseSensitive ? '' : 'i';
  try {
    return new RegExp(source, `${flags}u`);
  } catch {
    try {
      return new RegExp(source, flags);
    } catch (err) {
      throw new RemoteAgentError(
        ErrorCode.BadRequest,
        `pattern is not a valid JavaScript regular expression (${err instanceof Error ? err.message : String(err)}): fix it, or pass regex: false to search for the text literally`,
      );
    }
  }
}
