import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { medianCpu, startCpuMeter } from './cpu-meter.js';
import type { ProcessUsage } from './proc-usage.js';
import { MIB } from '../stats.js';

test('CPU per MiB is the growth of each process CPU time over the bytes moved', () => {
  const cpu = new Map([[11, 100], [22, 40]]);
  const read = (pid: number): ProcessUsage | null => (cpu.has(pid) ? { rssBytes: 0, cpuMs: cpu.get(pid)!, atMs: 0 } : null);
  const meter = startCpuMeter(read, { executor: 11, relay: 22 });
  cpu.set(11, 300).set(22, 140);
  assert.deepEqual(meter.stop(4 * MIB), { executor: 50, relay: 25 });
  assert.equal(meter.stop(0), undefined, 'nothing moved: no figure');
  cpu.delete(22);
  assert.equal(meter.stop(MIB), undefined, 'a process gone: no figure rather than a wrong one');
});

test('this process is measured by its own counters', () => {
  const meter = startCpuMeter(() => null, { bench: 'self' });
  const block = Buffer.alloc(MIB, 1);
  for (let i = 0; i < 20; i++) createHash('sha256').update(block).digest();
  const perMiB = meter.stop(MIB);
  assert.ok(perMiB !== undefined && perMiB.bench! > 0, JSON.stringify(perMiB));
});

test('medians are taken per process over the runs that were measured', () => {
  assert.deepEqual(medianCpu([{ a: 1, b: 10 }, undefined, { a: 3, b: 30 }, { a: 2, b: 20 }]), { a: 2, b: 20 });
  assert.equal(medianCpu([undefined]), null);
});
