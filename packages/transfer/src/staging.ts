import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, RemoteAgentError, type ArtifactType, type DataEof } from '@remote-agent/contracts';
import type { DataSink } from '@remote-agent/transport';
import { emptyTally, extractArchive, type ArchiveTally } from './archive.js';
import type { FsErrorMapper } from './fs-error.js';
import { isFilesystemRoot } from './paths.js';

/** Options of a received artifact; the caller already resolved the destination and checked it against its own rules. */
export interface StagingOptions {
  overwrite: boolean;
  createDirs: boolean;
  /** Permission bits for a received file. */
  fileMode?: number;
  /** The type announced with the request; the stream's format must agree. */
  expectedType?: ArtifactType;
  /** Words the file system's errors in the receiving side's terms (its machine, its relative paths). */
  errorFor: FsErrorMapper;
}

const TEMP_NAME_CHARS = 100;

function tempName(target: string, suffix: string): string {
  const base = path.basename(target).slice(0, TEMP_NAME_CHARS);
  return path.join(path.dirname(target), `.${base}.${randomBytes(6).toString('hex')}.${suffix}`);
}

async function lstatOrNull(file: string, errorFor: FsErrorMapper): Promise<Stats | null> {
  try {
    return await lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw errorFor(err, 'examine', file);
  }
}

function alreadyExists(target: string): RemoteAgentError {
  return new RemoteAgentError(
    ErrorCode.AlreadyExists,
    `${target} already exists: pass overwrite: true to replace it, or choose another destination path`,
    { path: target },
  );
}

/** Checks that `target` may be written and that its folder exists (creating it when allowed). */
async function prepareDestination(target: string, options: StagingOptions): Promise<void> {
  if (isFilesystemRoot(target)) {
    throw new RemoteAgentError(ErrorCode.BadRequest, `${target} is the root of a file system: give the full path of the new file or folder`);
  }
  if (!options.overwrite && (await lstatOrNull(target, options.errorFor)) !== null) throw alreadyExists(target);
  const parent = path.dirname(target);
  const st = await stat(parent).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw options.errorFor(err, 'examine', parent);
    return null;
  });
  if (st === null) {
    if (!options.createDirs) {
      throw new RemoteAgentError(
        ErrorCode.NotFound,
        `the folder ${parent} does not exist: create it first, or pass createDirs: true`,
        { path: parent },
      );
    }
    await mkdir(parent, { recursive: true }).catch((err: unknown) => {
      throw options.errorFor(err, 'create the folder', parent);
    });
  } else if (!st.isDirectory()) {
    throw new RemoteAgentError(ErrorCode.NotDirectory, `${parent} is a file, not a folder: choose a destination inside a folder`, { path: parent });
  }
}

/**
 * Where a received artifact is assembled: the bytes go to a temporary file beside the destination, and
 * only after the sha256 matched does `finish` put the result in place, a file by rename and a folder by
 * unpacking into a temporary folder that is then renamed. Whatever was at the destination (overwrite)
 * is moved aside first and removed last, so a failure leaves it as it was.
 */
export class StagedArtifact implements DataSink {
  private tally: ArchiveTally = emptyTally();
  private readonly cleanup = new Set<string>();
  private type: ArtifactType | null = null;

  private constructor(
    readonly target: string,
    private readonly options: StagingOptions,
    private readonly tempFile: string,
    private readonly handle: FileHandle,
  ) {
    this.cleanup.add(tempFile);
  }

  static async create(target: string, options: StagingOptions): Promise<StagedArtifact> {
    await prepareDestination(target, options);
    const tempFile = tempName(target, 'ra-part');
    const handle = await open(tempFile, 'wx', 0o600).catch((err: unknown) => {
      throw options.errorFor(err, 'create a temporary file in', path.dirname(target));
    });
    return new StagedArtifact(target, options, tempFile, handle);
  }

  async write(data: Buffer): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done);
      done += bytesWritten;
    }
  }

  async finish(eof: DataEof): Promise<void> {
    const type: ArtifactType = eof.format === 'tar' ? 'directory' : 'file';
    if (this.options.expectedType !== undefined && this.options.expectedType !== type) {
      throw new RemoteAgentError(ErrorCode.BadRequest, `the request announced a ${this.options.expectedType} but the data is a ${type}`);
    }
    await this.handle.sync();
    await this.handle.close();
    this.type = type;
    if (type === 'file') {
      // Opened private while incomplete; the final mode is the source's (umask not applied: it was chosen).
      await chmod(this.tempFile, this.options.fileMode ?? 0o644);
      this.tally = { ...emptyTally(), files: 1, fileBytes: eof.size };
      await this.putInPlace(this.tempFile);
      return;
    }
    const unpacked = tempName(this.target, 'ra-unpack');
    this.cleanup.add(unpacked);
    await mkdir(unpacked, { mode: 0o755 });
    this.tally = await extractArchive(this.tempFile, unpacked);
    await this.putInPlace(unpacked);
    await rm(this.tempFile, { force: true });
  }

  content(): ArchiveTally & { type: ArtifactType | null } {
    return { ...this.tally, type: this.type };
  }

  /** Removes what a failed or cancelled transfer left behind. */
  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    for (const leftover of this.cleanup) await rm(leftover, { recursive: true, force: true }).catch(() => undefined);
  }

  private async putInPlace(ready: string): Promise<void> {
    const existing = await lstatOrNull(this.target, this.options.errorFor);
    if (existing !== null && !this.options.overwrite) throw alreadyExists(this.target);
    let aside: string | null = null;
    try {
      if (existing !== null) {
        aside = tempName(this.target, 'ra-old');
        await rename(this.target, aside);
      }
      await rename(ready, this.target);
      this.cleanup.delete(ready);
    } catch (err) {
      if (aside !== null) await rename(aside, this.target).catch(() => undefined);
      throw this.options.errorFor(err, 'put the received data at', this.target);
    }
    if (aside !== null) await rm(aside, { recursive: true, force: true });
  }
}
