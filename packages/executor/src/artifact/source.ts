import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ErrorCode, RemoteAgentError, type ArtifactType } from '@remote-agent/contracts';
import type { DataSource } from '@remote-agent/transport';
import { fsError } from '../fs/errors.js';
import { emptyTally, packFolder, type ArchiveTally } from './archive.js';

const READ_BYTES = 64 * 1024;

/** A file or folder to send, and what the last read of it held. */
export interface ArtifactSource {
  type: ArtifactType;
  source: DataSource;
  /** Counts of the last complete read (a folder is packed again when a transfer resumes). */
  tally(): ArchiveTally;
}

/** Opens `file` (a resolved absolute path; a link is followed) as a byte stream: the file itself, or a folder's tar stream. */
export async function openArtifactSource(file: string): Promise<ArtifactSource> {
  const st = await stat(file).catch((err: unknown) => {
    throw fsError(err, 'read', file);
  });
  if (st.isFile()) {
    return {
      type: 'file',
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
