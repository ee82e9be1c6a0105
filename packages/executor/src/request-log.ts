import type { StreamName } from '@remote-agent/contracts';
import type { OutputLogWriter } from './output-log-writer.js';

/**
 * One request's output on its way to the disk. The log file is opened on the first bytes, so a request
 * without output leaves nothing on disk.
 *
 * While the request's output is held back to travel inside its result (the dispatcher keeps up to
 * TRAILING_OUTPUT_BYTES until it announces the run), its bytes wait here too, and reach the disk once the
 * output streams after all (`release`) or once the result has been sent. Creating and writing the file
 * before the result cost an `echo` 0.3-0.7 ms of its round trip on the bench's VM, and 0.6 ms with the
 * journal's own open and close per record (bench/README.md, finding 4). The daemon already has those bytes
 * from the result; a crash in between costs only the executor's copy of them.
 */
export class RequestLog {
  private writer: OutputLogWriter | null = null;
  private opened = false;
  private waiting: Array<[StreamName, Buffer]> = [];
  private waitingBytes = 0;

  /**
   * `open` returns null when no output is kept (or the log cannot be made): bytes are then dropped.
   * Past `maxWaitingBytes` the log writes at once whatever the caller says, so that a cancelled command,
   * whose output no longer waits for credit, cannot fill memory here.
   */
  constructor(
    private readonly open: () => OutputLogWriter | null,
    private readonly maxWaitingBytes: number,
  ) {}

  /** Takes bytes in output order; with `hold` they wait in memory until `release` or `close`. */
  append(stream: StreamName, data: Buffer, hold: boolean): void {
    if (hold && this.waitingBytes + data.length <= this.maxWaitingBytes) {
      this.waiting.push([stream, data]);
      this.waitingBytes += data.length;
      return;
    }
    this.release();
    this.file()?.append(stream, data);
  }

  /** Writes the waiting bytes now. */
  release(): void {
    if (this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    const writer = this.file();
    for (const [stream, data] of waiting) writer?.append(stream, data);
  }

  hasRoom(): boolean {
    return this.writer?.hasRoom() ?? true;
  }

  async waitForRoom(): Promise<void> {
    await this.writer?.waitForRoom();
  }

  /** Writes what waits, then resolves once every byte is in the files and they are closed. */
  close(): Promise<void> {
    this.release();
    return this.writer?.close() ?? Promise.resolve();
  }

  private file(): OutputLogWriter | null {
    if (!this.opened) {
      this.opened = true;
      this.writer = this.open();
    }
    return this.writer;
  }
}
