import type { IncomingMessage } from 'node:http';

export type JsonBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'too-large' }
  | { kind: 'not-json' }
  /** The client went away before the body was complete: there is no one left to answer. */
  | { kind: 'aborted' };

/**
 * Reads and parses a request body of at most maxBytes. A declared Content-Length over the limit is refused
 * before anything is read. Events rather than an async iterator, because this is on every MCP call's path.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<JsonBody> {
  if (Number(req.headers['content-length']) > maxBytes) return Promise.resolve({ kind: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: JsonBody): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        // Whatever else arrives is left for node:http to discard after the 413 goes out.
        settle({ kind: 'too-large' });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      try {
        settle({ kind: 'json', value: JSON.parse(text) as unknown });
      } catch {
        settle({ kind: 'not-json' });
      }
    });
    req.once('error', () => settle({ kind: 'aborted' }));
    req.once('close', () => settle({ kind: 'aborted' }));
  });
}
