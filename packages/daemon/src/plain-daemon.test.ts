import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PRODUCT_VERSION } from '@remote-agent/contracts';
import { InMemoryHub, systemClock } from '@remote-agent/transport';
import { runPlainDaemon, type CliIo } from './plain-daemon.js';
import { FakeExecutor } from './testing/fake-executor.js';

const roots: string[] = [];
after(async () => {
  for (const dir of roots) await rm(dir, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ra-plain-'));
  roots.push(dir);
  return dir;
}

interface Captured extends CliIo {
  out: string[];
  err: string[];
  stop: (signal: string) => void;
  /** Resolves once a stderr line holds `text`. */
  line: (text: string) => Promise<void>;
}

function io(argv: string[], env: NodeJS.ProcessEnv, extra: Partial<CliIo> = {}): Captured {
  const out: string[] = [];
  const err: string[] = [];
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  let stop: (signal: string) => void = () => {};
  const stopSignal = new Promise<string>((resolve) => (stop = resolve));
  return {
    argv,
    env,
    stdout: { write: (t: string) => out.push(t) },
    stderr: {
      write: (t: string) => {
        err.push(t);
        for (const w of waiters.filter((w) => t.includes(w.text))) w.resolve();
      },
    },
    stopSignal,
    out,
    err,
    stop: (s) => stop(s),
    line: (text) =>
      err.some((l) => l.includes(text)) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ text, resolve })),
    ...extra,
  };
}

