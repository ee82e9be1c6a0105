import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import type { Clock, Logger, RelayConnection } from '@remote-agent/transport';

export interface ConnectRetryOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_CONNECT_RETRY: ConnectRetryOptions = { initialDelayMs: 1_000, maxDelayMs: 30_000 };

/** Errors that waiting will not fix: the credentials or the settings are wrong. */
const FATAL = new Set<string>([ErrorCode.Unauthorized, ErrorCode.Forbidden, ErrorCode.InvalidConfig]);

/**
 * Starts the connection, retrying with growing delays while the relay is unreachable (it may start
 * after the executor, or be restarting). Wrong credentials fail at once, since retrying cannot help.
 */
export async function connectWithRetry(
  connection: RelayConnection,
  clock: Clock,
  logger: Logger,
  retry: ConnectRetryOptions = DEFAULT_CONNECT_RETRY,
): Promise<void> {
  let delay = retry.initialDelayMs;
  for (;;) {
    try {
      await connection.start();
      return;
    } catch (err) {
      if (err instanceof RemoteAgentError && FATAL.has(err.code)) throw err;
      logger.warn('relay not reachable; retrying', { retryInMs: delay, error: err });
    }
    await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
    delay = Math.min(retry.maxDelayMs, delay * 2);
  }
}
