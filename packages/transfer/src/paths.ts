import path from 'node:path';

/** True for `/`, `C:\` and `\\server\share\`: writing or removing one of these would take the whole volume. */
export function isFilesystemRoot(absolute: string, api: path.PlatformPath = path): boolean {
  return api.parse(absolute).base === '';
}