/** Log lines are written once the turn that logged them is done; a real process writes the last ones at exit. */
function linesWritten(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Base settings: embedded relay on a free loopback port, quick discovery. */
async function baseEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return {
    DAEMON_STATE_DIR: await stateDir(),
    DAEMON_RELAY_PORT: '0',
    DAEMON_REGISTRY_REFRESH_INTERVAL_MS: '60000',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

describe('ra-daemon command line', () => {
  it('prints help and version', async () => {
    const help = io(['--help'], {});
    assert.equal(await runPlainDaemon(help), 0);
    assert.match(help.out.join(''), /Usage: ra-daemon/);
    const version = io(['--version'], {});
    assert.equal(await runPlainDaemon(version), 0);
    assert.equal(version.out.join(''), `${PRODUCT_VERSION}\n`);
  });

  it('refuses an unknown option with status 2', async () => {
    const c = io(['--bogus'], {});
    assert.equal(await runPlainDaemon(c), 2);
    assert.match(c.err.join(''), /unknown option --bogus/);
  });

  it('names a bad setting in one line and exits 2', async () => {
    const c = io([], { DAEMON_MCP_PORT: 'abc' });
    assert.equal(await runPlainDaemon(c), 2);
    const text = c.err.join('');
    assert.match(text, /^ra-daemon: invalid configuration: DAEMON_MCP_PORT /);
    assert.equal(text.trim().split('\n').length, 1);
  });

  it('prints the executor command for the embedded relay', async () => {
    const c = io(['--print-executor-command'], { DAEMON_STATE_DIR: await stateDir() });
    assert.equal(await runPlainDaemon(c), 0);
    assert.match(c.out.join(''), /WEB_PUBSUB_CONNECTION_STRING='Endpoint=http:\/\/127\.0\.0\.1;AccessKey=.*Port=8766;'/);
  });
});

describe('ra-daemon with the embedded relay', () => {
  it('runs until stopped, writes executor.env, and never logs the relay key', async () => {
    const hub = new InMemoryHub();
    const env = await baseEnv();
    const c = io([], env, { connect: (_access, userId) => hub.connect(userId) });
    const running = runPlainDaemon(c);
    const envFile = join(env.DAEMON_STATE_DIR!, 'executor.env');
    await c.line('discovery probe published');
    c.stop('SIGTERM');
    assert.equal(await running, 0);
    await linesWritten();
    const logs = c.err.join('');
    assert.match(logs, /embedded relay listening .*url=http:\/\/127\.0\.0\.1:\d+/);
    assert.match(await readFile(envFile, 'utf8'), /^WEB_PUBSUB_CONNECTION_STRING='Endpoint=http:\/\/127\.0\.0\.1;AccessKey=/);
    const storedKey = (await readFile(join(env.DAEMON_STATE_DIR!, 'relay.key'), 'utf8')).trim();
    assert.ok(!logs.includes(storedKey), 'the relay key never reaches a log line');
    assert.equal(c.out.join(''), '', 'no banner when stdout is not a terminal');
  });

  it('one-shot run: prints the stdout and exits 0', async () => {
    const hub = new InMemoryHub();
    const env = await baseEnv({ DAEMON_RUN_EXECUTOR_ID: 'box', DAEMON_RUN_COMMAND: 'echo hello', DAEMON_RUN_TIMEOUT_MS: '5000' });
    const executor = new FakeExecutor(hub, 'box', systemClock);
    await executor.start(false);
    const c = io([], env, { connect: (_access, userId) => hub.connect(userId) });
    const running = runPlainDaemon(c);
    const submit = await executor.next('request.submit');
    assert.deepEqual(submit.body.params, { command: 'echo hello', timeoutMs: 5000 });
    const daemonId = submit.from.id;
    await executor.accept(daemonId, submit.requestId);
    await executor.output(daemonId, submit.requestId, { stream: 'stdout', seq: 0, offset: 0, data: Buffer.from('hello\n') });
    await executor.result(daemonId, submit.requestId, { stdoutBytes: 6, chunks: 1 });
    assert.equal(await running, 0);
    await linesWritten();
    assert.equal(c.out.join(''), 'hello\n');
    assert.match(c.err.join(''), /remote run result .*executorId=box .*exitCode=0 .*stdout="hello\\n"/);
  });

  it('one-shot run cancels the remote command when stopped', async () => {
    const hub = new InMemoryHub();
    const env = await baseEnv({ DAEMON_RUN_EXECUTOR_ID: 'box', DAEMON_RUN_COMMAND: 'sleep 600' });
    const executor = new FakeExecutor(hub, 'box', systemClock);
    await executor.start(false);
    const c = io([], env, { connect: (_access, userId) => hub.connect(userId) });
    const running = runPlainDaemon(c);
    const submit = await executor.next('request.submit');
    await executor.accept(submit.from.id, submit.requestId);
    const cancel = executor.next('request.cancel');
    c.stop('SIGINT');
    assert.equal((await cancel).requestId, submit.requestId);
    await executor.result(submit.from.id, submit.requestId, { outcome: 'cancelled', ok: false, exitCode: null, signal: 'SIGTERM' });
    assert.equal(await running, 1);
    await linesWritten();
    assert.match(c.err.join(''), /remote run result .*outcome=cancelled/);
  });

  it('one-shot run that fails exits 1', async () => {
    const hub = new InMemoryHub();
    const env = await baseEnv({ DAEMON_RUN_EXECUTOR_ID: 'box', DAEMON_RUN_COMMAND: 'false' });
    const executor = new FakeExecutor(hub, 'box', systemClock);
    await executor.start(false);
    const c = io([], env, { connect: (_access, userId) => hub.connect(userId) });
    const running = runPlainDaemon(c);
    const submit = await executor.next('request.submit');
    await executor.result(submit.from.id, submit.requestId, { ok: false, exitCode: 1 });
    assert.equal(await running, 1);
    await linesWritten();
    assert.match(c.err.join(''), /remote run result .*ok=false .*exitCode=1/);
  });

  it('one-shot run whose executor never appears exits 1, saying what to do', async () => {
    const hub = new InMemoryHub();
    const env = await baseEnv({ DAEMON_RUN_EXECUTOR_ID: 'ghost', DAEMON_RUN_COMMAND: 'ls', DAEMON_RUN_WAIT_FOR_EXECUTOR_MS: '20' });
    const c = io([], env, { connect: (_access, userId) => hub.connect(userId) });
    assert.equal(await runPlainDaemon(c), 1);
    await linesWritten();
    assert.match(c.err.join(''), /executor did not come online .*executorId=ghost .*known=none .*hint=/);
  });
});
