import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '@remote-agent/transport';
import { ProbeReply } from './probe-reply.js';

function setup(jitterMs: number, random: number) {
  const clock = new ManualClock();
  let replies = 0;
  const reply = new ProbeReply({ jitterMs, random: () => random, clock, reply: () => replies++ });
  return { clock, reply, replies: () => replies };
}

describe('ProbeReply', () => {
  test('answers after the random share of the jitter', () => {
    const { clock, reply, replies } = setup(1_000, 0.25);
    reply.onProbe();
    clock.advance(249);
    assert.equal(replies(), 0);
    clock.advance(1);
    assert.equal(replies(), 1);
  });

  test('several probes within the delay get one answer; a later probe gets its own', () => {
    const { clock, reply, replies } = setup(1_000, 0.5);
    reply.onProbe();
    clock.advance(100);
    reply.onProbe();
    reply.onProbe();
    clock.advance(1_000);
    assert.equal(replies(), 1);
    reply.onProbe();
    clock.advance(1_000);
    assert.equal(replies(), 2);
  });

  test('a delay stays below the jitter even when random returns its upper end', () => {
    const { clock, reply, replies } = setup(10, 0.99999999);
    reply.onProbe();
    clock.advance(9);
    assert.equal(replies(), 1);
  });

  test('0 disables the jitter', () => {
    const { reply, replies } = setup(0, 0.9);
    reply.onProbe();
    assert.equal(replies(), 1);
  });

  test('stop cancels a pending answer', () => {
    const { clock, reply, replies } = setup(1_000, 0.5);
    reply.onProbe();
    reply.stop();
    clock.advance(2_000);
    assert.equal(replies(), 0);
  });
});
