import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cleanup } from './cleanup.js';

test('steps run last-in first-out and a failing step does not stop the others', async () => {
  const cleanup = new Cleanup();
  const order: string[] = [];
  cleanup.add('a', () => void order.push('a'));
  cleanup.add('b', () => {
    throw new Error('boom');
  });
  cleanup.add('c', async () => void order.push('c'));
  const problems = await cleanup.runAll();
  assert.deepEqual(order, ['c', 'a']);
  assert.deepEqual(problems, ['b: boom']);
  assert.deepEqual(await cleanup.runAll(), []);
});

test('a step run early is not run again', async () => {
  const cleanup = new Cleanup();
  let runs = 0;
  const undo = cleanup.add('once', () => void runs++);
  await undo();
  await undo();
  await cleanup.runAll();
  assert.equal(runs, 1);
});
