import type { Stats, Dirent } from 'node:fs';
import type { FsEntryType } from '@remote-agent/contracts';

export function entryTypeOf(st: Stats | Dirent): FsEntryType {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'file';
  return 'other';
}

/** Permission bits as octal text ("0644"): what an agent knows from `ls -l` and `chmod`. */
export function modeString(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

export function mtimeString(st: Stats): string {
  return st.mtime.toISOString();
}
