import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PRODUCT_VERSION } from '@remote-agent/contracts';
import { InMemoryHub, systemClock } from '@remote-agent/transport';
import { FakeExecutor } from '../testing/fake-executor.js';
import { runMcpDaemon, type McpCliIo, type McpMode } from './cli.js';
import { structured } from './test-client.js';

const ACCESS_KEY = 'k'.repeat(43) + '=';

class Lines {
  readonly lines: string[] = [];
  private rest = '';
  private waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];

  write = (text: string): boolean => {
    this.rest += text;
    const parts = this.rest.split('\n');
    this.rest = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => {
        const m = line.match(w.re);
        if (m) w.resolve(m);
        return !m;
      });
    }
    return true;
  };

  text(): string {
    return this.lines.join('\n') + this.rest;
  }

  waitFor(re: RegExp): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const m = line.match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve) => this.waiters.push({ re, resolve }));
  }
}

interface Run {
  exit: Promise<number>;
  stdout: Lines;
  stderr: Lines;
  stop(): void;
  hub: InMemoryHub;
}

async function run(argv: string[], mode: McpMode, env: NodeJS.ProcessEnv, extra: Partial<McpCliIo> = {}): Promise<Run> {
  const stdout = new Lines();
  const stderr = new Lines();
  const hub = new InMemoryHub();
  let stop: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => (stop = resolve));
  const exit = runMcpDaemon(
    {
      argv,
      env,
      stdout: { write: stdout.write, isTTY: true },
      stderr: { write: stderr.write },
      stopSignal,
      connect: (_access, userId) => hub.connect(userId),
      ...extra,
    },
    mode,
  );
  return { exit, stdout, stderr, hub, stop: () => stop('SIGTERM') };
}

async function withStateDir(fn: (env: NodeJS.ProcessEnv) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ra-mcp-cli-'));
  try {
    await fn({
      WEB_PUBSUB_CONNECTION_STRING: `Endpoint=http://relay.invalid;Port=8766;AccessKey=${ACCESS_KEY};Version=1.0;`,
      DAEMON_STATE_DIR: dir,
      DAEMON_ID: 'mcp-test',
      DAEMON_MCP_PORT: '0',
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('--help, --version and an unknown option', async () => {
  const help = await run(['--help'], 'http', {});
  assert.equal(await help.exit, 0);
  assert.match(help.stdout.text(), /ra-mcp .*streamable HTTP[\s\S]*--print-executor-command[\s\S]*DAEMON_MCP_ALLOWED_HOSTS/);
  const stdioHelp = await run(['--help'], 'stdio', {});
  assert.equal(await stdioHelp.exit, 0);
  assert.match(stdioHelp.stdout.text(), /over stdio/);
  const version = await run(['--version'], 'http', {});
  assert.equal(await version.exit, 0);
  assert.equal(version.stdout.text().trim(), PRODUCT_VERSION);
  const bad = await run(['--bogus'], 'http', {});
  assert.equal(await bad.exit, 2);
  assert.match(bad.stderr.text(), /unknown option --bogus/);
});

test('a bad setting exits 2 naming the variable', async () => {
  const bad = await run([], 'http', { DAEMON_MCP_PORT: 'eighty', DAEMON_STATE_DIR: join(tmpdir(), 'unused') });
  assert.equal(await bad.exit, 2);
  assert.match(bad.stderr.text(), /DAEMON_MCP_PORT must be a whole number/);
});

test('--print-executor-command prints the relay settings to stdout only', async () => {
  await withStateDir(async (env) => {
    const printed = await run(['--print-executor-command'], 'http', env);
    assert.equal(await printed.exit, 0);
    assert.match(printed.stdout.text(), /WEB_PUBSUB_CONNECTION_STRING=.*ra-exec/);
    assert.equal(printed.stderr.text(), '');
  });
});

test('ra-mcp serves HTTP over the core until stopped, and never logs the access key', { timeout: 20_000 }, async (t) => {
  await withStateDir(async (env) => {
    const daemon = await run([], 'http', env);
    t.after(() => daemon.stop());
    const [, url] = await daemon.stderr.waitFor(/ mcp streamable http listening url=(\S+)/);
    const executor = new FakeExecutor(daemon.hub, 'box-1', systemClock, { tags: { role: 'ci' } });
    await executor.start();
    const client = new Client({ name: 'cli-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url!)));
    let total = 0;
    for (let i = 0; i < 50 && total === 0; i++) {
      total = structured<{ total: number }>(await client.callTool({ name: 'executors_find', arguments: { tags: { role: 'ci' } } }) as never).total;
    }
    assert.equal(total, 1);
    await client.close();
    daemon.stop();
    assert.equal(await daemon.exit, 0);
    assert.ok(!daemon.stderr.text().includes(ACCESS_KEY));
    assert.equal(daemon.stdout.text(), '', 'no banner without the embedded relay');
  });
});

test('the stdio server speaks only MCP on stdout and ends when stdin closes', { timeout: 20_000 }, async (t) => {
  await withStateDir(async (env) => {
    const mcpStdin = new PassThrough();
    const mcpStdout = new PassThrough();
    const out = new Lines();
    mcpStdout.on('data', (chunk: Buffer) => out.write(chunk.toString('utf8')));
    const daemon = await run([], 'stdio', env, { mcpStdin, mcpStdout });
    t.after(() => daemon.stop());
    await daemon.stderr.waitFor(/mcp stdio ready/);
    mcpStdin.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }) + '\n',
    );
    const init = (await out.waitFor(/"id":1\b/)).input;
    assert.equal((JSON.parse(init!) as { result: { serverInfo: { name: string } } }).result.serverInfo.name, 'remote-agent');
    mcpStdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
    mcpStdin.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) + '\n');
    const list = (await out.waitFor(/"id":2\b/)).input;
    const names = (JSON.parse(list!) as { result: { tools: Array<{ name: string }> } }).result.tools.map((t) => t.name);
    assert.ok(names.includes('remote_run') && names.includes('executors_list'), names.join(','));
    mcpStdin.end();
    assert.equal(await daemon.exit, 0);
    // Log lines are written once the turn that logged them is done (a real process writes them at exit).
    await new Promise((resolve) => setImmediate(resolve));
    for (const line of out.lines) assert.equal((JSON.parse(line) as { jsonrpc: string }).jsonrpc, '2.0');
    assert.equal(daemon.stdout.text(), '');
    assert.match(daemon.stderr.text(), /stopping reason="stdin closed"/);
  });
});
