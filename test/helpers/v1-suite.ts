/**
 * The v1 path as a user meets it: a relay, two executors in their own folders and the HTTP MCP daemon,
 * each a real process started from the built output, driven by the official MCP SDK client. Registered
 * twice: against the built-in relay (test/e2e/v1.test.ts) and against Azure Web PubSub
 * (test/live/v1.live.test.ts), so both relays are held to the same behaviour.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  eventually,
  freePort,
  startEntry,
  tempDir,
  type EntryProcess,
} from './spawn-entry.js';

/** Where the relay comes from: started here, or an existing service. */
export interface RelayUnderTest {
  connectionString: string;
  hub: string;
  stop(): Promise<void>;
}

export interface V1SuiteOptions {
  title: string;
  /** A reason to skip (said in the test output), or false to run. */
  skip: string | false;
  relay(): Promise<RelayUnderTest>;
  /** Names unique to this run, so runs sharing a live hub never see each other's executors. */
  executorIds: { a: string; b: string };
}

interface Report {
  requestId: string;
  status: string;
  outcome: string | null;
  ok: boolean | null;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

interface Listed {
  executors: Array<{ executorId: string; status: string; tags: Record<string, string> }>;
  total: number;
}

/** Whether `pid` runs: a killed process whose parent is gone may linger as a zombie until reaped. */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function registerV1Suite(opts: V1SuiteOptions): void {
  const { a: idA, b: idB } = opts.executorIds;
  describe(opts.title, { skip: opts.skip }, () => {
    const processes: EntryProcess[] = [];
    const cleanups: Array<() => Promise<void>> = [];
    let client: Client;
    let mcpUrl: URL;
    let mcpPort: number;
    let executorB: EntryProcess;
    /** How executor B was started, to start it again on the same state folder. */
    let executorBEnv: Record<string, string>;
    let common: Record<string, string>;

    async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
      return (await client.callTool({ name, arguments: args })) as CallToolResult;
    }

    async function callOk<T>(name: string, args: Record<string, unknown>): Promise<T> {
      const result = await call(name, args);
      assert.notEqual(result.isError, true, `${name} failed: ${JSON.stringify(result.content)}`);
      assert.ok(result.structuredContent, `${name} returned no structuredContent`);
      return result.structuredContent as T;
    }

    function errorText(result: CallToolResult): string {
      assert.equal(result.isError, true, `expected a tool error, got ${JSON.stringify(result.structuredContent)}`);
      return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    }

    before(async () => {
      mcpPort = await freePort();
      const relay = await opts.relay();
      cleanups.push(relay.stop);
      common = { WEB_PUBSUB_CONNECTION_STRING: relay.connectionString, WEB_PUBSUB_HUB: relay.hub, LOG_LEVEL: 'debug' };

      const executorEnv = { ...common, EXECUTOR_HEARTBEAT_INTERVAL_MS: '200', EXECUTOR_KILL_GRACE_MS: '500' };
      for (const [id, tags] of [
        [idA, 'role=build,os=linux'],
        [idB, 'role=gpu,os=linux'],
      ] as const) {
        const state = await tempDir(`${id}-state`);
        const work = await tempDir(`${id}-work`);
        cleanups.push(state.remove, work.remove);
        const env = {
          ...executorEnv,
          EXECUTOR_ID: id,
          EXECUTOR_TAGS: tags,
          EXECUTOR_STATE_DIR: state.path,
          EXECUTOR_WORK_DIR: work.path,
          // The daemon speaks protobuf (the default) and B the JSON subprotocol: the two meet in one group.
          // B also keeps the least output the setting allows (1 MiB over all runs), to show the oldest go first.
          ...(id === idB ? { WEB_PUBSUB_PROTOCOL: 'json', EXECUTOR_OUTPUT_RETAIN_BYTES: String(1024 * 1024) } : {}),
        };
        const proc = startEntry(id, 'packages/executor/bin/ra-exec.js', env);
        processes.push(proc);
        if (id === idB) {
          executorB = proc;
          executorBEnv = env;
        }
      }

      const daemonState = await tempDir('daemon-state');
      cleanups.push(daemonState.remove);
      const daemon = startEntry('daemon', 'packages/daemon/bin/ra-mcp.js', {
        ...common,
        DAEMON_STATE_DIR: daemonState.path,
        DAEMON_MCP_PORT: String(mcpPort),
        DAEMON_EXECUTOR_SUSPECT_AFTER_MS: '1000',
        DAEMON_EXECUTOR_OFFLINE_AFTER_MS: '2500',
        DAEMON_REGISTRY_REFRESH_INTERVAL_MS: '5000',
        DAEMON_RUN_MAX_WAIT_MS: '1500',
        DAEMON_PROGRESS_INTERVAL_MS: '100',
      });
      processes.push(daemon);
      await daemon.waitForLine(/mcp streamable http listening/);
      await Promise.all(processes.slice(0, 2).map((p) => p.waitForLine(/hello published/)));

      mcpUrl = new URL(`http://127.0.0.1:${mcpPort}/mcp`);
      client = new Client({ name: 'remote-agent-e2e', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(mcpUrl));
    });

    after(async () => {
      await client?.close().catch(() => undefined);
      await Promise.all(processes.map((p) => p.stop()));
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it('advertises every v1 tool with underscore names and schemas', async () => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      for (const name of [
        'executors_list',
        'executors_get',
        'executors_find',
        'executor_instruction_set',
        'remote_run',
        'remote_cancel',
        'remote_request_status',
      ]) {
        assert.ok(names.includes(name), `${name} missing from ${names.join(', ')}`);
      }
      for (const tool of tools) {
        assert.match(tool.name, /^[a-zA-Z0-9_-]{1,64}$/);
        assert.equal(tool.inputSchema.type, 'object');
        assert.equal(tool.outputSchema?.type, 'object', `${tool.name} has no output schema`);
        assert.ok(tool.description && tool.description.length > 20, `${tool.name} has no useful description`);
      }
      const run = tools.find((t) => t.name === 'remote_run');
      assert.equal(run?.annotations?.destructiveHint, true);
      assert.equal(tools.find((t) => t.name === 'executors_list')?.annotations?.readOnlyHint, true);
    });

    it('lists both executors online', async () => {
      const listed = await eventually('both executors online', async () => {
        const l = await callOk<Listed>('executors_list', {});
        const online = l.executors.filter((e) => e.status === 'online').map((e) => e.executorId);
        return online.includes(idA) && online.includes(idB) ? l : null;
      });
      assert.ok(listed.total >= 2);
    });

    it('finds executors by tag and by text', async () => {
      const byTag = await callOk<Listed>('executors_find', { tags: { role: 'gpu' } });
      assert.deepEqual(byTag.executors.map((e) => e.executorId), [idB]);
      const byText = await callOk<Listed>('executors_find', { text: idA.toUpperCase() });
      assert.deepEqual(byText.executors.map((e) => e.executorId), [idA]);
    });

    it('sets an instruction and returns it from executors_get, under either tool name', async () => {
      const text = 'Build box for the e2e suite: run make here.';
      await callOk('executor_instruction_set', { executorId: idA, instruction: text });
      const got = await callOk<{ instruction: string; executorId: string }>('executors_get', { executorId: idA });
      assert.equal(got.instruction, text);
      const dotted = await callOk<{ instruction: string }>('executors.get', { executorId: idA });
      assert.equal(dotted.instruction, text);
    });

    it('runs echo and returns its stdout', async () => {
      const report = await callOk<Report>('remote_run', { executorId: idA, command: 'echo hello from e2e' });
      assert.equal(report.status, 'completed');
      assert.equal(report.ok, true);
      assert.equal(report.exitCode, 0);
      assert.equal(report.stdout, 'hello from e2e\n');
      assert.equal(report.stderr, '');
      assert.equal(report.truncated, false);
    });

    it('keeps stderr apart and reports a non-zero exit', async () => {
      const report = await callOk<Report>('remote_run', {
        executorId: idB,
        command: 'echo out; echo err >&2; exit 3',
      });
      assert.equal(report.status, 'completed');
      assert.equal(report.ok, false);
      assert.equal(report.exitCode, 3);
      assert.equal(report.stdout, 'out\n');
      assert.equal(report.stderr, 'err\n');
    });

    it('passes stdin, env and cwd through', async () => {
      const report = await callOk<Report>('remote_run', {
        executorId: idA,
        command: 'cat; printf "%s" "$E2E_VALUE"; pwd',
        stdin: 'from stdin\n',
        env: { E2E_VALUE: 'from env\n' },
        cwd: '/',
      });
      assert.equal(report.stdout, 'from stdin\nfrom env\n/\n');
    });

    it('cancels a 30 s sleep started without waiting', async () => {
      const started = await callOk<Report>('remote_run', {
        executorId: idA,
        command: 'sleep 30',
        waitForCompletion: false,
      });
      assert.notEqual(started.status, 'completed');
      await eventually('the sleep to be running', async () => {
        const s = await callOk<Report>('remote_request_status', { requestId: started.requestId });
        return s.status === 'running';
      });
      const t0 = Date.now();
      const cancelled = await callOk<Report>('remote_cancel', { requestId: started.requestId });
      const report =
        cancelled.status === 'completed'
          ? cancelled
          : await eventually('the cancel to complete', async () => {
              const s = await callOk<Report>('remote_request_status', { requestId: started.requestId });
              return s.status === 'completed' ? s : null;
            });
      assert.ok(Date.now() - t0 < 5000, 'cancel took longer than 5 s');
      assert.equal(report.status, 'completed');
      assert.equal(report.ok, false);
      assert.equal(report.exitCode, null);
      assert.equal(report.outcome, 'cancelled');
    });

    it('returns running with the output so far when a waited run outlives the max wait', async () => {
      const report = await callOk<Report>('remote_run', { executorId: idA, command: 'echo early; sleep 20' });
      assert.equal(report.status, 'running');
      assert.equal(report.ok, null);
      assert.equal(report.stdout, 'early\n');
      const cancelled = await callOk<Report>('remote_cancel', { requestId: report.requestId });
      assert.equal(cancelled.status, 'completed');
      assert.equal(cancelled.outcome, 'cancelled');
    });

    it('sends progress notifications with the output while a waited run goes on', async () => {
      const messages: string[] = [];
      const result = (await client.callTool(
        {
          name: 'remote_run',
          arguments: { executorId: idA, command: 'for i in 1 2 3 4 5; do echo tick-$i; sleep 0.2; done' },
        },
        undefined,
        { onprogress: (p) => messages.push(p.message ?? '') },
      )) as CallToolResult;
      const report = result.structuredContent as unknown as Report;
      assert.equal(report.ok, true);
      assert.ok(messages.length >= 2, `expected several progress notifications, got ${messages.length}`);
      assert.ok(messages.some((m) => m.includes('tick-')), `no output in progress messages: ${JSON.stringify(messages)}`);
    });

    it('pages through output kept on the executor', async () => {
      const report = await callOk<Report & { stdoutBytes: number }>('remote_run', {
        executorId: idA,
        // Over half a megabyte, so most of it reaches the executor's log through thread-pool writes.
        command: "seq 1 50000 | sed 's/^/line-/'",
      });
      assert.equal(report.ok, true);
      const expectedBytes = 50_000 * 'line-\n'.length + Array.from({ length: 50_000 }, (_, i) => String(i + 1).length).reduce((a, b) => a + b);
      assert.equal(report.stdoutBytes, expectedBytes);
      const tail = await callOk<{ output: { data: string; totalBytes: number; complete: boolean } }>('remote_request_status', {
        requestId: report.requestId,
        tailLines: 2,
      });
      assert.equal(tail.output.data, 'line-49999\nline-50000\n');
      assert.equal(tail.output.totalBytes, expectedBytes);
      assert.equal(tail.output.complete, true);
      const page = await callOk<{ output: { data: string; nextOffset: number } }>('remote_request_status', {
        requestId: report.requestId,
        offset: 0,
        length: 14,
      });
      assert.equal(page.output.data, 'line-1\nline-2\n');
      assert.equal(page.output.nextOffset, 14);
    });

    it('keeps output logs within EXECUTOR_OUTPUT_RETAIN_BYTES, removing the oldest first', async () => {
      // 538,894 bytes each: two runs overfill B's 1 MiB, so the first run's log makes room for the second's.
      const command = "seq 1 50000 | sed 's/^/line-/'";
      const first = await callOk<Report>('remote_run', { executorId: idB, command });
      const kept = await callOk<{ output: { data: string } }>('remote_request_status', { requestId: first.requestId, offset: 0, length: 7 });
      assert.equal(kept.output.data, 'line-1\n', 'kept while it fits');
      const second = await callOk<Report>('remote_run', { executorId: idB, command });
      assert.equal(second.ok, true);
      const gone = errorText(await call('remote_request_status', { requestId: first.requestId, offset: 0 }));
      assert.match(gone, /EXECUTOR_OUTPUT_RETAIN_BYTES/);
      const page = await callOk<{ output: { data: string; discardedBytes: number } }>('remote_request_status', {
        requestId: second.requestId,
        offset: 0,
        length: 14,
      });
      assert.equal(page.output.data, 'line-1\nline-2\n');
      assert.equal(page.output.discardedBytes, 0);
    });

    it('refuses bad input with an error that says what to do', async () => {
      assert.match(errorText(await call('remote_run', { executorId: 'no-such-box', command: 'echo' })), /no-such-box/);
      assert.match(errorText(await call('remote_run', { executorId: idA, command: '   ' })), /command/);
      assert.match(errorText(await call('remote_run', { executorId: idA, command: 'echo', timeoutMs: -5 })), /timeoutMs/);
      assert.match(
        errorText(await call('remote_request_status', { requestId: '00000000-0000-0000-0000-000000000000' })),
        /UNKNOWN_REQUEST|unknown request|no request/i,
      );
    });

    it('refuses a foreign Host header (DNS rebinding)', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: mcpPort,
            path: '/mcp',
            method: 'POST',
            headers: {
              Host: `evil.example:${mcpPort}`,
              'Content-Type': 'application/json',
              Accept: 'application/json, text/event-stream',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
      });
      assert.equal(status, 403);
    });

    it('runs one command with the plain daemon and exits with its status', async () => {
      const state = await tempDir('plain-daemon');
      cleanups.push(state.remove);
      const env = { ...common, DAEMON_STATE_DIR: state.path, DAEMON_RUN_EXECUTOR_ID: idA };
      const ok = startEntry('plain-ok', 'packages/daemon/bin/ra-daemon.js', { ...env, DAEMON_RUN_COMMAND: 'echo plain run' });
      processes.push(ok);
      assert.equal((await ok.exited).code, 0, ok.lines.slice(-10).join('\n'));
      assert.ok(
        [...ok.lines, ...ok.stdout].some((l) => l.includes('remote run result') && l.includes('plain run')),
        'no "remote run result" line with the stdout',
      );
      const failing = startEntry('plain-fail', 'packages/daemon/bin/ra-daemon.js', { ...env, DAEMON_RUN_COMMAND: 'exit 7' });
      processes.push(failing);
      assert.equal((await failing.exited).code, 1);
    });

    it('marks a SIGKILLed executor suspect then offline, its running request lost, and stops what the request left once it is back', async () => {
      // The shell prints its pid, then becomes `sleep` (same pid, leading the run's process group).
      const started = await callOk<Report>('remote_run', {
        executorId: idB,
        command: 'echo $$; exec sleep 30',
        waitForCompletion: false,
      });
      const running = await eventually(`the request to run on ${idB} and print its pid`, async () => {
        const s = await callOk<Report>('remote_request_status', { requestId: started.requestId });
        return s.status === 'running' && /^\d+\n/.test(s.stdout) ? s : null;
      });
      const leftover = Number(running.stdout.trim());
      executorB.child.kill('SIGKILL');
      await executorB.exited;

      const seen = new Set<string>();
      await eventually(
        `${idB} to go offline`,
        async () => {
          const got = await callOk<{ status: string }>('executors_get', { executorId: idB });
          seen.add(got.status);
          return got.status === 'offline';
        },
        15_000,
        100,
      );
      assert.ok(seen.has('suspect'), `${idB} went ${[...seen].join(' -> ')} without being suspect first`);

      const lost = await eventually('the request to end lost', async () => {
        const s = await callOk<Report>('remote_request_status', { requestId: started.requestId });
        return s.status === 'completed' ? s : null;
      });
      assert.equal(lost.outcome, 'lost');
      assert.equal(lost.ok, false);

      const refused = errorText(await call('remote_run', { executorId: idB, command: 'echo' }));
      assert.match(refused, /offline/i);
      assert.ok(processRuns(leftover), `the command (pid ${leftover}) outlived its executor, as nothing could stop it then`);

      const restarted = startEntry(`${idB}-again`, 'packages/executor/bin/ra-exec.js', executorBEnv);
      processes.push(restarted);
      await eventually(`${idB} to be online again`, async () => {
        const got = await callOk<{ status: string }>('executors_get', { executorId: idB });
        return got.status === 'online';
      });
      if (process.platform === 'linux') {
        await eventually(`the restarted executor to stop pid ${leftover}`, async () => !processRuns(leftover));
        assert.ok(
          restarted.lines.some((l) => l.includes('stopping processes that interrupted requests left running')),
          'no log line about the processes it stopped',
        );
      }
      const again = await callOk<Report>('remote_run', { executorId: idB, command: 'echo back' });
      assert.equal(again.stdout, 'back\n');
    });
  });
}
