import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, PRODUCT_VERSION, RemoteAgentError } from '@remote-agent/contracts';
import { systemClock, type Clock, type Logger, type TimerHandle } from '@remote-agent/transport';
import { HostAllowList } from './host-check.js';
import { readJsonBody } from './http-transport-body.js';
import { StreamableHttpTransport } from './http-transport.js';
import {
  header,
  JSONRPC_PARSE_ERROR,
  JSONRPC_SERVER_ERROR,
  JSONRPC_SESSION_NOT_FOUND,
  sendJson,
  sendMethodNotAllowed,
  sendRpcError,
  SESSION_NOT_FOUND_MESSAGE,
} from './http-transport-wire.js';

/**
 * Sessions with no open request or stream for this long are closed; their client must start a new one. Long,
 * because not every client re-initializes on a 404 and an agent can sit idle for hours; MAX_SESSIONS bounds
 * what forgotten sessions can hold meanwhile.
 */
export const DEFAULT_SESSION_IDLE_MS = 12 * 3600 * 1000;
/** Past this many sessions, the least recently used idle one is closed when a new one starts. */
export const DEFAULT_MAX_SESSIONS = 500;
/** The bound on a POST body, the same as the SDK's own transport. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface McpHttpOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The MCP endpoint, e.g. "/mcp". */
  path: string;
  /** DAEMON_MCP_ALLOWED_HOSTS. */
  allowedHosts: readonly string[];
  /** A fresh MCP server for each session. */
  createServer: () => Server;
  logger: Logger;
  clock?: Clock;
  sessionIdleMs?: number;
  maxSessions?: number;
  newSessionId?: () => string;
  /** Interval of the comment lines that keep a quiet event stream open; 0 sends none. */
  sseKeepAliveMs?: number;
}

export interface McpHttpServer {
  readonly url: string;
  readonly port: number;
  sessionCount(): number;
  /** Ends every session and stops listening. */
  close(): Promise<void>;
}

interface Session {
  id: string;
  server: Server;
  transport: StreamableHttpTransport;
  /** HTTP responses in progress (tool calls, the client's GET stream): a session with one is not idle. */
  open: number;
  lastActivity: number;
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The MCP endpoint over streamable HTTP (StreamableHttpTransport, one MCP server per session) on node:http.
 * Host and Origin are checked before the transport sees a request; other paths are 404; GET /healthz
 * answers for monitoring.
 */
export async function startMcpHttpServer(options: McpHttpOptions): Promise<McpHttpServer> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const idleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const newSessionId = options.newSessionId ?? randomUUID;
  const allow = new HostAllowList(options.allowedHosts);
  const allowedText = options.allowedHosts.join(',');
  const sessions = new Map<string, Session>();

  const closeSession = async (session: Session, why: string): Promise<void> => {
    if (!sessions.delete(session.id)) return;
    logger.debug('mcp session closed', { session: session.id, why });
    await session.server.close().catch((err: unknown) => logger.debug('mcp session close failed', { error: err }));
  };

  const evictIfFull = (): void => {
    if (sessions.size <= maxSessions) return;
    let oldest: Session | null = null;
    for (const s of sessions.values()) {
      if (s.open === 0 && (oldest === null || s.lastActivity < oldest.lastActivity)) oldest = s;
    }
    if (oldest !== null) void closeSession(oldest, 'too many sessions');
  };

  const track = (session: Session, res: ServerResponse): void => {
    session.open += 1;
    session.lastActivity = clock.now();
    res.on('close', () => {
      session.open -= 1;
      session.lastActivity = clock.now();
    });
  };

  const refusal = (req: IncomingMessage): string | null => {
    const host = header(req, 'host');
    if (!allow.allowsHost(host)) {
      return (
        `Forbidden: Host header ${JSON.stringify(host ?? '')} is not allowed (DNS rebinding protection). ` +
        `Connect through one of ${allowedText}, or add the name you use to DAEMON_MCP_ALLOWED_HOSTS (comma-separated).`
      );
    }
    const origin = header(req, 'origin');
    if (origin !== undefined && !allow.allowsOrigin(origin)) {
      return (
        `Forbidden: Origin ${JSON.stringify(origin)} is not allowed (a web page cannot drive this server). ` +
        `If this client is yours, add its host name to DAEMON_MCP_ALLOWED_HOSTS (comma-separated; now ${allowedText}).`
      );
    }
    return null;
  };

