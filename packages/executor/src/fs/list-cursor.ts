import { createHash } from 'node:crypto';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';

/**
 * A list cursor names the last entry returned (its path segments) and the listing it belongs to, so a
 * page resumes right after it, whatever was added or removed meanwhile, with no state kept between
 * calls. It is opaque to the agent: base64url of JSON.
 */
interface CursorBody {
  v: 1;
  q: string;
  after: string[];
}

export function listingKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

export function encodeCursor(key: string, after: readonly string[]): string {
  const body: CursorBody = { v: 1, q: key, after: [...after] };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

const malformed = (): RemoteAgentError =>
  new RemoteAgentError(ErrorCode.BadRequest, 'cursor is not one fs.list returned: list again without a cursor to start from the first page');

export function decodeCursor(cursor: string, key: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  const candidate = body as Partial<CursorBody> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    candidate.v !== 1 ||
    typeof candidate.q !== 'string' ||
    !Array.isArray(candidate.after) ||
    candidate.after.length === 0 ||
    !candidate.after.every((s) => typeof s === 'string' && s.length > 0)
  ) {
    throw malformed();
  }
  if (candidate.q !== key) {
    throw new RemoteAgentError(
      ErrorCode.BadRequest,
      'cursor belongs to a different listing (path, depth, include, exclude or hidden changed): pass the same options as for the first page, or list again without a cursor',
    );
  }
  return candidate.after;
}
