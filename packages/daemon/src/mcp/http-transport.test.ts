import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ManualClock, memoryLogger } from '@remote-agent/transport';
import { StreamableHttpTransport, type HttpTransportOptions } from './http-transport.js';

const SESSION = 'session-1';
const KEEP_ALIVE_MS = 1_000;
/** A broken transport leaves a test waiting for a reply: fail it instead of hanging the run. */
const TEST_TIMEOUT_MS = 10_000;

/** What the client reads: grows as data arrives, so a test can wait for an event while the response is open. */
interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  text(): string;
  waitFor(fragment: string): Promise<void>;
  ended: Promise<string>;
  request: ClientRequest;
}

interface Harness {
  transport: StreamableHttpTransport;
  clock: ManualClock;
  logs: string[];
  /** Every message the transport handed to the protocol, in order. */
  received: JSONRPCMessage[];
  nextMessage(): Promise<JSONRPCMessage>;
  /** The server side of the latest HTTP request. */
  lastResponse(): ServerResponse;
  /** The client side of the latest HTTP request, there before its reply is. */
  lastRequest(): ClientRequest;
  closed(): boolean;
  send(options: { method?: string; headers?: Record<string, string>; body?: unknown; raw?: string }): Promise<Reply>;
  /** A request of this session, with the headers an initialized client sends. */
  call(body: unknown, headers?: Record<string, string>): Promise<Reply>;
}

async function start(t: TestContext, options: Partial<HttpTransportOptions> = {}): Promise<Harness> {
  const clock = new ManualClock();
  const logger = memoryLogger('debug');
  const transport = new StreamableHttpTransport({
    sessionId: SESSION,
    logger,
    clock,
    maxBodyBytes: 64 * 1024,
    sseKeepAliveMs: KEEP_ALIVE_MS,
    ...options,
  });
  const received: JSONRPCMessage[] = [];
  const waiting: Array<(m: JSONRPCMessage) => void> = [];
  let closed = false;
  transport.onmessage = (message) => {
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(message);
    else received.push(message);
  };
  transport.onclose = () => (closed = true);
  await transport.start();

  let last: ServerResponse | null = null;
  const server = createServer((req, res) => {
    last = res;
    transport.handleRequest(req, res).catch((err: unknown) => assert.fail(String(err)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  t.after(async () => {
    await transport.close();
    server.closeAllConnections();
    server.close();
  });

  let lastRequest: ClientRequest | null = null;
  const send: Harness['send'] = ({ method = 'POST', headers = {}, body, raw }) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path: '/mcp',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        },
        (res) => {
          let text = '';
          const watchers: Array<{ fragment: string; done: () => void }> = [];
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            for (const w of [...watchers]) {
              if (text.includes(w.fragment)) {
                watchers.splice(watchers.indexOf(w), 1);
                w.done();
              }
            }
          });
          const ended = new Promise<string>((done, fail) => {
            res.on('end', () => done(text));
            res.on('error', fail);
          });
          ended.catch(() => undefined);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: () => text,
            waitFor: (fragment) =>
              text.includes(fragment) ? Promise.resolve() : new Promise((done) => watchers.push({ fragment, done })),
            ended,
            request: req,
          });
        },
      );
      lastRequest = req;
      req.on('error', reject);
      req.end(raw ?? (body === undefined ? undefined : JSON.stringify(body)));
    });

  return {
    transport,
    clock,
    logs: logger.lines,
    received,
    nextMessage: () => {
      const first = received.shift();
      return first !== undefined ? Promise.resolve(first) : new Promise((resolve) => waiting.push(resolve));
    },
    lastResponse: () => {
      assert.ok(last !== null);
      return last;
    },
    lastRequest: () => {
      assert.ok(lastRequest !== null);
      return lastRequest;
    },
    closed: () => closed,
    send,
    call: (body, headers = {}) =>
      send({ body, headers: { 'mcp-session-id': SESSION, 'mcp-protocol-version': '2025-06-18', ...headers } }),
  };
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
};

function result(id: number | string, value: Record<string, unknown> = {}): JSONRPCMessage {
  return { jsonrpc: '2.0', id, result: value };
}

