import type { RemoteAgentError } from '@remote-agent/contracts';

/**
 * Turns what Node's fs threw into the error to report. Passed in by each side because the words differ:
 * which machine the path is on and where its relative paths start. `action` completes "cannot ... <target>".
 */
export type FsErrorMapper = (err: unknown, action: string, target: string) => RemoteAgentError;
