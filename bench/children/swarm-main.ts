import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostFacts, parseExecutorConfig, startExecutor } from '@remote-agent/executor';
import { createLogger, createWebPubSubConnection, systemClock } from '@remote-agent/transport';
import { serveRpc } from '../harness/ipc.js';
import { relayAccess } from '../harness/loopback.js';
import { SimExecutor } from '../harness/sim-executor.js';
import { ENV_RELAY, ENV_ROOT, requireEnv, type SwarmKind, type SwarmMethods } from './protocol.js';

/**
 * Many executors in one process, each on its own WebSocket to the relay: either the real executor
 * (`startExecutor` on `createWebPubSubConnection`, with its own state folder) or a SimExecutor that sends
 * the same presence traffic at a fraction of the cost, so that thousands fit on one machine.
 */
const connectionString = requireEnv(ENV_RELAY);
const access = relayAccess(connectionString);
const root = requireEnv(ENV_ROOT);
const logger = createLogger({ level: 'warn' });
const facts = hostFacts();
const workDir = join(root, 'work');
mkdirSync(workDir, { recursive: true });
const running: Array<{ stop(): Promise<void> }> = [];
const MAX_EXAMPLES = 5;

async function startReal(executorId: string, heartbeatIntervalMs: number): Promise<{ stop(): Promise<void> }> {
  const config = parseExecutorConfig(
    {
      PATH: process.env.PATH ?? '',
      EXECUTOR_ID: executorId,
      EXECUTOR_STATE_DIR: join(root, 'state', executorId),
      EXECUTOR_WORK_DIR: workDir,
      EXECUTOR_HEARTBEAT_INTERVAL_MS: String(heartbeatIntervalMs),
    },
    [],
    facts,
  );
  const connection = createWebPubSubConnection({ access, userId: executorId, role: 'executor', logger });
  return startExecutor(config, { connection, clock: systemClock, logger });
}

function startSim(executorId: string, heartbeatIntervalMs: number): Promise<SimExecutor> {
  return SimExecutor.start({
    connectionString,
    executorId,
    heartbeatIntervalMs,
    host: { hostname: facts.hostname, os: facts.osName, platform: facts.platform, arch: facts.arch },
    workDir,
  });
}

function starter(kind: SwarmKind): (id: string, heartbeatIntervalMs: number) => Promise<{ stop(): Promise<void> }> {
  return kind === 'real' ? startReal : startSim;
}

serveRpc<SwarmMethods>({
  async start({ kind, count, idPrefix, connectConcurrency, heartbeatIntervalMs }) {
    const startOne = starter(kind);
    const start = performance.now();
    let next = 0;
    let started = 0;
    let failures = 0;
    const examples: string[] = [];
    const worker = async (): Promise<void> => {
      while (next < count) {
        const id = `${idPrefix}${String(next++).padStart(5, '0')}`;
        try {
          running.push(await startOne(id, heartbeatIntervalMs));
          started++;
        } catch (err) {
          failures++;
          if (examples.length < MAX_EXAMPLES) examples.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(connectConcurrency, count) }, worker));
    return { elapsedMs: performance.now() - start, started, failures, examples };
  },
});
