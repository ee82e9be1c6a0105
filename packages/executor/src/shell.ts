/**
 * The shell a command line runs in: `/bin/sh -c` on POSIX, `cmd.exe /d /s /c` on Windows, or the
 * EXECUTOR_SHELL override (a POSIX shell, cmd, or PowerShell, recognised by its file name).
 */
export interface Shell {
  file: string;
  /** Arguments before the command line. */
  args: string[];
  style: 'posix' | 'cmd' | 'powershell';
}

export interface ShellInvocation {
  file: string;
  args: string[];
  /** cmd.exe parses its own command line; Node must pass it untouched. */
  windowsVerbatimArguments: boolean;
}

export function resolveShell(platform: NodeJS.Platform, comSpec: string | undefined, override: string | undefined): Shell {
  if (override) return shellFor(override);
  if (platform === 'win32') return shellFor(comSpec || 'cmd.exe');
  return shellFor('/bin/sh');
}

function shellFor(file: string): Shell {
  const name = file.split(/[\\/]/).pop()!.toLowerCase().replace(/\.exe$/, '');
  if (name === 'cmd') return { file, args: ['/d', '/s', '/c'], style: 'cmd' };
  if (name === 'pwsh' || name === 'powershell') {
    return { file, args: ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command'], style: 'powershell' };
  }
  return { file, args: ['-c'], style: 'posix' };
}

export function describeShell(shell: Shell): string {
  return [shell.file, ...shell.args].join(' ');
}

export function shellInvocation(shell: Shell, command: string): ShellInvocation {
  if (shell.style === 'cmd') {
    // With /s, cmd strips exactly one pair of outer quotes and runs the rest as typed, as Node's own shell option does.
    return { file: shell.file, args: [...shell.args, `"${command}"`], windowsVerbatimArguments: true };
  }
  return { file: shell.file, args: [...shell.args, command], windowsVerbatimArguments: false };
}
