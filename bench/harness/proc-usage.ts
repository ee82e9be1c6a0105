import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Resident memory and CPU time consumed so far by one process. */
export interface ProcessUsage {
  rssBytes: number;
  cpuMs: number;
  /** performance.now() when read. */
  atMs: number;
}

/** Reads a process's usage by pid; null when the platform offers no way (Windows) or the process is gone. */
export type UsageReader = (pid: number) => ProcessUsage | null;

export interface UsageDelta {
  rssBytes: number;
  /** Share of one core over the window, in percent. */
  cpuPercent: number;
  cpuMs: number;
  windowMs: number;
}

export function usageDelta(before: ProcessUsage, after: ProcessUsage): UsageDelta {
  const windowMs = after.atMs - before.atMs;
  const cpuMs = after.cpuMs - before.cpuMs;
  return { rssBytes: after.rssBytes, cpuMs, windowMs, cpuPercent: windowMs > 0 ? (cpuMs / windowMs) * 100 : Number.NaN };
}

/** Parses /proc/<pid>/stat: utime and stime are fields 14 and 15, counted after the parenthesised name. */
export function parseProcStat(stat: string, ticksPerSecond: number): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return ((utime + stime) / ticksPerSecond) * 1000;
}

export function parseVmRss(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** `ps -o time=` prints [[dd-]hh:]mm:ss(.cc). */
export function parsePsTime(text: string): number {
  const [days, clock] = text.includes('-') ? [Number(text.split('-')[0]), text.split('-')[1]!] : [0, text];
  const parts = clock.split(':').map(Number);
  let seconds = 0;
  for (const p of parts) seconds = seconds * 60 + p;
  return (days * 86_400 + seconds) * 1000;
}

function clockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

export function createUsageReader(platform: NodeJS.Platform = process.platform): UsageReader {
  if (platform === 'linux') {
    const ticks = clockTicks();
    return (pid) => {
      try {
        const cpuMs = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), ticks);
        const rssBytes = parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return { rssBytes, cpuMs, atMs: performance.now() };
      } catch {
        return null;
      }
    };
  }
  if (platform === 'win32') return () => null;
  return (pid) => {
    try {
      const out = execFileSync('ps', ['-o', 'rss=,time=', '-p', String(pid)], { encoding: 'utf8' }).trim();
      const [rss, time] = out.split(/\s+/);
      if (rss === undefined || time === undefined) return null;
      return { rssBytes: Number(rss) * 1024, cpuMs: parsePsTime(time), atMs: performance.now() };
    } catch {
      return null;
    }
  };
}
