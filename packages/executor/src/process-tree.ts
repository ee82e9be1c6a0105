import type { ChildProcess, SpawnOptions } from 'node:child_process';

export type SpawnFn = (file: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/**
 * Stops a command together with everything it started. On POSIX the command is spawned detached, so it
 * leads its own process group and one signal to the group reaches every descendant. Windows has no
 * groups to signal; `taskkill /T` walks the tree instead (and `/F` forces it).
 */
export interface ProcessTreeKiller {
  /** Whether commands must be spawned detached for `terminate`/`kill` to reach their descendants. */
  readonly detached: boolean;
  /** Asks the tree to stop (SIGTERM; taskkill without /F). Returns the signal name reported for it. */
  terminate(pid: number): string;
  /** Forces the tree down (SIGKILL; taskkill /F). */
  kill(pid: number): string;
}

export function processTreeKiller(platform: NodeJS.Platform, spawn: SpawnFn): ProcessTreeKiller {
  if (platform === 'win32') {
    const taskkill = (pid: number, force: boolean): void => {
      const args = ['/pid', String(pid), '/T', ...(force ? ['/F'] : [])];
      const child = spawn('taskkill', args, { stdio: 'ignore', windowsHide: true });
      child.on('error', () => {});
    };
    return {
      detached: false,
      terminate: (pid) => (taskkill(pid, false), 'SIGTERM'),
      kill: (pid) => (taskkill(pid, true), 'SIGKILL'),
    };
  }
  return {
    detached: true,
    terminate: (pid) => (signalGroup(pid, 'SIGTERM'), 'SIGTERM'),
    kill: (pid) => (signalGroup(pid, 'SIGKILL'), 'SIGKILL'),
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: the group is already gone, which is what was wanted.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
    try {
      process.kill(pid, signal);
    } catch {
      // The process itself is gone too.
    }
  }
}
