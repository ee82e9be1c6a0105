/**
 * The daemon's request journal across a restart: a relay, an executor and the HTTP MCP daemon as real
 * processes; the daemon is stopped while a command runs and started again on the same state folder.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { eventually, freePort, loopbackConnectionString, startEntry, tempDir, type EntryProcess } from '../helpers/spawn-entry.js';

const EXECUTOR = 'restart-e2e';

interface Report {
  requestId: string;
  status: string;
  ok: boolean | null;
  stdout: string;
}

describe('daemon restart keeps its requests (relay, executor, MCP daemon as processes)', () => {
  const processes: EntryProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  let daemonEnv: Record<string, string>;
  let mcpPort: number;

  async function connect(): Promise<Client> {
    const client = new Client({ name: 'remote-agent-restart-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${mcpPort}/mcp`)));
    return client;
  }

  async function startDaemon(): Promise<EntryProcess> {
    const daemon = startEntry('daemon', 'packages/daemon/dist/mcp-main.js', daemonEnv);
    processes.push(daemon);
    await daemon.waitForLine(/mcp streamable http listening/);
    return daemon;
  }

  async function status(client: Client, requestId: string): Promise<Report> {
    const result = await client.callTool({ name: 'remote_request_status', arguments: { requestId } });
    assert.notEqual(result.isError, true, `remote_request_status failed: ${JSON.stringify(result.content)}`);
    return result.structuredContent as unknown as Report;
  }

  before(async () => {
    mcpPort = await freePort();
    const relayEnv = { WEB_PUBSUB_CONNECTION_STRING: loopbackConnectionString(await freePort()), WEB_PUBSUB_HUB: 'restart' };
    const relay = startEntry('relay', 'packages/relay/dist/main.js', relayEnv);
    processes.push(relay);
    await relay.waitForLine(/relay listening/);
    const executorState = await tempDir('restart-exec-state');
    const executorWork = await tempDir('restart-exec-work');
    const daemonState = await tempDir('restart-daemon-state');
    cleanups.push(executorState.remove, executorWork.remove, daemonState.remove);
    const executor = startEntry('executor', 'packages/executor/dist/main.js', {
      ...relayEnv,
      EXECUTOR_ID: EXECUTOR,
      EXECUTOR_STATE_DIR: executorState.path,
      EXECUTOR_WORK_DIR: executorWork.path,
    });
    processes.push(executor);
    await executor.waitForLine(/hello published/);
    daemonEnv = { ...relayEnv, DAEMON_STATE_DIR: daemonState.path, DAEMON_MCP_PORT: String(mcpPort) };
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await Promise.all(cleanups.map((c) => c()));
  });

  it('answers for a finished request and completes one that ran while it was down', async () => {
    const first = await startDaemon();
    assert.ok(!first.lines.some((l) => /ExperimentalWarning/.test(l)), 'the sqlite warning is silenced');
    let client = await connect();
    await eventually('the executor to be online at the daemon', async () => {
      const listed = (await client.callTool({ name: 'executors_list', arguments: {} })).structuredContent as {
        executors: Array<{ executorId: string; status: string }>;
      };
      return listed.executors.some((e) => e.executorId === EXECUTOR && e.status === 'online');
    });
    const finished = (await client.callTool({ name: 'remote_run', arguments: { executorId: EXECUTOR, command: 'echo before' } }))
      .structuredContent as unknown as Report;
    assert.equal(finished.stdout, 'before\n');
    const started = (
      await client.callTool({
        name: 'remote_run',
        arguments: { executorId: EXECUTOR, command: 'sleep 1; echo done', waitForCompletion: false },
      })
    ).structuredContent as unknown as Report;
    await client.close();
    await first.stop('SIGTERM');

    await startDaemon();
    client = await connect();
    try {
      const done = await eventually('the request started before the restart to complete', async () => {
        const report = await status(client, started.requestId);
        return report.status === 'completed' ? report : null;
      });
      assert.equal(done.ok, true);
      assert.equal(done.stdout, 'done\n');
      const before = await status(client, finished.requestId);
      assert.equal(before.status, 'completed');
      assert.equal(before.ok, true);
      assert.equal(before.stdout, 'before\n');
    } finally {
      await client.close();
    }
  });
});
