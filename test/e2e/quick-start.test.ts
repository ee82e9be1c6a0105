/**
 * What a new user does first: `npm start` (scripts/start.mjs: the MCP daemon with the embedded relay and one
 * executor on this machine), connect an MCP client, run a command; and the four CLIs' --help / --version.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { EntryProcess, entry, eventually, freePort, repoRoot, tempDir } from '../helpers/spawn-entry.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The pids whose parent is `pid`, from each process's stat line (state, then parent pid, after the name). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const afterName = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').at(-1) ?? '';
      if (afterName.split(' ')[1] === String(pid)) found.push(Number(entry));
    } catch {
      // The process ended while the folder was read.
    }
  }
  return found;
}

describe('quick start: npm start, then an MCP client', () => {
  let start: EntryProcess;
  let client: Client;
  let home: { path: string; remove: () => Promise<void> };
  let env: Record<string, string>;

  before(async () => {
    home = await tempDir('quick-start-home');
    env = {
      PATH: process.env.PATH ?? '',
      HOME: home.path,
      DAEMON_STATE_DIR: join(home.path, 'daemon'),
      EXECUTOR_STATE_DIR: join(home.path, 'executor'),
      DAEMON_MCP_PORT: String(await freePort()),
      DAEMON_RELAY_PORT: String(await freePort()),
    };
    const child = spawn(process.execPath, [join(repoRoot, 'scripts/start.mjs')], {
      env,
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start = new EntryProcess('npm start', child);
    await start.waitForLine(/hello published/);
    client = new Client({ name: 'quick-start', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${env.DAEMON_MCP_PORT}/mcp`)));
  });

  after(async () => {
    await client?.close().catch(() => undefined);
    await start?.stop();
    await home?.remove();
  });

  it('serves the local executor online and runs a command on it', async () => {
    const local = await eventually('the local executor online', async () => {
      const listed = (await client.callTool({ name: 'executors_list', arguments: {} })).structuredContent as {
        executors: Array<{ executorId: string; status: string }>;
      };
      return listed.executors.find((e) => e.executorId.startsWith('local-') && e.status === 'online');
    });
    const run = await client.callTool({
      name: 'remote_run',
      arguments: { executorId: local.executorId, command: 'echo quick start works' },
    });
    assert.equal((run.structuredContent as { stdout: string }).stdout, 'quick start works\n');
  });

  it('starts the daemon and the executor from their bins, with the heap floor streams need', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
    const commands = childrenOf(start.child.pid!).map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
    assert.equal(commands.length, 2, `npm start runs the daemon and one executor: ${JSON.stringify(commands)}`);
    for (const bin of ['ra-mcp.js', 'ra-exec.js']) {
      const command = commands.find((argv) => argv.some((arg) => arg.endsWith(`/bin/${bin}`)));
      assert.ok(command, `no process started from bin/${bin}: ${JSON.stringify(commands)}`);
      assert.ok(command.includes('--initial-old-space-size=64'), `${bin} runs without the heap floor: ${command.join(' ')}`);
    }
  });

  it('prints the command for an executor elsewhere, and keeps the secret out of the logs', () => {
    const printed = spawnSync(process.execPath, [entry('packages/daemon/dist/mcp-main.js'), '--print-executor-command'], {
      env,
      encoding: 'utf8',
    });
    assert.equal(printed.status, 0, printed.stderr);
    assert.match(printed.stdout, /WEB_PUBSUB_CONNECTION_STRING=.*AccessKey=/);
    assert.match(printed.stdout, /ra-exec/);
    const key = /AccessKey=([^;'"\s]+)/.exec(printed.stdout)?.[1];
    assert.ok(key, 'no access key in the printed command');
    assert.ok(
      !start.lines.some((l) => l.includes(key)),
      'the relay access key appeared in a log line',
    );
  });
});

describe('command-line entry points', () => {
  for (const [bin, path] of [
    ['ra-exec', 'packages/executor/bin/ra-exec.js'],
    ['ra-daemon', 'packages/daemon/bin/ra-daemon.js'],
    ['ra-mcp', 'packages/daemon/bin/ra-mcp.js'],
    ['ra-relay', 'packages/relay/bin/ra-relay.js'],
  ] as const) {
    it(`${bin} answers --help and --version`, () => {
      const help = spawnSync(process.execPath, [entry(path), '--help'], { encoding: 'utf8' });
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, new RegExp(bin));
      const ver = spawnSync(process.execPath, [entry(path), '--version'], { encoding: 'utf8' });
      assert.equal(ver.status, 0, ver.stderr);
      assert.ok(ver.stdout.includes(version), `${bin} --version printed ${JSON.stringify(ver.stdout)}`);
    });
  }

  it('ra-exec without an id exits with a message naming EXECUTOR_ID', () => {
    const res = spawnSync(process.execPath, [entry('packages/executor/bin/ra-exec.js')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /EXECUTOR_ID/);
  });
});
