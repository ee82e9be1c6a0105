import path from 'node:path';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';

/** The path flavour of the platform; tests pass path.win32 or path.posix to cover both on any machine. */
export type PathApi = typeof path.posix | typeof path.win32;

const WINDOWS_ABSOLUTE = /^[a-zA-Z]:[\\/]/;

/**
 * Turns a path from a request into an absolute, normalised path: absolute paths stand as given, relative
 * ones start at the executor's working folder. A Windows drive path sent to a POSIX executor would
 * otherwise silently become a strange relative path, so it is refused with the reason.
 */
export function resolveFsPath(input: string, workDir: string, api: PathApi = path): string {
  if (input.includes('\0')) throw new RemoteAgentError(ErrorCode.BadRequest, 'path contains a NUL character');
  if (api === path.posix && WINDOWS_ABSOLUTE.test(input)) {
    throw new RemoteAgentError(
      ErrorCode.BadRequest,
      `"${input}" is a Windows path but this executor runs on ${process.platform}: use a POSIX path such as /home/user/file`,
      { path: input },
    );
  }
  return api.resolve(workDir, input);
}

/** True when `candidate` is `ancestor` itself or lies inside it (case-insensitively on Windows). */
export function isSameOrInside(candidate: string, ancestor: string, api: PathApi = path): boolean {
  const rel = api.relative(ancestor, candidate);
  return rel === '' || (!rel.startsWith('..') && !api.isAbsolute(rel));
}
