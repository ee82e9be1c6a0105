import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { memoryLogger } from '@remote-agent/transport';
import { FakeCore } from './fake-core.js';
import { startMcpHttpServer, type McpHttpOptions, type McpHttpServer } from './http.js';
import { createMcpServer } from './server.js';
import { errorText, structured, TEST_MAX_WAIT_MS, TEST_PROGRESS_INTERVAL_MS } from './test-client.js';

const IDLE_MS = 60_000;

interface Harness {
  core: FakeCore;
  http: McpHttpServer;
  logs: string[];
  connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }>;
  close(): Promise<void>;
}

/** Started per test and closed after it, whether it passed or not (an open server would hold the runner). */
async function start(
  t: TestContext,
  allowedHosts = ['localhost', '127.0.0.1', '[::1]'],
  extra: Partial<McpHttpOptions> = {},
): Promise<Harness> {
  const core = new FakeCore();
  core.addExecutor('a');
  const logger = memoryLogger('info');
  const http = await startMcpHttpServer({
    host: '127.0.0.1',
    port: 0,
    path: '/mcp',
    allowedHosts,
    logger,
    clock: core.clock,
    sessionIdleMs: IDLE_MS,
    createServer: () =>
      createMcpServer({
        core,
        naming: 'underscore',
        logger,
        clock: core.clock,
        runMaxWaitMs: TEST_MAX_WAIT_MS,
        progressIntervalMs: TEST_PROGRESS_INTERVAL_MS,
      }),
    ...extra,
  });
  const clients: Client[] = [];
  let closing: Promise<void> | null = null;
  const harness: Harness = {
    core,
    http,
    logs: logger.lines,
    async connect() {
      const transport = new StreamableHTTPClientTransport(new URL(http.url));
      const client = new Client({ name: 'http-test', version: '1.0.0' });
      await client.connect(transport);
      clients.push(client);
      return { client, transport };
    },
    close() {
      closing ??= (async () => {
        await Promise.all(clients.map((c) => c.close()));
        await http.close();
      })();
      return closing;
    },
  };
  t.after(() => harness.close());
  return harness;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path ?? '/mcp',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

async function until(done: () => boolean, step: () => void): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) {
    step();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(done(), 'condition never became true');
}

test('serves MCP over streamable HTTP: tools, a call by the other name, the listening log line', async (t) => {
  const h = await start(t);
  assert.match(h.http.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  assert.ok(h.logs.some((l) => l.includes(`mcp streamable http listening url=${h.http.url}`)));
  const { client } = await h.connect();
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === 'remote_run'));
  h.core.respond = () => ({ stdout: 'hello\n' });
  const out = structured<{ stdout: string; ok: boolean }>(
    (await client.callTool({ name: 'remote.run', arguments: { executorId: 'a', command: 'echo hello' } })) as CallToolResult,
  );
  assert.equal(out.stdout, 'hello\n');
  assert.equal(out.ok, true);
  assert.equal(h.http.sessionCount(), 1);
  await h.close();
});

test('over HTTP a waited run streams progress, and past the max wait returns running', { timeout: 20_000 }, async (t) => {
  const h = await start(t);
  const { client } = await h.connect();
  await client.listTools();
  let arrived: (message: string) => void = () => undefined;
  const progress = new Promise<string>((resolve) => (arrived = resolve));
  const pending = client.callTool({ name: 'remote_run', arguments: { executorId: 'a', command: 'build' } }, undefined, {
    onprogress: (p) => arrived(String(p.message)),
  });
  const wait = await h.core.nextWait();
  h.core.output(wait.requestId, 'stdout', 'compiling\n');
  assert.equal(await progress, 'compiling\n');
  h.core.clock.advance(TEST_MAX_WAIT_MS);
  const out = structured<{ status: string; requestId: string; stdout: string }>((await pending) as CallToolResult);
  assert.equal(out.status, 'running');
  assert.equal(out.requestId, wait.requestId);
  assert.equal(out.stdout, 'compiling\n');
  await h.close();
});

test('a call is answered as plain JSON, or as an event stream when it asks for progress', async (t) => {
  const h = await start(t);
  const port = h.http.port;
  const init = await raw(port, { body: INITIALIZE });
  assert.match(String(init.headers['content-type']), /^application\/json/);
  const headers = { 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-06-18' };
  const initialized = await raw(port, { headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  assert.equal(initialized.status, 202);
  assert.equal(initialized.body, '');
  const call = (id: number, meta: object) =>
    raw(port, {
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'executors_list', arguments: {}, ...meta } }),
    });
  const plain = await call(2, {});
  assert.equal(plain.status, 200);
  assert.match(String(plain.headers['content-type']), /^application\/json/);
  const answer = JSON.parse(plain.body) as { id: number; result: { structuredContent: { executors: unknown[] } } };
  assert.equal(answer.id, 2);
  assert.equal(answer.result.structuredContent.executors.length, 1);
  const streamed = await call(3, { _meta: { progressToken: 'p' } });
  assert.equal(streamed.headers['content-type'], 'text/event-stream');
  const event = /^event: message\ndata: (.+)\n\n$/.exec(streamed.body);
  assert.ok(event !== null, streamed.body);
  assert.equal((JSON.parse(event[1]!) as { id: number }).id, 3);
  const put = await raw(port, { method: 'PUT', body: INITIALIZE });
  assert.equal(put.status, 405);
  assert.equal(put.headers.allow, 'GET, POST, DELETE');
  await h.close();
});

