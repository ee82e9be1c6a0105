/**
 * The one place where a local policy (allowed commands, file roots, read-only mode) decides whether a
 * validated request may run. It is consulted by the dispatcher before anything is recorded or started.
 */
export interface PolicyRequest {
  requestId: string;
  kind: string;
  params: unknown;
  daemonId: string;
}

export interface RequestPolicy {
  /** Throws RemoteAgentError(FORBIDDEN) saying what is not allowed and which setting allows it. */
  check(request: PolicyRequest): void;
}

/** Until policies are configurable, every validated request is allowed. */
export const allowAllPolicy: RequestPolicy = { check: () => {} };
