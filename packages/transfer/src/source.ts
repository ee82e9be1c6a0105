import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ErrorCode, RemoteAgentError, type ArtifactType } from '@remote-agent/contracts';
import type { DataSource } from '@remote-agent/transport';
import { emptyTally, packFolder, type ArchiveTally } from './archive.js';
import type { FsErrorMapper } from './fs-error.js';

const READ_BYTES = 64 * 1024;

/** A file or folder to send, and what the last read of it held. */
export interface ArtifactSource {
  type: ArtifactType;
  source: DataSource;
  /** Permission bits of a file, passed on so that a script stays executable; null for a folder. */
  mode: number | null;
  /** Counts of the last complete read (a folder is packed again when a transfer resumes). */
  tally(): ArchiveTally;
}

export interface ArtifactSourceOptions {
  errorFor: FsErrorMapper;
}

/**
 * Opens `file` (a resolved absolute path the caller already checked; a link is followed) as a byte stream:
 * the file itself, or a folder's tar stream.
 */
export async function openArtifactSource(file: string, options: ArtifactSourceOptions): Promise<ArtifactSource> {
  const st = await stat(file).catch((err: unknown) => {
    throw options.errorFor(err, 'read', file);
  });
  if (st.isFile()) {
    return {
      type: 'file',
      mode: st.mode & 0o777,
      source: { format: 'file', total: st.size, open: () => createReadStream(file, { highWaterMark: READ_BYTES }) },
      tally: () => ({ ...emptyTally(), files: 1, fileBytes: st.size }),
    };
  }
  if (!st.isDirectory()) {
    throw new RemoteAgentError(ErrorCode.BadRequest, `${file} is not a file or folder (a device, FIFO or socket): it cannot be copied`, { path: file });
  }
  let last = emptyTally();
  return {
    type: 'directory',
    mode: null,
    source: {
      format: 'tar',
      open: () => {
        last = emptyTally();
        return packFolder(file, last);
      },
    },
    tally: () => last,
  };
}
