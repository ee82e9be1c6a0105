import { lstat, readlink } from 'node:fs/promises';
import type { FsListEntry } from '@remote-agent/contracts';
import { entryTypeOf, modeString, mtimeString } from './file-info.js';

/** An entry as fs.list reports it; the link itself is described, never what it points to. */
export async function describeEntry(absolute: string, name: string, relative: string): Promise<FsListEntry> {
  const st = await lstat(absolute);
  const entry: FsListEntry = {
    name,
    path: relative,
    type: entryTypeOf(st),
    size: st.size,
    mtime: mtimeString(st),
    mode: modeString(st.mode),
  };
  if (st.isSymbolicLink()) entry.linkTarget = await readlink(absolute);
  return entry;
}