async function errorMessage(reply: Reply): Promise<string> {
  const body = JSON.parse(await reply.ended) as { jsonrpc: string; id: null; error: { code: number; message: string } };
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.id, null);
  return `${body.error.code} ${body.error.message}`;
}

function events(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: message\n'))
    .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 'data: '.length)) as unknown);
}

/** Initializes the session the way a client does: initialize, answered as JSON, then the initialized notification. */
async function initialize(h: Harness): Promise<void> {
  const pending = h.send({ body: INITIALIZE });
  assert.equal(((await h.nextMessage()) as { method: string }).method, 'initialize');
  await h.transport.send(result(0, { protocolVersion: '2025-06-18' }));
  const reply = await pending;
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['mcp-session-id'], SESSION);
  assert.equal(h.transport.initialized, true);
  const initialized = await h.call({ jsonrpc: '2.0', method: 'notifications/initialized' });
  assert.equal(initialized.status, 202);
  await h.nextMessage();
}

test('a request without a progress token is answered with plain JSON', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const h = await start(t);
  await initialize(h);
  const pending = h.call({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const request = await h.nextMessage();
  assert.deepEqual(request, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  assert.equal(h.transport.pendingRequests, 1);
  await h.transport.send(result(1, { tools: [] }));
  const reply = await pending;
  assert.equal(reply.status, 200);
  assert.match(String(reply.headers['content-type']), /^application\/json/);
  assert.equal(reply.headers['mcp-session-id'], SESSION);
  assert.deepEqual(JSON.parse(await reply.ended), { jsonrpc: '2.0', id: 1, result: { tools: [] } });
  assert.equal(h.transport.pendingRequests, 0);
});

test('a request with a progress token gets an event stream that carries progress before the answer', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const h = await start(t);
  await initialize(h);
  const reply = await (async () => {
    const pending = h.call({ jsonrpc: '2.0', id: 'run', method: 'tools/call', params: { name: 'x', _meta: { progressToken: 7 } } });
    await h.nextMessage();
    // The headers go out at once, before anything is answered, so the client starts reading the stream.
    return pending;
  })();
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-type'], 'text/event-stream');
  assert.equal(reply.headers['mcp-session-id'], SESSION);
  const progress: JSONRPCMessage = {
    jsonrpc: '2.0',
    method: 'notifications/progress',
    params: { progressToken: 7, progress: 1, message: 'compiling' },
  };
  await h.transport.send(progress, { relatedRequestId: 'run' });
  await reply.waitFor('compiling');
  assert.deepEqual(events(reply.text()), [progress]);
  await h.transport.send(result('run', { done: true }));
  assert.deepEqual(events(await reply.ended), [progress, result('run', { done: true })]);
  assert.equal(h.transport.pendingRequests, 0);
});

test('notifications and responses alone are accepted with 202 and no body', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const h = await start(t);
  await initialize(h);
  const note = await h.call({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3 } });
  assert.equal(note.status, 202);
  assert.equal(await note.ended, '');
  assert.equal(((await h.nextMessage()) as { method: string }).method, 'notifications/cancelled');
  const answer = await h.call([result('server-asked'), { jsonrpc: '2.0', method: 'notifications/roots/list_changed' }]);
  assert.equal(answer.status, 202);
  assert.deepEqual(await h.nextMessage(), result('server-asked'));
  assert.equal(((await h.nextMessage()) as { method: string }).method, 'notifications/roots/list_changed');
});

test('a batch is answered as one JSON array in request order, or as one stream when a request wants progress', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const h = await start(t);
  await initialize(h);
  const pending = h.call([
    { jsonrpc: '2.0', id: 1, method: 'ping' },
    { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'c', progress: 1 } },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
  ]);
  for (let i = 0; i < 3; i++) await h.nextMessage();
  await h.transport.send(result(2, { tools: [] }));
  await h.transport.send(result(1));
  const reply = await pending;
  assert.equal(reply.status, 200);
  assert.deepEqual(JSON.parse(await reply.ended), [result(1), result(2, { tools: [] })]);

  const streamed = h.call([
    { jsonrpc: '2.0', id: 3, method: 'ping' },
    { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'x', _meta: { progressToken: 'p' } } },
  ]);
  await h.nextMessage();
  await h.nextMessage();
  const stream = await streamed;
  assert.equal(stream.headers['content-type'], 'text/event-stream');
  await h.transport.send(result(4));
  await h.transport.send(result(3));
  assert.deepEqual(events(await stream.ended), [result(4), result(3)]);
});

