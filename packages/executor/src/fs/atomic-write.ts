import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from './errors.js';

/** The two calls whose failure modes differ by platform; tests replace them to reach the fallbacks. */
export interface AtomicWriteOps {
  rename: (from: string, to: string) => Promise<void>;
  link: (existing: string, created: string) => Promise<void>;
}

const defaultOps: AtomicWriteOps = { rename, link };

/**
 * Windows refuses to rename over a file another process holds open (EPERM / EACCES / EBUSY); the new
 * content is then copied over the old in place, which is not atomic but does not fail the write.
 */
const RENAME_BLOCKED = new Set(['EPERM', 'EACCES', 'EBUSY']);
/** File systems without hard links (FAT, some network shares) answer these to link(). */
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

export interface AtomicWriteOptions {
  /** Permission bits for the file; omitted, a new file gets the process default (0666 less umask). */
  mode?: number;
  /** Fail with EEXIST rather than replace an existing file. */
  exclusive: boolean;
  ops?: AtomicWriteOps;
}

/**
 * Writes `data` to a temporary file beside `target` and moves it into place in one step, so a reader
 * never sees half a file and a crash leaves the old content. An exclusive write links the temp file to
 * the target name, which fails if something got there first, where a rename would silently replace it.
 */
export async function writeFileAtomic(target: string, data: Buffer, options: AtomicWriteOptions): Promise<{ atomic: boolean }> {
  const ops = options.ops ?? defaultOps;
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.ra-tmp`);
  const handle = await open(temp, 'wx', options.mode ?? 0o666);
  try {
    try {
      await handle.writeFile(data);
      // open()'s mode is reduced by the umask; an existing file's mode must be kept exactly.
      if (options.mode !== undefined) await handle.chmod(options.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return options.exclusive ? await linkInto(temp, target, ops) : await renameInto(temp, target, ops);
  } finally {
    await rm(temp, { force: true });
  }
}

async function renameInto(temp: string, target: string, ops: AtomicWriteOps): Promise<{ atomic: boolean }> {
  try {
    await ops.rename(temp, target);
    return { atomic: true };
  } catch (err) {
    if (!RENAME_BLOCKED.has(errnoCode(err) ?? '')) throw err;
    await copyFile(temp, target);
    return { atomic: false };
  }
}

async function linkInto(temp: string, target: string, ops: AtomicWriteOps): Promise<{ atomic: boolean }> {
  try {
    await ops.link(temp, target);
    return { atomic: true };
  } catch (err) {
    if (!LINK_UNSUPPORTED.has(errnoCode(err) ?? '')) throw err;
    await copyFile(temp, target, constants.COPYFILE_EXCL);
    return { atomic: false };
  }
}
