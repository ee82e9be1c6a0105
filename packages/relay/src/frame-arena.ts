/**
 * Memory for the bulk frames a reliable session keeps until they are acknowledged.
 *
 * A kept frame lives for a few dozen messages, long enough to survive a scavenge; as its own Buffer, each one
 * is then promoted and its bytes count as external memory that only a full garbage collection frees. At a
 * stream's rate that started a full collection every few MiB. Cut from a few reused slabs instead, the
 * frames leave nothing for the collector but small views: half the full collections, and the relay's CPU
 * per streamed MiB from 3.6-4.1 ms to 3.0-3.3 (`node bench/dist/main.js --only throughput`).
 *
 * A slab goes back to the pool only when every frame cut from it is released (acknowledged, or its session
 * ended) and every write of one has completed, so no socket can still be sending bytes from memory that
 * another session's frame is about to reuse.
 */

/** Big enough for several of the largest bulk frames (a 128 KiB chunk as base64 JSON is about 175 KiB). */
export const SLAB_BYTES = 1024 * 1024;
/** Unused slabs a relay keeps for the next stream: 16 MiB at most. */
export const MAX_FREE_SLABS = 16;

/** Frames smaller than this are ordinary Buffers: a small message must not pin a slab per idle session. */
export const ARENA_MIN_FRAME_BYTES = 16 * 1024;

export class Slab {
  readonly bytes: Buffer;
  /** Bytes cut so far. */
  used = 0;
  /** Frames cut from it and not yet released, plus their writes still in flight. */
  holds = 0;

  constructor(size: number) {
    this.bytes = Buffer.allocUnsafeSlow(size);
  }
}

/** Slabs shared by all sessions of a relay; at most `maxFree` are kept while unused. */
export class SlabPool {
  private readonly free: Slab[] = [];

  constructor(
    readonly slabBytes: number,
    private readonly maxFree: number,
  ) {}

  get freeCount(): number {
    return this.free.length;
  }

  take(): Slab {
    const slab = this.free.pop() ?? new Slab(this.slabBytes);
    slab.used = 0;
    slab.holds = 0;
    return slab;
  }

  give(slab: Slab): void {
    if (this.free.length < this.maxFree) this.free.push(slab);
  }
}

/** A frame to keep: its bytes, and the slab they were cut from (null for an ordinary Buffer). */
export interface ArenaFrame {
  frame: Buffer;
  slab: Slab | null;
}

/** One session's frames, cut in order from its current slab. Every frame holds its slab until released. */
export class FrameArena {
  private current: Slab | null = null;

  constructor(private readonly pool: SlabPool) {}

  /** Memory for a frame of `size` bytes, for the caller to fill; the frame holds its slab until `release`. */
  cut(size: number): ArenaFrame {
    if (size < ARENA_MIN_FRAME_BYTES || size > this.pool.slabBytes) return { frame: Buffer.allocUnsafe(size), slab: null };
    let slab = this.current;
    if (slab === null || slab.used + size > slab.bytes.length) {
      if (slab !== null && slab.holds === 0) this.pool.give(slab);
      slab = this.current = this.pool.take();
    }
    const frame = slab.bytes.subarray(slab.used, slab.used + size);
    slab.used += size;
    slab.holds++;
    return { frame, slab };
  }

  /** Takes one more hold on a frame's slab (a write of it in flight). */
  hold(slab: Slab | null): void {
    if (slab !== null) slab.holds++;
  }

  /** Drops one hold; a slab nothing holds is reused, from its start if it is the current one. */
  release(slab: Slab | null): void {
    if (slab === null || --slab.holds > 0) return;
    if (slab === this.current) slab.used = 0;
    else this.pool.give(slab);
  }

  /** The session is over: its current slab goes back once the last hold on it is dropped. */
  close(): void {
    const slab = this.current;
    this.current = null;
    if (slab !== null && slab.holds === 0) this.pool.give(slab);
  }
}
