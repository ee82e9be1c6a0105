import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isInitializeRequest,
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type MessageExtraInfo,
  type RequestId,
  type RequestInfo,
} from '@modelcontextprotocol/sdk/types.js';
import type { Clock, Logger } from '@remote-agent/transport';
import { readJsonBody } from './http-transport-body.js';
import { SseStream } from './http-transport-sse.js';
import {
  header,
  JSONRPC_INVALID_REQUEST,
  JSONRPC_PARSE_ERROR,
  JSONRPC_SERVER_ERROR,
  JSONRPC_SESSION_NOT_FOUND,
  sendJson,
  sendMethodNotAllowed,
  sendRpcError,
  SESSION_NOT_FOUND_MESSAGE,
} from './http-transport-wire.js';

/** The SDK's interval between comment lines on a quiet event stream. */
export const DEFAULT_SSE_KEEP_ALIVE_MS = 15_000;
/** The SDK's bound on the messages of one batch. */
export const MAX_BATCH_MESSAGES = 100;

export interface HttpTransportOptions {
  sessionId: string;
  logger: Logger;
  clock: Clock;
  /** A POST body past this many bytes is refused with 413. */
  maxBodyBytes: number;
  /** 0 sends no keep-alive comments. */
  sseKeepAliveMs?: number;
  /** Called once, when this session's initialize request is accepted and before it is handled. */
  onInitialized?: () => void;
}

/** A POST that carried requests: its HTTP response is owed until every one of them is answered. */
interface PendingPost {
  readonly res: ServerResponse;
  /** In the order the client sent them, so that a batch is answered in that order. */
  readonly ids: readonly RequestId[];
  readonly batch: boolean;
  readonly answers: Map<RequestId, JSONRPCMessage>;
  /** Null when the answer goes out as plain JSON once complete. */
  readonly stream: SseStream | null;
}

type Parsed = { ok: true; messages: JSONRPCMessage[]; batch: boolean } | { ok: false; code: number; message: string };

const SESSION_CLOSED =
  'Session closed before this request was answered (the daemon is stopping or the session was ended): ' +
  'start a new session with initialize and retry.';

function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message;
}

function isResponse(message: JSONRPCMessage): message is JSONRPCResponse {
  return !('method' in message);
}

function wantsProgress(request: JSONRPCRequest): boolean {
  return request.params?._meta?.progressToken !== undefined;
}

function parseMessages(raw: unknown): Parsed {
  const batch = Array.isArray(raw);
  const items: unknown[] = batch ? raw : [raw];
  if (batch && items.length === 0) {
    return { ok: false, code: JSONRPC_INVALID_REQUEST, message: 'Invalid Request: the batch is empty; send at least one message' };
  }
  if (items.length > MAX_BATCH_MESSAGES) {
    return {
      ok: false,
      code: JSONRPC_INVALID_REQUEST,
      message: `Invalid Request: a batch holds at most ${MAX_BATCH_MESSAGES} messages; split it into several POSTs`,
    };
  }
  const messages: JSONRPCMessage[] = [];
  for (const item of items) {
    const result = JSONRPCMessageSchema.safeParse(item);
    if (!result.success) {
      return {
        ok: false,
        code: JSONRPC_PARSE_ERROR,
        message: 'Parse error: the body is not a JSON-RPC 2.0 request, notification or response (nor an array of them)',
      };
    }
    messages.push(result.data);
  }
  return { ok: true, messages, batch };
}

function requestInfo(req: IncomingMessage): RequestInfo {
  let url: URL | undefined;
  try {
    url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    url = undefined;
  }
  return { headers: req.headers, url };
}

/**
 * The MCP Streamable HTTP transport (protocol revisions 2025-03-26 and 2025-06-18) for one session, directly on
 * node:http, for the SDK's low-level Server. It differs from the SDK's own transport in one choice the spec leaves
 * to the server: a POST whose requests do not ask for progress is answered with plain application/json (no event
 * stream for the client to parse), and only a POST with a progress token gets an event stream, so that progress
 * reaches the client during the call.
 *
 * Not resumable: events carry no ids and a GET with Last-Event-ID replays nothing, because a client that lost a
 * stream can ask again (remote_request_status reports a run's outcome and output).
 */
export class StreamableHttpTransport implements Transport {
  onclose?: () => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  readonly sessionId: string;

  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly maxBodyBytes: number;
  private readonly keepAliveMs: number;
  private readonly onInitialized: () => void;
  private readonly pending = new Map<RequestId, PendingPost>();
  /** The client's GET stream, where server messages not tied to an open request go. */
  private standalone: SseStream | null = null;
  private started = false;
  private isInitialized = false;
  private closed = false;