  const startSession = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    const server = options.createServer();
    const id = newSessionId();
    const transport = new StreamableHttpTransport({
      sessionId: id,
      logger,
      clock,
      maxBodyBytes: MAX_BODY_BYTES,
      sseKeepAliveMs: options.sseKeepAliveMs,
      onInitialized: () => {
        sessions.set(id, session);
        logger.debug('mcp session started', { session: id });
        evictIfFull();
      },
    });
    const session: Session = { id, server, transport, open: 0, lastActivity: clock.now() };
    session.transport.onclose = () => {
      if (sessions.get(session.id) === session) {
        sessions.delete(session.id);
        logger.debug('mcp session closed', { session: session.id, why: 'transport closed' });
      }
    };
    await server.connect(session.transport);
    track(session, res);
    await session.transport.handleRequest(req, res, body);
    if (!session.transport.initialized) await server.close();
  };

  const handleMcp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sessionId = header(req, 'mcp-session-id');
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (session === undefined) {
        sendRpcError(res, 404, JSONRPC_SESSION_NOT_FOUND, SESSION_NOT_FOUND_MESSAGE);
        return;
      }
      track(session, res);
      await session.transport.handleRequest(req, res);
      return;
    }
    if (req.method !== 'POST') {
      if (req.method === 'GET' || req.method === 'DELETE') {
        sendRpcError(res, 400, JSONRPC_SERVER_ERROR, 'Bad Request: no Mcp-Session-Id header; start a session with an initialize POST first');
      } else {
        sendMethodNotAllowed(res, req.method);
      }
      return;
    }
    const read = await readJsonBody(req, MAX_BODY_BYTES);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too-large') {
      sendRpcError(res, 413, JSONRPC_SERVER_ERROR, `Payload Too Large: a request body is at most ${MAX_BODY_BYTES} bytes`);
      return;
    }
    if (read.kind === 'not-json') {
      sendRpcError(res, 400, JSONRPC_PARSE_ERROR, 'Parse error: the request body is not valid JSON');
      return;
    }
    const body = read.value;
    if (!isInitializeRequest(body)) {
      sendRpcError(res, 400, JSONRPC_SERVER_ERROR, 'Bad Request: no Mcp-Session-Id header; start a session with an initialize request first');
      return;
    }
    await startSession(req, res, body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const problem = refusal(req);
    if (problem !== null) {
      logger.warn('mcp request refused', { host: header(req, 'host'), origin: header(req, 'origin') });
      sendRpcError(res, 403, JSONRPC_SERVER_ERROR, problem);
      return;
    }
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, { status: 'ok', name: 'remote-agent', version: PRODUCT_VERSION, sessions: sessions.size });
      return;
    }
    if (pathname !== options.path) {
      sendRpcError(res, 404, JSONRPC_SERVER_ERROR, `Not Found: the MCP endpoint is ${options.path}`);
      return;
    }
    await handleMcp(req, res);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.warn('mcp http request failed', { error: err });
      sendRpcError(res, 500, JSONRPC_SERVER_ERROR, 'Internal error: see the daemon log');
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const what =
        err.code === 'EADDRINUSE'
          ? `port ${options.port} on ${options.host} is already in use: stop the other process or set DAEMON_MCP_PORT`
          : `cannot listen on ${options.host}:${options.port} (${err.code ?? err.message}): check DAEMON_MCP_HOST and DAEMON_MCP_PORT`;
      reject(new RemoteAgentError(ErrorCode.InvalidConfig, what));
    };
    http.once('error', onError);
    http.listen(options.port, options.host, () => {
      http.off('error', onError);
      resolve();
    });
  });
  http.on('error', (err) => logger.warn('mcp http server error', { error: err }));

  const port = (http.address() as AddressInfo).port;
  const url = `http://${urlHost(options.host)}:${port}${options.path}`;
  logger.info('mcp streamable http listening', { url });

  const sweep: TimerHandle = clock.setInterval(
    () => {
      const now = clock.now();
      for (const session of [...sessions.values()]) {
        if (session.open === 0 && now - session.lastActivity >= idleMs) void closeSession(session, 'idle');
      }
    },
    Math.max(1, Math.min(idleMs, 60_000)),
  );

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    sessionCount: () => sessions.size,
    close() {
      closing ??= (async () => {
        sweep.cancel();
        await Promise.all([...sessions.values()].map((s) => closeSession(s, 'server closing')));
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
