import { formatPatch, structuredPatch } from 'diff';

const CONTEXT_LINES = 3;
/** Past this many changed lines the diff is not computed: it would be slow and too long to read anyway. */
const MAX_EDIT_LINES = 5000;

export interface DiffOutcome {
  diff: string;
  truncated: boolean;
  notice?: string;
}

function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Cuts at a line boundary so the diff that is returned stays well-formed line by line. */
function capAtLine(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return { text, truncated: false };
  let used = 0;
  let end = 0;
  for (const line of splitLines(text)) {
    const cost = Buffer.byteLength(line, 'utf8');
    if (used + cost > maxBytes) break;
    used += cost;
    end += line.length;
  }
  return { text: text.slice(0, end), truncated: true };
}

/**
 * Unified diff of a file before and after a change. Lines the two share at the start and end are set
 * aside before diffing, so a small edit in a large file costs little, and the hunks are then moved
 * back to their real line numbers.
 */
export function unifiedDiff(name: string, before: string, after: string, maxBytes: number): DiffOutcome {
  if (before === after) return { diff: '', truncated: false };
  const a = splitLines(before);
  const b = splitLines(after);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const start = Math.max(0, prefix - CONTEXT_LINES);
  const keepAfter = Math.max(0, suffix - CONTEXT_LINES);
  const patch = structuredPatch(
    name,
    name,
    a.slice(start, a.length - keepAfter).join(''),
    b.slice(start, b.length - keepAfter).join(''),
    undefined,
    undefined,
    { context: CONTEXT_LINES, maxEditLength: MAX_EDIT_LINES },
  );
  if (patch === undefined) {
    return {
      diff: '',
      truncated: true,
      notice: `the change touches more than ${MAX_EDIT_LINES} lines, so no diff was computed; fs.read the file to check it`,
    };
  }
  for (const hunk of patch.hunks) {
    hunk.oldStart += start;
    hunk.newStart += start;
  }
  const capped = capAtLine(formatPatch(patch), maxBytes);
  return { diff: capped.text, truncated: capped.truncated };
}
