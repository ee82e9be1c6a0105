import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Replaces a file so that a crash leaves either the old or the new content, never a torn mix:
 * the data goes to a temporary file in the same folder, which is then renamed over the target.
 */
export function writeFileAtomicSync(path: string, data: string): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
