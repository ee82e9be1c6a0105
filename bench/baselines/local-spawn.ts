import { spawn } from 'node:child_process';
import { resolveShell, shellInvocation } from '@remote-agent/executor';

export interface SpawnResult {
  ms: number;
  code: number | null;
  stdoutBytes: number;
  stdout: string;
}

/** How long a file takes to run here, with stdout collected (first `keep` bytes) and counted. */
export function timeSpawn(
  file: string,
  args: string[],
  opts: { windowsVerbatimArguments?: boolean; keep?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<SpawnResult> {
  const keep = opts.keep ?? 4096;
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
      windowsVerbatimArguments: opts.windowsVerbatimArguments ?? false,
      // Left undefined, spawn uses this process's folder and environment.
      cwd: opts.cwd,
      env: opts.env,
    });
    let bytes = 0;
    const kept: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      if (bytes < keep) kept.push(chunk.subarray(0, keep - bytes));
      bytes += chunk.length;
    });
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ ms: performance.now() - start, code, stdoutBytes: bytes, stdout: Buffer.concat(kept).toString('utf8') }),
    );
  });
}

/** The floor: the same command line run by the same shell an executor uses, on this machine. */
export function timeShellCommand(command: string, keep?: number): Promise<SpawnResult> {
  const shell = resolveShell(process.platform, process.env.ComSpec ?? process.env.COMSPEC, undefined);
  const inv = shellInvocation(shell, command);
  return timeSpawn(inv.file, inv.args, { windowsVerbatimArguments: inv.windowsVerbatimArguments, ...(keep === undefined ? {} : { keep }) });
}