  constructor(options: HttpTransportOptions) {
    this.sessionId = options.sessionId;
    this.logger = options.logger;
    this.clock = options.clock;
    this.maxBodyBytes = options.maxBodyBytes;
    this.keepAliveMs = options.sseKeepAliveMs ?? DEFAULT_SSE_KEEP_ALIVE_MS;
    this.onInitialized = options.onInitialized ?? (() => undefined);
  }

  get initialized(): boolean {
    return this.isInitialized;
  }

  /** Requests received and not yet answered (their HTTP responses are open). */
  get pendingRequests(): number {
    return this.pending.size;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('StreamableHttpTransport already started: use one transport per MCP server');
    this.started = true;
  }

  /** Serves one HTTP request of this session; parsedBody is the POST body when the caller has already read it. */
  async handleRequest(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void> {
    if (this.closed) {
      sendRpcError(res, 404, JSONRPC_SESSION_NOT_FOUND, SESSION_NOT_FOUND_MESSAGE);
      return;
    }
    switch (req.method) {
      case 'POST':
        await this.handlePost(req, res, parsedBody);
        return;
      case 'GET':
        this.handleGet(req, res);
        return;
      case 'DELETE':
        await this.handleDelete(req, res);
        return;
      default:
        sendMethodNotAllowed(res, req.method);
    }
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closed) return;
    const response = isResponse(message);
    const id = response ? message.id : options?.relatedRequestId;
    if (id === undefined && !response) {
      this.toStandalone(message);
      return;
    }
    const post = id === undefined ? undefined : this.pending.get(id);
    if (id === undefined || post === undefined) {
      this.logger.debug('mcp message dropped: the request it belongs to is no longer open', { session: this.sessionId, id });
      return;
    }
    if (!response) {
      if (post.stream !== null) post.stream.send(message);
      else this.toStandalone(message);
      return;
    }
    this.pending.delete(id);
    post.answers.set(id, message);
    post.stream?.send(message);
    if (post.answers.size === post.ids.length) this.finish(post);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const posts = new Set(this.pending.values());
    this.pending.clear();
    for (const post of posts) {
      for (const id of post.ids) {
        if (post.answers.has(id)) continue;
        const error: JSONRPCMessage = { jsonrpc: '2.0', id, error: { code: JSONRPC_SERVER_ERROR, message: SESSION_CLOSED } };
        post.answers.set(id, error);
        post.stream?.send(error);
      }
      this.finish(post);
    }
    this.standalone?.end();
    this.standalone = null;
    this.onclose?.();
  }

  private async handlePost(req: IncomingMessage, res: ServerResponse, parsedBody: unknown): Promise<void> {
    const accept = header(req, 'accept') ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      sendRpcError(
        res,
        406,
        JSONRPC_SERVER_ERROR,
        'Not Acceptable: an MCP POST must accept both JSON and event streams; send Accept: application/json, text/event-stream',
      );
      return;
    }
    if (!isJsonContentType(header(req, 'content-type'))) {
      sendRpcError(res, 415, JSONRPC_SERVER_ERROR, 'Unsupported Media Type: send the JSON-RPC message with Content-Type: application/json');
      return;
    }
    let raw = parsedBody;
    if (raw === undefined) {
      const body = await readJsonBody(req, this.maxBodyBytes);
      if (body.kind === 'aborted') return;
      if (body.kind === 'too-large') {
        sendRpcError(res, 413, JSONRPC_SERVER_ERROR, `Payload Too Large: a request body is at most ${this.maxBodyBytes} bytes`);
        return;
      }
      if (body.kind === 'not-json') {
        sendRpcError(res, 400, JSONRPC_PARSE_ERROR, 'Parse error: the request body is not valid JSON');
        return;
      }
      raw = body.value;
    }
    const parsed = parseMessages(raw);
    if (!parsed.ok) {
      sendRpcError(res, 400, parsed.code, parsed.message);
      return;
    }
    // The body may have arrived after the session ended.
    if (this.closed) {
      sendRpcError(res, 404, JSONRPC_SESSION_NOT_FOUND, SESSION_NOT_FOUND_MESSAGE);
      return;
    }
    const { messages, batch } = parsed;
    if (messages.some((m) => 'method' in m && m.method === 'initialize' && isInitializeRequest(m))) {
      if (this.isInitialized) {
        sendRpcError(
          res,
          400,
          JSONRPC_INVALID_REQUEST,
          'Invalid Request: this session is already initialized; to start another, send initialize without an Mcp-Session-Id header',
        );
        return;
      }
      if (messages.length > 1) {
        sendRpcError(res, 400, JSONRPC_INVALID_REQUEST, 'Invalid Request: send initialize on its own, not in a batch');
        return;
      }
      this.isInitialized = true;
      this.onInitialized();
    } else if (!this.acceptsSession(req, res)) {
      return;
    }

