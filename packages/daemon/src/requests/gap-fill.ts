import type { StreamName } from '@remote-agent/contracts';
import type { Logger } from '@remote-agent/transport';
import type { OutputBuffer } from './output-buffer.js';

/** One page of a request's output log on its executor (`output.read`). */
export interface LogPage {
  offset: number;
  nextOffset: number;
  bytes: Buffer;
}

/** Reads [offset, offset + length) of a stream of a request's log on its executor. */
export type ReadLog = (requestId: string, stream: StreamName, offset: number, length: number) => Promise<LogPage>;

/** Bytes asked for per read; the executor answers at most 512 KiB. */
const PAGE_BYTES = 256 * 1024;

/**
 * Fills the holes lost chunks left in a request's output from the executor's on-disk log. What cannot be
 * read back (log rotated away, executor unreachable) stays missing, and the output stays `truncated`.
 */
export async function fillGaps(requestId: string, output: OutputBuffer, readLog: ReadLog, logger: Logger): Promise<void> {
  for (const range of output.missing()) {
    let offset = range.start;
    try {
      while (offset < range.end) {
        const page = await readLog(requestId, range.stream, offset, Math.min(PAGE_BYTES, range.end - offset));
        if (page.bytes.length > 0) output.fill(range.stream, page.offset, page.bytes);
        // A log rotated past the hole, or one that ends early, has nothing more to give.
        if (page.offset > offset || page.nextOffset <= offset) break;
        offset = page.nextOffset;
      }
    } catch (err) {
      logger.warn('lost output could not be read back from the executor; the output stays truncated', {
        requestId,
        stream: range.stream,
        offset,
        error: err,
      });
      return;
    }
    if (offset < range.end) {
      logger.warn('lost output is no longer in the executor log; the output stays truncated', { requestId, stream: range.stream, offset });
    }
  }
}
