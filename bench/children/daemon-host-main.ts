import { Groups } from '@remote-agent/contracts';
import { createDaemonCore, parseDaemonConfig } from '@remote-agent/daemon';
import { createLogger, createWebPubSubConnection } from '@remote-agent/transport';
import { serveRpc } from '../harness/ipc.js';
import { relayAccess } from '../harness/loopback.js';
import { ENV_DAEMON_ID, ENV_RELAY, ENV_ROOT, requireEnv, type DaemonHostMethods } from './protocol.js';

/**
 * The daemon of the scale phase, alone in its process so its memory and CPU can be read: the real core
 * (`createDaemonCore`) with the daemon's default settings, on its own relay connection.
 */
const root = requireEnv(ENV_ROOT);
const daemonId = requireEnv(ENV_DAEMON_ID);
const logger = createLogger({ level: 'warn' });
const defaults = parseDaemonConfig({}, { homeDir: root, cwd: root });
const connection = createWebPubSubConnection({ access: relayAccess(requireEnv(ENV_RELAY)), userId: daemonId, role: 'daemon', logger });
let presence = 0;
connection.on('message', (msg) => {
  if (msg.group === Groups.presence) presence++;
});
const core = await createDaemonCore({ daemonId, connection, registry: defaults.registry, requests: defaults.requests, logger });
const MAX_EXAMPLES = 5;

function onlineCount(): number {
  return core.listExecutors({ status: ['online'] }).length;
}

serveRpc<DaemonHostMethods>({
  async waitOnline({ count, timeoutMs, pollMs }) {
    const deadline = performance.now() + timeoutMs;
    let online = onlineCount();
    while (online < count && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      online = onlineCount();
    }
    return { online, reached: online >= count };
  },

  async presenceMessages() {
    return { count: presence };
  },

  async runMany({ executorIds, runs, maxWaitMs }) {
    const start = performance.now();
    const submitted = Array.from({ length: runs }, (_, i) => {
      const executorId = executorIds[i % executorIds.length]!;
      return { expected: `run-${i}`, view: core.submit(executorId, 'run', { command: `echo run-${i}` }) };
    });
    const latenciesMs: number[] = [];
    const outcomes: Record<string, number> = {};
    const examples: string[] = [];
    let ok = 0;
    let lost = 0;
    let failed = 0;
    await Promise.all(
      submitted.map(async ({ expected, view }) => {
        const done = await core.waitForRequest(view.requestId, { maxWaitMs });
        const outcome = done.state === 'completed' ? (done.outcome ?? 'unknown') : `still ${done.state}`;
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (done.state !== 'completed' || done.outcome === 'lost') lost++;
        else if (done.ok === true && done.stdout.trim() === expected) {
          ok++;
          latenciesMs.push((done.completedAt ?? done.createdAt) - done.createdAt);
        } else failed++;
        const wrongOutput = done.ok === true && done.stdout.trim() !== expected;
        if ((done.state !== 'completed' || done.ok !== true || wrongOutput) && examples.length < MAX_EXAMPLES) {
          const why = wrongOutput ? `stdout ${JSON.stringify(done.stdout.slice(0, 40))} instead of ${expected}` : (done.error?.message ?? '');
          examples.push(`${done.requestId} on ${done.executorId}: ${outcome}${why ? ` (${why})` : ''}`);
        }
      }),
    );
    return { ok, lost, failed, outcomes, elapsedMs: performance.now() - start, latenciesMs, examples };
  },
});
