import { spawn as nodeSpawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  ErrorCode,
  Groups,
  envelopeFactory,
  type Envelope,
  type ExecutorInfo,
  type RequestResult,
} from '@remote-agent/contracts';
import { EnvelopeBus, type Clock, type EnvelopeContext, type Logger, type RelayConnection } from '@remote-agent/transport';
import type { ExecutorConfig } from './config.js';
import { DEFAULT_CONNECT_RETRY, connectWithRetry, type ConnectRetryOptions } from './connect.js';
import { Dispatcher, type ReplyFn } from './dispatcher.js';
import { HandlerRegistry, createHandlers, type ArtifactHandlerOptions } from './handlers/index.js';
import { describeExecutor, type ExecutorIdentity } from './identity.js';
import { Journal, type JournalEntry } from './journal.js';
import { findLeftovers } from './leftovers.js';
import { OutputLog } from './output-log.js';
import { allowAllPolicy, type RequestPolicy } from './policy.js';
import { Presence } from './presence.js';
import { ProbeReply } from './probe-reply.js';
import { processTreeKiller, type ProcessTreeKiller, type SpawnFn } from './process-tree.js';
import { describeShell } from './shell.js';
import { StateStore } from './state-store.js';

export interface ExecutorDeps {
  /** Not started yet: the executor starts it, joins its groups, and stops it on `stop()`. */
  connection: RelayConnection;
  clock: Clock;
  logger: Logger;
  spawn?: SpawnFn;
  newId?: () => string;
  /** Uniform in [0, 1); spreads probe answers (Math.random by default). */
  random?: () => number;
  policy?: RequestPolicy;
  /** Raw bytes per output chunk (CHUNK_BYTES by default); tests use small chunks. */
  chunkBytes?: number;
  /** How long a started request runs before the daemon is told (DispatcherOptions.announceAfterMs). */
  announceAfterMs?: number;
  connectRetry?: ConnectRetryOptions;
  /** Artifact receive pacing and stream timing; tests change them. */
  artifact?: ArtifactHandlerOptions;
}

export interface RunningExecutor {
  readonly executorId: string;
  readonly bootId: string;
  /** What the executor announces about itself right now. */
  info(): ExecutorInfo;
  /** Cancels running work (its process trees are killed), says goodbye and disconnects. */
  stop(reason?: string): Promise<void>;
}

/**
 * Wires an executor: state folder (instruction, journal, output logs), request handlers behind the one
 * dispatcher, presence, and the relay connection. Everything external is passed in, so tests and the
 * benchmark can run many executors in one process.
 */
