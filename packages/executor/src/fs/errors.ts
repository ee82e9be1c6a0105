import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';

interface ErrnoLike {
  code: string;
  message: string;
}

function errnoOf(err: unknown): ErrnoLike | null {
  if (typeof err !== 'object' || err === null) return null;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  const message = (err as { message?: unknown }).message;
  return { code, message: typeof message === 'string' ? message : code };
}

export function errnoCode(err: unknown): string | undefined {
  return errnoOf(err)?.code;
}

/**
 * Turns what Node's fs throws into a RemoteAgentError that names the path, says what went wrong in
 * words, and what to do next. `action` completes "cannot ... <path>", e.g. "read", "list", "write".
 */
export function fsError(err: unknown, action: string, target: string): RemoteAgentError {
  if (err instanceof RemoteAgentError) return err;
  const errno = errnoOf(err);
  const details = { path: target, errno: errno?.code ?? 'unknown' };
  const at = `cannot ${action} ${target}`;
  switch (errno?.code) {
    case 'ABORT_ERR':
      return new RemoteAgentError(ErrorCode.Cancelled, `${action} ${target} was cancelled before it finished`, details);
    case 'ENOENT':
      return new RemoteAgentError(
        ErrorCode.NotFound,
        `${at}: no such file or folder. Check the path (fs.list its parent folder); relative paths start at the executor's working folder`,
        details,
      );
    case 'EACCES':
    case 'EPERM':
      return new RemoteAgentError(
        ErrorCode.PermissionDenied,
        `${at}: permission denied for the user the executor runs as. Pick a path that user may access, or change its permissions`,
        details,
      );
    case 'EROFS':
      return new RemoteAgentError(ErrorCode.PermissionDenied, `${at}: the file system is read-only`, details);
    case 'EISDIR':
      return new RemoteAgentError(ErrorCode.IsDirectory, `${at}: it is a folder, not a file. Use fs.list to see what it holds`, details);
    case 'ENOTDIR':
      return new RemoteAgentError(
        ErrorCode.NotDirectory,
        `${at}: a part of the path is a file, not a folder. Check each folder in the path`,
        details,
      );
    case 'EEXIST':
      return new RemoteAgentError(ErrorCode.AlreadyExists, `${at}: something already exists at that path`, details);
    case 'ENOTEMPTY':
      return new RemoteAgentError(ErrorCode.Conflict, `${at}: the folder is not empty`, details);
    case 'EBUSY':
    case 'ETXTBSY':
      return new RemoteAgentError(ErrorCode.Conflict, `${at}: it is in use by another process. Retry once that process lets go of it`, details);
    case 'EFBIG':
      return new RemoteAgentError(ErrorCode.TooLarge, `${at}: the file is too large for this file system`, details);
    case 'ENOSPC':
    case 'EDQUOT':
      return new RemoteAgentError(ErrorCode.Internal, `${at}: no space left on the device (or quota reached). Free some space and retry`, details);
    case 'ELOOP':
      return new RemoteAgentError(ErrorCode.BadRequest, `${at}: too many levels of symbolic links (a link loop?)`, details);
    case 'ENAMETOOLONG':
      return new RemoteAgentError(ErrorCode.BadRequest, `${at}: the path or one of its names is too long`, details);
    case 'EMFILE':
    case 'ENFILE':
      return new RemoteAgentError(ErrorCode.Internal, `${at}: the executor has too many files open. Retry in a moment`, details);
    default:
      return new RemoteAgentError(ErrorCode.Internal, `${at}: ${errno?.message ?? String(err)}`, details);
  }
}