test('refusals: 406, 415, 400, 404, 405, 413 with JSON-RPC errors that say what to send', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const h = await start(t, { maxBodyBytes: 1024 });
  const early = await h.call({ jsonrpc: '2.0', id: 1, method: 'ping' });
  assert.equal(early.status, 400);
  assert.match(await errorMessage(early), /not initialized; send initialize first/);
  await initialize(h);
  const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };

  const accept = await h.call(ping, { accept: 'application/json' });
  assert.equal(accept.status, 406);
  assert.match(await errorMessage(accept), /^-32000 Not Acceptable: .*Accept: application\/json, text\/event-stream/);

  const type = await h.call(ping, { 'content-type': 'text/plain' });
  assert.equal(type.status, 415);
  assert.match(await errorMessage(type), /Content-Type: application\/json/);
  const charset = h.call(ping, { 'content-type': 'application/json; charset=utf-8' });
  await h.nextMessage();
  await h.transport.send(result(1));
  assert.equal((await charset).status, 200);

  const version = await h.call(ping, { 'mcp-protocol-version': '1999-01-01' });
  assert.equal(version.status, 400);
  assert.match(await errorMessage(version), /unsupported MCP-Protocol-Version "1999-01-01"; use one of .*2025-06-18/);
  const noVersion = h.send({ body: { ...ping, id: 2 }, headers: { 'mcp-session-id': SESSION } });
  await h.nextMessage();
  await h.transport.send(result(2));
  assert.equal((await noVersion).status, 200, 'an absent MCP-Protocol-Version is accepted');

  const noSession = await h.send({ body: ping, headers: { 'mcp-protocol-version': '2025-06-18' } });
  assert.equal(noSession.status, 400);
  assert.match(await errorMessage(noSession), /Mcp-Session-Id/);
  const otherSession = await h.call(ping, { 'mcp-session-id': 'someone-else' });
  assert.equal(otherSession.status, 404);
  assert.match(await errorMessage(otherSession), /^-32001 Session not found.*initialize/);

  const put = await h.send({ method: 'PUT', body: ping, headers: { 'mcp-session-id': SESSION } });
  assert.equal(put.status, 405);
  assert.equal(put.headers.allow, 'GET, POST, DELETE');
  assert.match(await errorMessage(put), /PUT is not part of MCP; use POST/);

  const large = await h.call({ ...ping, params: { pad: 'x'.repeat(2048) } });
  assert.equal(large.status, 413);
  assert.match(await errorMessage(large), /at most 1024 bytes/);
  const garbage = await h.send({ raw: '{oops', headers: { 'mcp-session-id': SESSION } });
  assert.equal(garbage.status, 400);
  assert.match(await errorMessage(garbage), /^-32700 Parse error: .*not valid JSON/);
  const notRpc = await h.call({ jsonrpc: '1.0', id: 1, method: 'ping' });
  assert.equal(notRpc.status, 400);
  assert.match(await errorMessage(notRpc), /^-32700 .*not a JSON-RPC 2.0/);
  const again = await h.call(INITIALIZE);
  assert.equal(again.status, 400);
  assert.match(await errorMessage(again), /^-32600 .*already initialized/);
  assert.equal(h.received.length, 0, 'no refused message reached the protocol');
  assert.equal(h.transport.pendingRequests, 0);
});

