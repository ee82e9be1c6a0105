import { homedir, userInfo } from 'node:os';
import { timeSpawn, type SpawnResult } from './local-spawn.js';

/**
 * The command run locally the way sshd runs it: the user's login shell from the password database, given
 * the command with `-c`, in the home folder, with the variables sshd sets. `SSH_CLIENT` matters most: bash
 * reads `~/.bashrc` when it sees it (zsh reads `~/.zshenv` and fish its config for any shell anyway). An
 * rc file that starts version managers (pyenv, nvm, conda) can cost 100 ms or more, and ssh pays it on
 * every command, while an executor runs commands in `/bin/sh` without rc files. Setting this row beside
 * the ssh row says how much of ssh's time is the user's shell start rather than ssh.
 */
export interface LoginShell {
  shell: string;
  run(command: string): Promise<SpawnResult>;
}

/** Null where there is no POSIX login shell to start (Windows, or an account without one). */
export function loginShell(env: NodeJS.ProcessEnv = process.env): LoginShell | null {
  if (process.platform === 'win32') return null;
  let user: { username: string; shell: string | null };
  try {
    user = userInfo();
  } catch {
    return null;
  }
  const shell = user.shell;
  if (!shell || !shell.startsWith('/')) return null;
  const home = homedir();
  const sessionEnv: NodeJS.ProcessEnv = {
    HOME: home,
    USER: user.username,
    LOGNAME: user.username,
    SHELL: shell,
    PATH: '/usr/local/bin:/usr/bin:/bin',
    SSH_CLIENT: '127.0.0.1 50000 22',
    SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22',
  };
  if (env.LANG !== undefined) sessionEnv.LANG = env.LANG;
  return { shell, run: (command) => timeSpawn(shell, ['-c', command], { cwd: home, env: sessionEnv }) };
}
