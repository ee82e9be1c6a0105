import type { BenchResults } from './model.js';
import { renderMarkdown, type Table } from './render.js';
import { headline } from './tables.js';

/** bench/README.md keeps the latest full run between these markers; everything else in it is hand-written. */
export const RESULTS_START = '<!-- bench:results:start -->';
export const RESULTS_END = '<!-- bench:results:end -->';

export function resultsSection(r: BenchResults, tables: Table[]): string {
  return [
    `_${headline(r)}. Reproduce with \`${r.command}\`; every figure is in [results.json](results.json)._`,
    '',
    tables.map(renderMarkdown).join('\n\n'),
  ].join('\n');
}

/** Replaces what is between the markers; null when the README has no markers (then it is left alone). */
export function replaceResults(readme: string, section: string): string | null {
  const start = readme.indexOf(RESULTS_START);
  const end = readme.indexOf(RESULTS_END);
  if (start < 0 || end < start) return null;
  return `${readme.slice(0, start + RESULTS_START.length)}\n${section}\n${readme.slice(end)}`;
}
