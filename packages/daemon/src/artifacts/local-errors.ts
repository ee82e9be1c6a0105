import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';

/** What Node's fs threw on the daemon's machine, as an error naming the path and what to do. */
export function localFsError(err: unknown, action: string, target: string): RemoteAgentError {
  if (err instanceof RemoteAgentError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const at = `cannot ${action} ${target} on the daemon's machine`;
  switch (code) {
    case 'ENOENT':
      return new RemoteAgentError(ErrorCode.NotFound, `${at}: no such file or folder. Check the path; relative paths start at the first artifact root`, { path: target });
    case 'EACCES':
    case 'EPERM':
      return new RemoteAgentError(ErrorCode.PermissionDenied, `${at}: permission denied for the user the daemon runs as`, { path: target });
    case 'EISDIR':
      return new RemoteAgentError(ErrorCode.IsDirectory, `${at}: it is a folder`, { path: target });
    case 'ENOTDIR':
      return new RemoteAgentError(ErrorCode.NotDirectory, `${at}: a part of the path is a file, not a folder`, { path: target });
    case 'EEXIST':
      return new RemoteAgentError(ErrorCode.AlreadyExists, `${at}: something already exists there`, { path: target });
    case 'ENOSPC':
    case 'EDQUOT':
      return new RemoteAgentError(ErrorCode.Internal, `${at}: no space left on the device. Free some space and retry`, { path: target });
    default:
      return new RemoteAgentError(ErrorCode.Internal, `${at}: ${err instanceof Error ? err.message : String(err)}`, { path: target });
  }
}
