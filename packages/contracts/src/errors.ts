/**
 * Error codes shared by every part. An agent or a test matches on the code; the message is for a person
 * and says what was wrong and what to do instead.
 */
export const ErrorCode = {
  BadRequest: 'BAD_REQUEST',
  InvalidConfig: 'INVALID_CONFIG',
  UnknownExecutor: 'UNKNOWN_EXECUTOR',
  ExecutorOffline: 'EXECUTOR_OFFLINE',
  UnknownRequest: 'UNKNOWN_REQUEST',
  UnsupportedKind: 'UNSUPPORTED_KIND',
  Duplicate: 'DUPLICATE',
  Cancelled: 'CANCELLED',
  TimedOut: 'TIMED_OUT',
  Lost: 'LOST',
  TooLarge: 'TOO_LARGE',
  Forbidden: 'FORBIDDEN',
  Unauthorized: 'UNAUTHORIZED',
  NotFound: 'NOT_FOUND',
  AlreadyExists: 'ALREADY_EXISTS',
  IsDirectory: 'IS_DIRECTORY',
  NotDirectory: 'NOT_DIRECTORY',
  PermissionDenied: 'PERMISSION_DENIED',
  Conflict: 'CONFLICT',
  NotConnected: 'NOT_CONNECTED',
  SpawnFailed: 'SPAWN_FAILED',
  Internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** The one error type thrown across package boundaries. */
export class RemoteAgentError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'RemoteAgentError';
    this.code = code;
    this.details = details;
  }

  toInfo(): ErrorInfo {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromInfo(info: ErrorInfo): RemoteAgentError {
    return new RemoteAgentError(info.code, info.message, info.details);
  }
}

/** Turns anything thrown into an ErrorInfo without leaking stack traces onto the wire. */
export function toErrorInfo(err: unknown, fallback: ErrorCode = ErrorCode.Internal): ErrorInfo {
  if (err instanceof RemoteAgentError) return err.toInfo();
  const message = err instanceof Error ? err.message : String(err);
  return { code: fallback, message };
}
