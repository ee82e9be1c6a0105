interface Entry {
  sequenceId: number;
  frame: Buffer;
  bytes: number;
}

/**
 * Messages sent on a reliable connection and not yet acknowledged, in sequence order. A sequenceAck frees
 * a prefix; after a reconnect the rest is sent again. Amortised O(1) per message.
 */
export class UnackedQueue {
  private entries: Entry[] = [];
  private head = 0;
  private totalBytes = 0;

  get count(): number {
    return this.entries.length - this.head;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  push(sequenceId: number, frame: Buffer, bytes: number): void {
    this.entries.push({ sequenceId, frame, bytes });
    this.totalBytes += bytes;
  }

  /** Frees every message up to and including `sequenceId` (acks are cumulative). */
  acknowledge(sequenceId: number): void {
    const entries = this.entries;
    let head = this.head;
    while (head < entries.length && entries[head]!.sequenceId <= sequenceId) {
      this.totalBytes -= entries[head]!.bytes;
      head++;
    }
    if (head === entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (head > 1024 && head * 2 > entries.length) {
      this.entries = entries.slice(head);
      this.head = 0;
    } else {
      this.head = head;
    }
  }

  *frames(): IterableIterator<Buffer> {
    for (let i = this.head; i < this.entries.length; i++) yield this.entries[i]!.frame;
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.totalBytes = 0;
  }
}
