import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Set in the environment of every command an executor runs: which executor ran it. */
export const EXECUTOR_ID_VAR = 'REMOTE_AGENT_EXECUTOR_ID';
/** Set in the environment of every command an executor runs: for which request. */
export const REQUEST_ID_VAR = 'REMOTE_AGENT_REQUEST_ID';

export interface LeftoverProcess {
  pid: number;
  /** The process group it is in: the one its run leads, unless it made a group of its own. */
  pgid: number;
  requestId: string;
}

/**
 * The processes that commands of the given requests left running. A command runs in a process group of
 * its own, so that cancelling it stops everything it started; an executor killed outright (SIGKILL, the
 * OOM killer) cannot do that, and the groups would run on with no one to stop them. Its next start finds
 * them by the two variables each command and its descendants inherit (EXECUTOR_ID_VAR, REQUEST_ID_VAR),
 * in `procDir`. Only Linux has that folder: elsewhere, and for processes of other users, none are found.
 * A request id is a UUID, so a match is a process of that request and no one else's.
 */
export function findLeftovers(executorId: string, requestIds: ReadonlySet<string>, procDir = '/proc'): LeftoverProcess[] {
  if (requestIds.size === 0) return [];
  let names: string[];
  try {
    names = readdirSync(procDir);
  } catch {
    return [];
  }
  const found: LeftoverProcess[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const dir = join(procDir, name);
    const requestId = requestOf(dir, executorId);
    if (requestId === null || !requestIds.has(requestId)) continue;
    const pgid = processGroupOf(dir);
    if (pgid !== null) found.push({ pid: Number(name), pgid, requestId });
  }
  return found;
}

/** The request a process was started for by `executorId`, from its environment; null if none (or unreadable). */
function requestOf(dir: string, executorId: string): string | null {
  let environ: string;
  try {
    // Variables are NUL-separated bytes in any encoding; ours are ASCII, which latin1 keeps as they are.
    environ = readFileSync(join(dir, 'environ'), 'latin1');
  } catch {
    // The process ended, or belongs to another user.
    return null;
  }
  let executor: string | null = null;
  let request: string | null = null;
  for (const entry of environ.split('\0')) {
    if (entry.startsWith(`${EXECUTOR_ID_VAR}=`)) executor = entry.slice(EXECUTOR_ID_VAR.length + 1);
    else if (entry.startsWith(`${REQUEST_ID_VAR}=`)) request = entry.slice(REQUEST_ID_VAR.length + 1);
  }
  return executor === executorId ? request : null;
}

function processGroupOf(dir: string): number | null {
  let stat: string;
  try {
    stat = readFileSync(join(dir, 'stat'), 'latin1');
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so fields count from the last ')'.
  const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  return Number.isInteger(pgid) && pgid > 1 ? pgid : null;
}
