import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** JSON-RPC's "server error" range; the SDK uses the same code for transport-level refusals. */
export const JSONRPC_SERVER_ERROR = -32000;
export const JSONRPC_SESSION_NOT_FOUND = -32001;
export const JSONRPC_PARSE_ERROR = -32700;
export const JSONRPC_INVALID_REQUEST = -32600;

export const SESSION_NOT_FOUND_MESSAGE =
  'Session not found: it ended (closed, expired or the daemon restarted). Start a new session with initialize.';

/** A response with a JSON body; a response whose headers already went out (an SSE stream) is only ended. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A refusal as a JSON-RPC error with no id, the shape MCP clients show to their user. */
export function sendRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: OutgoingHttpHeaders = {},
): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function sendMethodNotAllowed(res: ServerResponse, method: string | undefined): void {
  sendRpcError(
    res,
    405,
    JSONRPC_SERVER_ERROR,
    `Method Not Allowed: ${method ?? 'this method'} is not part of MCP; use POST for messages, GET for the server's event stream, DELETE to end the session`,
    { allow: 'GET, POST, DELETE' },
  );
}