test('the GET stream: Accept must allow event streams, one at a time, keep-alive comments', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const h = await start(t);
  await initialize(h);
  const headers = { 'mcp-session-id': SESSION, accept: 'text/event-stream' };
  const wrong = await h.send({ method: 'GET', headers: { 'mcp-session-id': SESSION, accept: 'application/json' } });
  assert.equal(wrong.status, 406);
  const stream = await h.send({ method: 'GET', headers });
  const closedOnServer = once(h.lastResponse(), 'close');
  assert.equal(stream.status, 200);
  assert.equal(stream.headers['content-type'], 'text/event-stream');
  assert.equal(stream.headers['mcp-session-id'], SESSION);
  const second = await h.send({ method: 'GET', headers });
  assert.equal(second.status, 409);
  assert.match(await errorMessage(second), /already has its GET event stream open/);
  h.clock.advance(KEEP_ALIVE_MS);
  await stream.waitFor(': keepalive\n\n');

  stream.request.destroy();
  await closedOnServer;
  const third = await h.send({ method: 'GET', headers });
  assert.equal(third.status, 200, 'a new GET stream may open once the first has gone');
});

test('server messages of a JSON-mode request go to the GET stream, or are dropped when there is none', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const h = await start(t);
  await initialize(h);
  const progress = (n: number): JSONRPCMessage => ({
    jsonrpc: '2.0',
    method: 'notifications/progress',
    params: { progressToken: 'none', progress: n },
  });
  const pending = h.call({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'x' } });
  await h.nextMessage();
  await h.transport.send(progress(1), { relatedRequestId: 5 });
  assert.ok(h.logs.some((l) => l.includes('mcp message dropped: the session has no open GET event stream')));

  const stream = await h.send({ method: 'GET', headers: { 'mcp-session-id': SESSION, accept: 'text/event-stream' } });
  await h.transport.send(progress(2), { relatedRequestId: 5 });
  const unrelated: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/tools/list_changed' };
  await h.transport.send(unrelated);
  await stream.waitFor('list_changed');
  assert.deepEqual(events(stream.text()), [progress(2), unrelated]);

  await h.transport.send(result(5));
  const reply = await pending;
  assert.deepEqual(JSON.parse(await reply.ended), result(5));
});

test('a client that disconnects mid-call leaves nothing behind; its late answer is dropped', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const h = await start(t);
  await initialize(h);
  for (const meta of [{}, { _meta: { progressToken: 1 } }]) {
    const pending = h.call({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'x', ...meta } });
    await h.nextMessage();
    const closedOnServer = once(h.lastResponse(), 'close');
    assert.equal(h.transport.pendingRequests, 1);
    pending.catch(() => undefined);
    h.lastRequest().destroy();
    await closedOnServer;
    assert.equal(h.transport.pendingRequests, 0);
    await h.transport.send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } }, { relatedRequestId: 9 });
    await h.transport.send(result(9));
    assert.ok(h.logs.some((l) => l.includes('mcp client closed a request before its answer')));
    assert.ok(h.logs.some((l) => l.includes('mcp message dropped: the request it belongs to is no longer open')));
  }
  const next = h.call({ jsonrpc: '2.0', id: 10, method: 'ping' });
  await h.nextMessage();
  await h.transport.send(result(10));
  assert.equal((await next).status, 200, 'the session goes on');
});

test('DELETE ends the session: open requests are answered with an error, the GET stream ends, then 404', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const h = await start(t);
  await initialize(h);
  const stream = await h.send({ method: 'GET', headers: { 'mcp-session-id': SESSION, accept: 'text/event-stream' } });
  const pending = h.call({ jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'x' } });
  await h.nextMessage();
  const deleted = await h.send({ method: 'DELETE', headers: { 'mcp-session-id': SESSION } });
  assert.equal(deleted.status, 200);
  assert.equal(h.closed(), true);
  assert.equal(await stream.ended, '');
  const answer = JSON.parse(await (await pending).ended) as { id: number; error: { message: string } };
  assert.equal(answer.id, 11);
  assert.match(answer.error.message, /Session closed before this request was answered.*initialize/);
  await h.transport.send(result(11));
  const after = await h.call({ jsonrpc: '2.0', id: 12, method: 'ping' });
  assert.equal(after.status, 404);
  assert.equal(h.transport.pendingRequests, 0);
});