export async function startExecutor(config: ExecutorConfig, deps: ExecutorDeps): Promise<RunningExecutor> {
  const { connection, clock } = deps;
  const logger = deps.logger.child({ executorId: config.executorId });
  const newId = deps.newId ?? randomUUID;
  const spawn = deps.spawn ?? (nodeSpawn as SpawnFn);
  const bootId = newId();
  const startedAt = clock.now();

  const store = new StateStore(config.stateDir, logger);
  const journal = new Journal({ file: join(config.stateDir, 'journal.jsonl'), retain: config.journalRetain, logger });
  const outputLog = new OutputLog({
    dir: join(config.stateDir, 'output'),
    maxBytesPerStream: config.outputMaxBytes,
    retain: config.outputRetain,
    maxTotalBytes: config.outputRetainBytes,
    logger,
  });
  const lost = journal.closeUnfinished((entry) => lostResult(config.executorId, entry));
  const killer = processTreeKiller(config.platform, spawn);
  if (lost.length > 0) {
    logger.warn('requests interrupted by the previous shutdown were recorded as lost', { count: lost.length });
    stopLeftovers(config, lost, killer, clock, logger);
  }

  const make = envelopeFactory({ role: 'executor', id: config.executorId, now: () => clock.now(), newId });
  const bus = new EnvelopeBus(connection, logger);
  const reply: ReplyFn = (daemonId, type, body, requestId, options) =>
    bus.send(Groups.daemon(daemonId), make(type, body, requestId), options);

  // The closures below run only after start-up, when `presence` and `dispatcher` exist.
  const handlers: HandlerRegistry = new HandlerRegistry(
    createHandlers({
      run: {
        executorId: config.executorId,
        shell: config.shell,
        baseEnv: config.baseEnv,
        platform: config.platform,
        spawn,
        killer,
        killGraceMs: config.killGraceMs,
        pipeCloseGraceMs: config.pipeCloseGraceMs,
      },
      instruction: { store, onChanged: () => void presence.hello('changed') },
      outputRead: {
        executorId: config.executorId,
        outputLog,
        outputRetain: config.outputRetain,
        outputRetainBytes: config.outputRetainBytes,
        lookup: (requestId) => dispatcher.lookup(requestId),
      },
      artifact: deps.artifact ?? {},
    }),
  );
  const dispatcher: Dispatcher = new Dispatcher({
    executorId: config.executorId,
    handlers,
    journal,
    outputLog,
    policy: deps.policy ?? allowAllPolicy,
    maxConcurrent: config.maxConcurrent,
    workDir: config.workDir,
    stateDir: config.stateDir,
    clock,
    logger,
    reply,
    creditNudgeMs: config.creditNudgeMs,
    ...(deps.chunkBytes === undefined ? {} : { chunkBytes: deps.chunkBytes }),
    ...(deps.announceAfterMs === undefined ? {} : { announceAfterMs: deps.announceAfterMs }),
  });

  const identity: ExecutorIdentity = {
    executorId: config.executorId,
    hostname: config.hostname,
    os: config.os,
    platform: config.platform,
    arch: config.arch,
    version: config.version,
    tags: config.tags,
    bootId,
    startedAt,
    shell: describeShell(config.shell),
    workDir: config.workDir,
    capabilities: handlers.kinds(),
    maxConcurrent: config.maxConcurrent,
  };
  const info = (): ExecutorInfo => describeExecutor(identity, store.instruction(), dispatcher.counts());
  const presence = new Presence({
    executorId: config.executorId,
    bootId,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    clock,
    logger,
    info,
    publish: (type, body) =>
      bus.send(Groups.presence, make(type, body), type === 'executor.heartbeat' ? { fireAndForget: true } : undefined),
  });

  const probeReply = new ProbeReply({
    jitterMs: config.probeReplyJitterMs,
    random: deps.random ?? Math.random,
    clock,
    reply: () => void presence.hello('probe'),
  });

  const ownGroup = Groups.exec(config.executorId);
  bus.onEnvelope((env: Envelope, ctx: EnvelopeContext) => {
    if (env.type === 'discovery.probe' && ctx.group === Groups.discovery) {
      probeReply.onProbe();
      return;
    }
    if (ctx.group !== ownGroup || env.from.role !== 'daemon') return;
    switch (env.type) {
      case 'request.submit':
        return dispatcher.submit(env);
      case 'request.cancel':
        return dispatcher.cancel(env);
      case 'request.credit':
        return dispatcher.credit(env);
      case 'request.query':
        return dispatcher.query(env);
      case 'request.data':
      case 'request.data.query':
      case 'request.data.position':
        return dispatcher.channelMessage(env);
      default:
        logger.debug('ignored message', { type: env.type, group: ctx.group });
    }
  });

  let started = false;
  const offConnected = connection.on('connected', (ev) => {
    if (!started) return;
    // A recovered session kept our groups and messages; a new one means daemons may have marked us gone.
    if (!ev.recovered) void presence.hello('reconnect');
    if (!ev.recovered) dispatcher.reconnected();
    dispatcher.resendUnsent();
  });

  await connectWithRetry(connection, clock, logger, deps.connectRetry ?? DEFAULT_CONNECT_RETRY);
  await connection.joinGroup(Groups.discovery);
  await connection.joinGroup(ownGroup);
  started = true;
  presence.start();

  let stopping: Promise<void> | null = null;
  return {
    executorId: config.executorId,
    bootId,
    info,
    stop(reason = 'executor stopping') {
      stopping ??= (async () => {
        probeReply.stop();
        await dispatcher.stop(reason);
        journal.close();
        await presence.goodbye(reason);
        offConnected();
        bus.close();
        await connection.stop();
      })();
      return stopping;
    },
  };
}

/**
 * Stops what the commands of interrupted requests left running: an executor killed outright could not
 * stop their process groups itself. Each group is asked to stop, then forced after the kill grace. Where
 * they cannot be found (no /proc: macOS, Windows), the log says they may still run.
 */
function stopLeftovers(
  config: ExecutorConfig,
  lost: readonly JournalEntry[],
  killer: ProcessTreeKiller,
  clock: Clock,
  logger: Logger,
): void {
  const runs = lost.filter((entry) => entry.kind === 'run');
  if (runs.length === 0) return;
  const requestIds = new Set(runs.map((entry) => entry.requestId));
  if (config.platform !== 'linux') {
    logger.warn('commands of interrupted requests may still be running: this platform gives no way to find them', {
      requestIds: [...requestIds],
    });
    return;
  }
  const leftovers = findLeftovers(config.executorId, requestIds);
  const groups = [...new Set(leftovers.map((p) => p.pgid))];
  if (groups.length === 0) return;
  logger.warn('stopping processes that interrupted requests left running', {
    requestIds: [...new Set(leftovers.map((p) => p.requestId))],
    pids: leftovers.map((p) => p.pid),
    groups,
  });
  for (const pgid of groups) killer.terminate(pgid);
  clock.setTimeout(() => {
    for (const pgid of groups) killer.kill(pgid);
  }, config.killGraceMs);
}

function lostResult(executorId: string, entry: JournalEntry): RequestResult {
  return {
    kind: entry.kind,
    outcome: 'lost',
    ok: false,
    exitCode: null,
    signal: null,
    durationMs: 0,
    error: {
      code: ErrorCode.Lost,
      message: `executor ${executorId} restarted while this request was under way, so its outcome is unknown; check its effects and submit it again if needed`,
    },
  };
}
