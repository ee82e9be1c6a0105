import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export const READ_CHUNK_BYTES = 64 * 1024;

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a whole file, streamed so a large file never sits in memory. */
export async function sha256OfFile(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES, ...(signal ? { signal } : {}) });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
