import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryHub, ManualClock, silentLogger, type InMemoryConnection, type Logger } from '@remote-agent/transport';
import { hostFacts, parseExecutorConfig, type ExecutorConfig } from '../config.js';
import { startExecutor, type ExecutorDeps, type RunningExecutor } from '../executor.js';
import { FakeDaemon } from './fake-daemon.js';

export interface Harness {
  hub: InMemoryHub;
  clock: ManualClock;
  daemon: FakeDaemon;
  executor: RunningExecutor;
  /** The relay connection of the executor started last. */
  connection: InMemoryConnection;
  config: ExecutorConfig;
  root: string;
  /** Starts another executor process on the same state folder, as after a restart. */
  restart(): Promise<RunningExecutor>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  deps?: Partial<Omit<ExecutorDeps, 'connection' | 'clock'>>;
  logger?: Logger;
  configure?: (config: ExecutorConfig) => ExecutorConfig;
}

let ids = 0;

/** One executor on an in-memory relay with a fake daemon, in a temporary folder removed by `close`. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), 'ra-exec-test-'));
  const workDir = join(root, 'work');
  mkdirSync(workDir);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    EXECUTOR_ID: 'exec-1',
    EXECUTOR_STATE_DIR: join(root, 'state'),
    EXECUTOR_WORK_DIR: workDir,
    EXECUTOR_TAGS: 'role=test',
    EXECUTOR_KILL_GRACE_MS: '3000',
    EXECUTOR_PROBE_REPLY_JITTER_MS: '0',
    ...opts.env,
  };
  const parsed = parseExecutorConfig(env, [], hostFacts());
  const config = opts.configure ? opts.configure(parsed) : parsed;
  const hub = new InMemoryHub();
  const clock = new ManualClock();
  const daemon = await new FakeDaemon(hub, clock).start();
  const running = new Set<RunningExecutor>();
  let connection = hub.connect(config.executorId);
  const launch = async (): Promise<RunningExecutor> => {
    connection = hub.connect(config.executorId);
    const executor = await startExecutor(config, {
      connection,
      clock,
      logger: opts.logger ?? silentLogger,
      newId: () => `id-${++ids}`,
      // Most tests follow a request message by message; the deferred announcement has tests of its own.
      announceAfterMs: 0,
      ...opts.deps,
    });
    running.add(executor);
    return executor;
  };
  const executor = await launch();
  return {
    hub,
    clock,
    daemon,
    executor,
    get connection() {
      return connection;
    },
    config,
    root,
    async restart() {
      for (const e of running) await e.stop('restart');
      running.clear();
      return launch();
    },
    async close() {
      for (const e of running) await e.stop('test finished');
      await daemon.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
