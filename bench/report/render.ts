/** A table for the terminal and for the README, rendered from the same rows. */
export interface Table {
  title: string;
  columns: Array<{ header: string; align: 'left' | 'right' }>;
  rows: string[][];
  /** Lines printed under the table (skipped rows, problems seen). */
  notes: string[];
}

function widths(table: Table): number[] {
  return table.columns.map((c, i) => Math.max(c.header.length, ...table.rows.map((r) => (r[i] ?? '').length)));
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

export function renderText(table: Table): string {
  const w = widths(table);
  const line = (cells: string[]): string =>
    table.columns
      .map((c, i) => pad(cells[i] ?? '', w[i]!, c.align))
      .join('  ')
      .trimEnd();
  const out = [table.title, `  ${line(table.columns.map((c) => c.header))}`, `  ${w.map((n) => '-'.repeat(n)).join('  ')}`];
  for (const row of table.rows) out.push(`  ${line(row)}`);
  for (const note of table.notes) out.push(`  * ${note}`);
  return out.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderMarkdown(table: Table): string {
  const out = [`**${table.title}**`, ''];
  out.push(`| ${table.columns.map((c) => escapeCell(c.header)).join(' | ')} |`);
  out.push(`|${table.columns.map((c) => (c.align === 'right' ? '---:' : ':---')).join('|')}|`);
  for (const row of table.rows) out.push(`| ${table.columns.map((_, i) => escapeCell(row[i] ?? '')).join(' | ')} |`);
  if (table.notes.length > 0) {
    out.push('');
    for (const note of table.notes) out.push(`- ${note}`);
  }
  return out.join('\n');
}
