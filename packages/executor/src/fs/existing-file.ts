import { open } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { sha256OfFile } from './hash.js';
import { DETECTION_SAMPLE_BYTES, detectEncoding, type TextDetection } from './text-codec.js';

/** Encoding and BOM of an existing file, from its first bytes, so a rewrite can keep them. */
export async function sniffTextFormat(file: string): Promise<TextDetection> {
  const handle = await open(file, 'r');
  try {
    const sample = Buffer.alloc(DETECTION_SAMPLE_BYTES);
    const { bytesRead } = await handle.read(sample, 0, sample.length, 0);
    const size = (await handle.stat()).size;
    return detectEncoding(sample.subarray(0, bytesRead), bytesRead >= size);
  } finally {
    await handle.close();
  }
}

/**
 * Refuses a change based on a stale read: the file must still hash to what the caller last saw.
 * A file that disappeared since is just as stale.
 */
export async function checkExpectedSha256(
  file: string,
  existing: Stats | null,
  expected: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (existing === null) {
    throw new RemoteAgentError(
      ErrorCode.Conflict,
      `${file} does not exist, but expectedSha256 was given: it was moved or removed since you read it. Check with fs.stat, then write without expectedSha256 to create it`,
      { path: file },
    );
  }
  const actual = await sha256OfFile(file, signal);
  if (actual !== expected.toLowerCase()) {
    throw new RemoteAgentError(
      ErrorCode.Conflict,
      `${file} changed since it was read (sha256 is now ${actual}, expected ${expected.toLowerCase()}): read it again and redo your change on the current content`,
      { path: file, sha256: actual },
    );
  }
}
