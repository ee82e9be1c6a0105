import type { Slab } from './frame-arena.js';

/** A numbered message kept until acknowledged: its frame, and the slab its bytes were cut from (if any). */
export interface UnackedFrame {
  sequenceId: number;
  frame: Buffer;
  slab: Slab | null;
}

/**
 * Messages sent on a reliable connection and not yet acknowledged, in sequence order. A sequenceAck frees
 * a prefix; after a reconnect the rest is sent again. Amortised O(1) per message.
 */
export class UnackedQueue {
  private entries: UnackedFrame[] = [];
  private head = 0;
  private totalBytes = 0;

  get count(): number {
    return this.entries.length - this.head;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  push(entry: UnackedFrame): void {
    this.entries.push(entry);
    this.totalBytes += entry.frame.length;
  }

  /** Frees every message up to and including `sequenceId` (acks are cumulative), each handed to `released`. */
  acknowledge(sequenceId: number, released: (entry: UnackedFrame) => void): void {
    const entries = this.entries;
    let head = this.head;
    while (head < entries.length && entries[head]!.sequenceId <= sequenceId) {
      const entry = entries[head]!;
      this.totalBytes -= entry.frame.length;
      released(entry);
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

  *pending(): IterableIterator<UnackedFrame> {
    for (let i = this.head; i < this.entries.length; i++) yield this.entries[i]!;
  }

  /** Frees everything, each entry handed to `released`. */
  clear(released: (entry: UnackedFrame) => void): void {
    for (let i = this.head; i < this.entries.length; i++) released(this.entries[i]!);
    this.entries = [];
    this.head = 0;
    this.totalBytes = 0;
  }
}
