import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { timeSpawn, type SpawnResult } from './local-spawn.js';

/**
 * `ssh localhost` with connection reuse (ControlMaster): the usual way to run commands on another machine.
 * Used only when an SSH server with key authentication for this user already answers; never set one up.
 */
export interface SshBaseline {
  run(command: string): Promise<SpawnResult>;
  close(): Promise<void>;
}

export type SshProbe = { available: true } | { available: false; reason: string };

const PROBE_TIMEOUT_MS = 5_000;

export function sshArgs(controlDir: string, extra: string[]): string[] {
  return [
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=2',
    '-o', 'StrictHostKeyChecking=accept-new',
    '-o', 'ControlMaster=auto',
    '-o', `ControlPath=${join(controlDir, 'cm-%C')}`,
    '-o', 'ControlPersist=120',
    ...extra,
  ];
}

function runSsh(args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ssh', args, { timeout: timeoutMs, windowsHide: true }, (err, _stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

/**
 * `ssh localhost true` with the row's own options: does a key-authenticated server answer? A localhost
 * key not yet in known_hosts is accepted here as the row itself would, rather than skipping the row.
 */
export async function probeSsh(): Promise<SshProbe> {
  const { code, stderr } = await runSsh(
    ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=2', '-o', 'StrictHostKeyChecking=accept-new', 'localhost', 'true'],
    PROBE_TIMEOUT_MS,
  );
  if (code === 0) return { available: true };
  const why = stderr.trim().split('\n').pop() ?? '';
  return {
    available: false,
    reason: `no SSH server with key authentication for this user answers on localhost${why ? ` (${why})` : code === null ? ' (ssh is not installed)' : ''}`,
  };
}

export function sshBaseline(controlDir: string): SshBaseline {
  return {
    run: (command) => timeSpawn('ssh', sshArgs(controlDir, ['localhost', command])),
    async close() {
      await runSsh(sshArgs(controlDir, ['-O', 'exit', 'localhost']), PROBE_TIMEOUT_MS);
    },
  };
}
