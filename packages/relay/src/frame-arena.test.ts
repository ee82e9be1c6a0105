import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ARENA_MIN_FRAME_BYTES, FrameArena, SlabPool } from './frame-arena.js';

const KIB = 1024;

describe('FrameArena', () => {
  it('gives small and oversize frames ordinary Buffers, so an idle session pins no slab', () => {
    const pool = new SlabPool(256 * KIB, 4);
    const arena = new FrameArena(pool);
    assert.equal(arena.cut(ARENA_MIN_FRAME_BYTES - 1).slab, null);
    assert.equal(arena.cut(256 * KIB + 1).slab, null);
    assert.notEqual(arena.cut(ARENA_MIN_FRAME_BYTES).slab, null);
  });

  it('cuts frames one after another from a slab, and reuses it from its start once all are released', () => {
    const pool = new SlabPool(256 * KIB, 4);
    const arena = new FrameArena(pool);
    const a = arena.cut(64 * KIB);
    const b = arena.cut(64 * KIB);
    assert.equal(a.slab, b.slab);
    assert.equal(b.frame.byteOffset - a.frame.byteOffset, 64 * KIB, 'next to each other, not overlapping');
    arena.release(a.slab);
    const c = arena.cut(64 * KIB);
    assert.equal(c.frame.byteOffset - a.frame.byteOffset, 128 * KIB, 'b still holds the slab: nothing is reused');
    arena.release(b.slab);
    arena.release(c.slab);
    assert.equal(arena.cut(64 * KIB).frame.byteOffset, a.frame.byteOffset, 'all released: back to the start');
  });

  it('moves to a new slab when one is full and returns the full one only when nothing holds it', () => {
    const pool = new SlabPool(128 * KIB, 4);
    const arena = new FrameArena(pool);
    const first = arena.cut(100 * KIB);
    const second = arena.cut(100 * KIB);
    assert.notEqual(first.slab, second.slab);
    assert.equal(pool.freeCount, 0);
    arena.release(first.slab);
    assert.equal(pool.freeCount, 1);
  });

  it('keeps a slab whose frame is still being written, even after the frame is released, and even after close', () => {
    const pool = new SlabPool(128 * KIB, 4);
    const arena = new FrameArena(pool);
    const kept = arena.cut(100 * KIB);
    arena.hold(kept.slab);
    arena.cut(100 * KIB);
    arena.release(kept.slab);
    assert.equal(pool.freeCount, 0, 'the write still reads these bytes');
    const other = new FrameArena(pool).cut(100 * KIB);
    assert.notEqual(other.slab, kept.slab, 'another session never gets memory a socket is still sending');
    arena.release(kept.slab);
    assert.equal(pool.freeCount, 1);
  });

  it('returns its current slab on close once the last hold is dropped, and keeps at most maxFree', () => {
    const pool = new SlabPool(64 * KIB, 1);
    const arenas = [new FrameArena(pool), new FrameArena(pool)];
    const cuts = arenas.map((a) => a.cut(32 * KIB));
    arenas.forEach((a) => a.close());
    assert.equal(pool.freeCount, 0);
    arenas.forEach((a, i) => a.release(cuts[i]!.slab));
    assert.equal(pool.freeCount, 1, 'the second slab is left to the garbage collector');
  });
});
