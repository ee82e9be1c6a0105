import { median, MIB } from '../stats.js';
import { usageDelta, type UsageReader } from './proc-usage.js';

/** The processes of one path: a pid, or 'self' for this process (whose own readings are exact). */
export type CpuSubjects = Record<string, number | 'self'>;

export interface CpuMeter {
  /** CPU ms each subject spent per MiB of `bytes` since the meter started; undefined where a reading failed. */
  stop(bytes: number): Record<string, number> | undefined;
}

export function startCpuMeter(read: UsageReader, subjects: CpuSubjects): CpuMeter {
  const self = process.cpuUsage();
  const before = new Map(Object.entries(subjects).map(([name, pid]) => [name, pid === 'self' ? null : read(pid)]));
  return {
    stop(bytes) {
      const mib = bytes / MIB;
      if (mib <= 0) return undefined;
      const perMiB: Record<string, number> = {};
      for (const [name, pid] of Object.entries(subjects)) {
        if (pid === 'self') {
          const { user, system } = process.cpuUsage(self);
          perMiB[name] = (user + system) / 1000 / mib;
          continue;
        }
        const start = before.get(name);
        const end = read(pid);
        if (!start || !end) return undefined;
        perMiB[name] = usageDelta(start, end).cpuMs / mib;
      }
      return perMiB;
    },
  };
}

/** Per subject, the median over the runs that have a reading; null when none has. */
export function medianCpu(runs: ReadonlyArray<Record<string, number> | undefined>): Record<string, number> | null {
  const measured = runs.filter((r): r is Record<string, number> => r !== undefined);
  if (measured.length === 0) return null;
  const names = Object.keys(measured[0]!);
  return Object.fromEntries(names.map((name) => [name, median(measured.map((r) => r[name] ?? Number.NaN))]));
}