    const extra: MessageExtraInfo = { requestInfo: requestInfo(req) };
    const requests = messages.filter(isRequest);
    if (requests.length === 0) {
      for (const message of messages) this.onmessage?.(message, extra);
      res.writeHead(202).end();
      return;
    }
    const headers = { 'mcp-session-id': this.sessionId };
    const post: PendingPost = {
      res,
      ids: [...new Set(requests.map((r) => r.id))],
      batch,
      answers: new Map(),
      stream: requests.some(wantsProgress) ? new SseStream(res, headers, this.clock, this.keepAliveMs) : null,
    };
    for (const id of post.ids) this.pending.set(id, post);
    res.once('close', () => this.abandon(post));
    for (const message of messages) this.onmessage?.(message, extra);
  }

  private handleGet(req: IncomingMessage, res: ServerResponse): void {
    if (!(header(req, 'accept') ?? '').includes('text/event-stream')) {
      sendRpcError(res, 406, JSONRPC_SERVER_ERROR, "Not Acceptable: the server's event stream needs Accept: text/event-stream");
      return;
    }
    if (!this.acceptsSession(req, res)) return;
    if (this.standalone?.open === true) {
      sendRpcError(
        res,
        409,
        JSONRPC_SERVER_ERROR,
        'Conflict: this session already has its GET event stream open; keep using that one (one per session)',
      );
      return;
    }
    const stream = new SseStream(res, { 'mcp-session-id': this.sessionId }, this.clock, this.keepAliveMs);
    this.standalone = stream;
    res.once('close', () => {
      if (this.standalone === stream) this.standalone = null;
    });
  }

  private async handleDelete(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.acceptsSession(req, res)) return;
    res.writeHead(200).end();
    await this.close();
  }

  /** Refuses (and answers) a request that does not belong to this initialized session or names an unknown protocol. */
  private acceptsSession(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.isInitialized) {
      sendRpcError(res, 400, JSONRPC_SERVER_ERROR, 'Bad Request: the session is not initialized; send initialize first');
      return false;
    }
    const sessionId = header(req, 'mcp-session-id');
    if (sessionId === undefined) {
      sendRpcError(
        res,
        400,
        JSONRPC_SERVER_ERROR,
        'Bad Request: no Mcp-Session-Id header; send the one the initialize response gave on every request',
      );
      return false;
    }
    if (sessionId !== this.sessionId) {
      sendRpcError(res, 404, JSONRPC_SESSION_NOT_FOUND, SESSION_NOT_FOUND_MESSAGE);
      return false;
    }
    const version = header(req, 'mcp-protocol-version');
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      sendRpcError(
        res,
        400,
        JSONRPC_SERVER_ERROR,
        `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)}; use one of ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
      );
      return false;
    }
    return true;
  }

  /** Sends what a complete POST owes: the JSON answer, or the end of its event stream. */
  private finish(post: PendingPost): void {
    if (post.stream !== null) {
      post.stream.end();
      return;
    }
    if (post.res.destroyed || post.res.writableEnded) return;
    const answers = post.ids.map((id) => post.answers.get(id));
    sendJson(post.res, 200, post.batch ? answers : answers[0], { 'mcp-session-id': this.sessionId });
  }

  /** The POST's HTTP response closed: answers still to come have nowhere to go, so they are dropped when sent. */
  private abandon(post: PendingPost): void {
    let unanswered = 0;
    for (const id of post.ids) {
      if (this.pending.get(id) !== post) continue;
      this.pending.delete(id);
      unanswered += 1;
    }
    if (unanswered > 0) {
      this.logger.debug('mcp client closed a request before its answer', { session: this.sessionId, unanswered });
    }
  }

  private toStandalone(message: JSONRPCMessage): void {
    if (this.standalone?.send(message) === true) return;
    this.logger.debug('mcp message dropped: the session has no open GET event stream', {
      session: this.sessionId,
      method: 'method' in message ? message.method : undefined,
    });
  }
}
