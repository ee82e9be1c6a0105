import { ErrorCode, RemoteAgentError, FsRequestParams, type FsKind, type FsParams } from '@remote-agent/contracts';

/**
 * Validates a request's params against its contracts schema and applies the defaults, so every
 * operation works on a complete, checked object whoever called it.
 */
export function parseFsParams<K extends FsKind>(kind: K, params: unknown): FsParams<K> {
  const parsed = FsRequestParams[kind].safeParse(params ?? {});
  if (parsed.success) return parsed.data as FsParams<K>;
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'params'}: ${issue.message}`)
    .join('; ');
  throw new RemoteAgentError(ErrorCode.BadRequest, `invalid ${kind} params: ${problems}`);
}
