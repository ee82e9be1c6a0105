import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ErrorCode, RemoteAgentError, type ArtifactType } from '@remote-agent/contracts';
import type { DataSource } from '@remote-agent/transport';
import { emptyTally, packFolder, type ArchiveTally } from './archive.js';
import { localFsError } from './local-errors.js';

const READ_BYTES = 64 * 1024;

/** A file or folder on the daemon's machine to send, and what the last read of it held. */
export interface LocalSource {
  type: ArtifactType;
  source: DataSource;
  /** Permission bits of a file, passed on so that a script stays executable. */
  mode: number | null;
  tally(): ArchiveTally;
}

/** Opens `real` (a path already checked against the roots, links resolved) as a byte stream. */
export async function openLocalSource(real: string): Promise<LocalSource> {
  const st = await stat(real).catch((err: unknown) => {
    throw localFsError(err, 'read', real);
  });
  if (st.isFile()) {
    return {
      type: 'file',
      mode: st.mode & 0o777,
      source: { format: 'file', total: st.size, open: () => createReadStream(real, { highWaterMark: READ_BYTES }) },
      tally: () => ({ ...emptyTally(), files: 1, fileBytes: st.size }),
    };
  }
  if (!st.isDirectory()) {
    throw new RemoteAgentError(ErrorCode.BadRequest, `${real} is not a file or folder (a device, FIFO or socket): it cannot be copied`, { path: real });
  }
  let last = emptyTally();
  return {
    type: 'directory',
    mode: null,
    source: {
      format: 'tar',
      open: () => {
        last = emptyTally();
        return packFolder(real, last);
      },
    },
    tally: () => last,
  };
}
