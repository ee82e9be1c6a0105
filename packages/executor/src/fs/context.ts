import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';

/** What every fs operation needs from the executor: where relative paths start, and how to stop early. */
export interface FsContext {
  workDir: string;
  signal?: AbortSignal;
}

export function throwIfCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new RemoteAgentError(ErrorCode.Cancelled, `${what} was cancelled before it finished`);
}
