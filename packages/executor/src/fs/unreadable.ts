import { errnoCode } from './errors.js';

const NAMED = 5;

/** Folders a walk could not enter (permissions, vanished), kept few so the answer stays small. */
export class UnreadableFolders {
  count = 0;
  readonly examples: string[] = [];

  add(folder: string, err: unknown): void {
    this.count++;
    if (this.examples.length < NAMED) this.examples.push(`${folder} (${errnoCode(err) ?? 'error'})`);
  }
}

export function unreadableNotice(folders: UnreadableFolders): string | undefined {
  if (folders.count === 0) return undefined;
  const more = folders.count > folders.examples.length ? `, and ${folders.count - folders.examples.length} more` : '';
  return `${folders.count} folder(s) could not be read and were skipped: ${folders.examples.join(', ')}${more}`;
}