test('a foreign Host or Origin gets 403 with a JSON-RPC error saying what to set', async (t) => {
  const h = await start(t);
  const host = await raw(h.http.port, { headers: { host: 'evil.example:8765' }, body: INITIALIZE });
  assert.equal(host.status, 403);
  const hostBody = JSON.parse(host.body) as { jsonrpc: string; error: { message: string } };
  assert.equal(hostBody.jsonrpc, '2.0');
  assert.match(hostBody.error.message, /Host header "evil\.example:8765" is not allowed.*DAEMON_MCP_ALLOWED_HOSTS/);
  const origin = await raw(h.http.port, { headers: { origin: 'https://evil.example' }, body: INITIALIZE });
  assert.equal(origin.status, 403);
  assert.match(origin.body, /Origin \\"https:\/\/evil\.example\\" is not allowed/);
  const healthz = await raw(h.http.port, { method: 'GET', path: '/healthz', headers: { host: 'evil.example' } });
  assert.equal(healthz.status, 403);
  assert.equal(h.http.sessionCount(), 0);
  assert.ok(h.logs.some((l) => l.includes('mcp request refused')));
  await h.close();
});

test('allowed hosts and origins pass, with any port or the listed one', async (t) => {
  const h = await start(t, ['localhost', 'devbox:8765']);
  const port = h.http.port;
  const ok = await raw(port, { headers: { host: `localhost:${port}`, origin: 'http://localhost:6274' }, body: INITIALIZE });
  assert.equal(ok.status, 200);
  assert.equal(typeof ok.headers['mcp-session-id'], 'string');
  assert.match(ok.body, /"serverInfo"/);
  assert.equal((await raw(port, { headers: { host: 'devbox:8765' }, body: INITIALIZE })).status, 200);
  assert.equal((await raw(port, { headers: { host: 'devbox:9000' }, body: INITIALIZE })).status, 403);
  assert.equal((await raw(port, { headers: { host: `127.0.0.1:${port}` }, body: INITIALIZE })).status, 403);
  await h.close();
});

test('healthz answers, other paths are 404, requests without a known session are refused', async (t) => {
  const h = await start(t);
  const port = h.http.port;
  const health = await raw(port, { method: 'GET', path: '/healthz' });
  assert.equal(health.status, 200);
  assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');
  assert.equal((await raw(port, { path: '/other', body: INITIALIZE })).status, 404);
  assert.equal((await raw(port, { path: '/mcp/extra', body: INITIALIZE })).status, 404);
  const noSession = await raw(port, { body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
  assert.equal(noSession.status, 400);
  assert.match(noSession.body, /initialize/);
  assert.equal((await raw(port, { method: 'GET' })).status, 400);
  const unknown = await raw(port, {
    headers: { 'mcp-session-id': 'no-such-session' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  });
  assert.equal(unknown.status, 404);
  const garbage = await raw(port, { body: '{not json' });
  assert.equal(garbage.status, 400);
  assert.match(garbage.body, /Parse error/);
  await h.close();
});

test('DELETE ends a session; the session id then gets 404', async (t) => {
  const h = await start(t);
  const { transport } = await h.connect();
  const sessionId = transport.sessionId;
  assert.equal(typeof sessionId, 'string');
  assert.equal(h.http.sessionCount(), 1);
  await transport.terminateSession();
  assert.equal(h.http.sessionCount(), 0);
  const after = await raw(h.http.port, {
    headers: { 'mcp-session-id': sessionId!, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  });
  assert.equal(after.status, 404);
  await h.close();
});

test('idle sessions expire; a session with an open request does not', { timeout: 20_000 }, async (t) => {
  const h = await start(t);
  const port = h.http.port;
  const init = await raw(port, { body: INITIALIZE });
  const sessionId = String(init.headers['mcp-session-id']);
  const { client } = await h.connect();
  const pending = client.callTool({ name: 'remote_run', arguments: { executorId: 'a', command: 'sleep 100' } });
  const wait = await h.core.nextWait();
  assert.equal(h.http.sessionCount(), 2);
  await until(
    () => h.http.sessionCount() === 1,
    () => h.core.clock.advance(IDLE_MS),
  );
  const after = await raw(port, {
    headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  });
  assert.equal(after.status, 404);
  h.core.complete(wait.requestId);
  const done = (await pending) as CallToolResult;
  assert.equal(done.isError, undefined, errorText(done));
  await h.close();
});

test('past the session limit the least recently used idle session is closed', async (t) => {
  const h = await start(t, undefined, { maxSessions: 2 });
  const port = h.http.port;
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    ids.push(String((await raw(port, { body: INITIALIZE })).headers['mcp-session-id']));
    h.core.clock.advance(1);
  }
  await until(
    () => h.http.sessionCount() === 2,
    () => undefined,
  );
  const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  const headers = (id: string) => ({ 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' });
  assert.equal((await raw(port, { headers: headers(ids[0]!), body: list })).status, 404);
  assert.equal((await raw(port, { headers: headers(ids[2]!), body: list })).status, 200);
  await h.close();
});

test('close ends open sessions and stops listening', async (t) => {
  const h = await start(t);
  await h.connect();
  assert.equal(h.http.sessionCount(), 1);
  await h.http.close();
  assert.equal(h.http.sessionCount(), 0);
  await assert.rejects(raw(h.http.port, { method: 'GET', path: '/healthz' }));
  await h.close();
});

test('a port in use is a clear error', async (t) => {
  const h = await start(t);
  await assert.rejects(
    startMcpHttpServer({
      host: '127.0.0.1',
      port: h.http.port,
      path: '/mcp',
      allowedHosts: ['localhost'],
      logger: memoryLogger(),
      createServer: () => {
        throw new Error('not reached');
      },
    }),
    /already in use.*DAEMON_MCP_PORT/,
  );
  await h.close();
});
