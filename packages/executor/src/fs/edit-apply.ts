import { ErrorCode, RemoteAgentError, type FsLineEnding } from '@remote-agent/contracts';

export interface TextReplacement {
  oldText: string;
  newText: string;
  replaceAll: boolean;
}

const EXCERPT_CHARS = 80;
const MAX_LINES_NAMED = 10;

function excerpt(text: string): string {
  return JSON.stringify(text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text);
}

function occurrences(text: string, needle: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) at.push(i);
  return at;
}

function lineNumberAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function namedLines(lines: number[]): string {
  const shown = lines.slice(0, MAX_LINES_NAMED).join(', ');
  return lines.length > MAX_LINES_NAMED ? `${shown}, ...` : shown;
}

/** Line numbers of the first few offsets (counting lines is linear, so not for every match). */
function lineNumbersOf(text: string, offsets: number[]): number[] {
  return offsets.slice(0, MAX_LINES_NAMED + 1).map((at) => lineNumberAt(text, at));
}

function hasBareLf(text: string): boolean {
  return /(^|[^\r])\n/.test(text);
}

function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** Where the first non-blank line of a missing oldText does occur, to point the agent at the drift. */
function whereFirstLineIs(text: string, oldText: string): string {
  const first = oldText.split(/\r?\n/).find((l) => l.trim().length >= 3)?.trim();
  if (first === undefined) return '';
  const lines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.includes(first) && lines.length <= MAX_LINES_NAMED) lines.push(i + 1);
  });
  return lines.length === 0 ? '' : ` Its first line ${excerpt(first)} does occur at line ${namedLines(lines)}: compare the text around it.`;
}

/**
 * Applies exact-string replacements in order, each to the result of the one before. All or nothing:
 * the first one that is missing or ambiguous throws, and the caller writes nothing.
 *
 * Agents often send "\n" where a Windows file has "\r\n"; when the text as given is not found in a
 * file with CRLF line breaks, it is tried again with CRLF, and in a CRLF file the new text gets CRLF
 * line breaks too, so the file keeps one style.
 */
export function applyReplacements(
  original: string,
  replacements: readonly TextReplacement[],
  lineEnding: FsLineEnding,
  file: string,
): { text: string; count: number } {
  let text = original;
  let count = 0;
  replacements.forEach((r, i) => {
    const which = replacements.length > 1 ? `edit ${i + 1} of ${replacements.length}: ` : '';
    let { oldText, newText } = r;
    let found = occurrences(text, oldText);
    if (found.length === 0 && (lineEnding === 'crlf' || lineEnding === 'mixed') && hasBareLf(oldText)) {
      const crlfFound = occurrences(text, toCrlf(oldText));
      if (crlfFound.length > 0) {
        found = crlfFound;
        oldText = toCrlf(oldText);
        newText = toCrlf(newText);
      }
    }
    if (found.length === 0) {
      const earlier = i > 0 ? ' (an earlier edit in this request may have changed it)' : '';
      throw new RemoteAgentError(
        ErrorCode.NotFound,
        `${which}oldText ${excerpt(r.oldText)} was not found in ${file}${earlier}. Read the file again and copy the text exactly, including whitespace and line breaks.${whereFirstLineIs(text, r.oldText)}`,
        { path: file, edit: i },
      );
    }
    if (found.length > 1 && !r.replaceAll) {
      const lines = lineNumbersOf(text, found);
      throw new RemoteAgentError(
        ErrorCode.Conflict,
        `${which}oldText ${excerpt(r.oldText)} matches ${found.length} times in ${file} (lines ${namedLines(lines)}): add surrounding lines so it matches exactly once, or set replaceAll: true`,
        { path: file, edit: i, matches: found.length },
      );
    }
    if (lineEnding === 'crlf') newText = toCrlf(newText);
    if (r.replaceAll) {
      text = text.split(oldText).join(newText);
      count += found.length;
    } else {
      const at = found[0]!;
      text = text.slice(0, at) + newText + text.slice(at + oldText.length);
      count += 1;
    }
  });
  return { text, count };
}
