import { randomUUID } from 'node:crypto';
import {
  ArtifactRequestParams,
  CoreRequestParams,
  ErrorCode,
  FsRequestParams,
  Groups,
  InstructionSetResultSchema,
  MAX_INSTRUCTION_CHARS,
  OutputReadResultSchema,
  RemoteAgentError,
  envelopeFactory,
  isValidId,
  ID_RULE,
  type Envelope,
  type OutputReadResult,
} from '@remote-agent/contracts';
import { EnvelopeBus, systemClock, type Clock, type Logger, type RelayConnection } from '@remote-agent/transport';
import type { RegistryConfig, RequestsConfig } from './config.js';
import type {
  DaemonCore,
  ExecutorQuery,
  ExecutorView,
  OutputReadOptions,
  RequestView,
  WaitOptions,
} from './core-api.js';
import type { ArtifactTransfers } from './artifacts/api.js';
import { ArtifactRoots } from './artifacts/roots.js';
import { ArtifactTransferService } from './artifacts/transfers.js';
import { Discovery } from './discovery.js';
import { Inventory } from './inventory.js';
import { RequestChannels } from './requests/channels.js';
import type { RequestJournal } from './requests/journal.js';
import type { TrackedRequest } from './requests/request.js';
import { RequestRouter } from './requests/router.js';
import { RequestTracker } from './requests/tracker.js';

export interface DaemonCoreOptions {
  daemonId: string;
  /** Taken over by the core: started here if idle, stopped by `close()`. */
  connection: RelayConnection;
  registry: RegistryConfig;
  requests: Pick<RequestsConfig, 'outputMaxBytes' | 'retain'>;
  logger: Logger;
  clock?: Clock;
  /** Request ids; must be unique. */
  newId?: () => string;
  /** How long `cancel()` waits for the executor to confirm before returning the current view. */
  cancelWaitMs?: number;
  /** How long instruction changes and output reads wait for the executor's answer. */
  controlWaitMs?: number;
  /** Least time between probes triggered by heartbeats from executors the daemon does not know. */
  minProbeGapMs?: number;
  /** Output chunks an executor may send ahead of credit. */
  window?: number;
  /** Folders artifacts are read from and written to on this machine (DAEMON_ARTIFACT_ROOTS). */
  artifactRoots?: readonly string[];
  /** Artifact stream timing; tests shorten it. */
  artifactStream?: { stallMs?: number; idleTimeoutMs?: number };
  /**
   * Where requests are kept across restarts; restored on start. Not closed by the core: its opener closes it.
   * None: requests live in memory only.
   */
  journal?: RequestJournal;
}

/** What `createDaemonCore` returns: the front ends' DaemonCore plus what the daemon's own entry points use. */
export interface LocalDaemonCore extends DaemonCore {
  /** Resolves with the executor once it is online, or null after timeoutMs. */
  waitForExecutor(executorId: string, timeoutMs: number): Promise<ExecutorView | null>;
}

const MAX_IDS_IN_ERROR = 20;

class Core implements LocalDaemonCore {
  readonly daemonId: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly newId: () => string;
  private readonly bus: EnvelopeBus;
  private readonly inventory: Inventory;
  private readonly tracker: RequestTracker;
  private readonly router: RequestRouter;
  private readonly discovery: Discovery;
  private readonly channels: RequestChannels;
  readonly artifacts: ArtifactTransfers;
  private readonly detach: Array<() => void> = [];
  /** Requests restored in flight whose executor has not been asked yet what became of them. */
  private readonly unconfirmed = new Set<TrackedRequest>();
  /** Completions not yet journaled: they are written after the turn they happened in (see journalCompleted). */
  private readonly unjournaled: RequestView[] = [];
  private closed = false;

  constructor(private readonly opts: DaemonCoreOptions) {
    this.daemonId = opts.daemonId;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger;
    this.newId = opts.newId ?? randomUUID;
    const make = envelopeFactory({ role: 'daemon', id: opts.daemonId, now: () => this.clock.now(), newId: randomUUID });
    this.bus = new EnvelopeBus(opts.connection, opts.logger);
    this.inventory = new Inventory({
      clock: this.clock,
      suspectAfterMs: opts.registry.suspectAfterMs,
      offlineAfterMs: opts.registry.offlineAfterMs,
      onListenerError: (err) => this.logger.error('inventory listener failed', { error: err }),
    });
    this.tracker = new RequestTracker({
      clock: this.clock,
      logger: this.logger,
      outputMaxBytes: opts.requests.outputMaxBytes,
      retain: opts.requests.retain,
      ...(opts.journal ? { onCompleted: (req: TrackedRequest) => this.journalCompleted(req) } : {}),
    });
    this.router = new RequestRouter({
      bus: this.bus,
      make,
      tracker: this.tracker,
      clock: this.clock,
      logger: this.logger,
      ...(opts.window === undefined ? {} : { window: opts.window }),
      readLog: async (requestId, stream, offset, length) => {
        const page = await this.readOutput(requestId, { stream, offset, length });
        const bytes = Buffer.from(page.data, page.encoding === 'base64' ? 'base64' : 'utf8');
        return { offset: page.offset, nextOffset: page.nextOffset, bytes };
      },
    });
    this.channels = new RequestChannels(
      (executorId, requestId, type, body) => this.bus.send(Groups.exec(executorId), make(type, body, requestId), { fireAndForget: true }),
      this.logger,
    );
    this.artifacts = new ArtifactTransferService({
      roots: new ArtifactRoots(opts.artifactRoots ?? []),
      submit: (executorId, kind, params) => this.submit(executorId, kind, params),
      openChannel: (requestId) => this.channels.openChannel(requestId, this.tracker.require(requestId).executorId),
      waitForRequest: (requestId, options) => this.waitForRequest(requestId, options),
      cancel: (requestId, reason) => this.cancel(requestId, reason),
      clock: this.clock,
      logger: this.logger.child({ component: 'artifacts' }),
      retain: opts.requests.retain,
      stream: opts.artifactStream ?? {},
    });
    this.discovery = new Discovery({
      clock: this.clock,
      logger: this.logger,
      inventory: this.inventory,
      publishProbe: () => this.bus.send(Groups.discovery, make('discovery.probe', { daemonId: this.daemonId })),
      refreshIntervalMs: opts.registry.refreshIntervalMs,
      inventoryLogIntervalMs: opts.registry.inventoryLogIntervalMs,
      ...(opts.minProbeGapMs === undefined ? {} : { minProbeGapMs: opts.minProbeGapMs }),
    });
  }

  async start(): Promise<void> {
    this.restoreJournal();
    this.detach.push(this.bus.onEnvelope((env) => this.onEnvelope(env)));
    this.detach.push(this.inventory.on('status', (c) => this.onStatus(c.executorId, c.from, c.to)));
    this.detach.push(this.inventory.on('restarted', (e) => this.onRestart(e.executorId, e.previousBootId, e.bootId)));
    const { connection } = this.opts;
    if (connection.state === 'idle') await connection.start();
    await connection.joinGroup(Groups.presence);
    await connection.joinGroup(Groups.daemon(this.daemonId));
    this.detach.push(
      connection.on('connected', (ev) => {
        // A grant sent while the connection was away may be lost; a repeated one is harmless.
        this.router.regrant();
        if (!ev.recovered) this.resync();
      }),
    );
    await this.discovery.start();
  }

  listExecutors(query?: ExecutorQuery): ExecutorView[] {
    return this.inventory.list(query);
  }

  getExecutor(executorId: string): ExecutorView {
    const view = this.inventory.get(executorId);
    if (!view) throw this.unknownExecutor(executorId);
    return view;
  }

  async setInstruction(executorId: string, instruction: string): Promise<ExecutorView> {
    if (instruction.length > MAX_INSTRUCTION_CHARS) {
      throw new RemoteAgentError(
        ErrorCode.BadRequest,
        `instruction is ${instruction.length} characters; the limit is ${MAX_INSTRUCTION_CHARS}. Shorten it.`,
      );
    }
    const view = await this.submitAndWait(executorId, 'instruction.set', { instruction }, 'confirm the instruction');
    const parsed = InstructionSetResultSchema.safeParse(view.result);
    if (!parsed.success) {
      throw new RemoteAgentError(ErrorCode.Internal, `executor ${executorId} answered instruction.set with a malformed result`);
    }
    this.inventory.updateInstruction(executorId, parsed.data.instruction, parsed.data.instructionUpdatedAt);
    return this.getExecutor(executorId);
  }

  submit(executorId: string, kind: string, params: unknown): RequestView {
    const executor = this.getExecutor(executorId);
    if (executor.status === 'offline') {
      throw new RemoteAgentError(
        ErrorCode.ExecutorOffline,
        `executor ${executorId} is offline (last seen ${new Date(executor.lastSeenAt).toISOString()}); ` +
          'start ra-exec on that machine again, or pick an online executor from the executor list',
      );
    }
    const checked = checkParams(kind, params);
    const req = this.tracker.create(this.newId(), executorId, kind);
    // The request leaves first and is journaled while it travels; any reply is handled in a later turn.
    void this.router.dispatch(req, checked);
    this.journalSubmitted(req);
    return req.view(this.clock.now());
  }

  getRequest(requestId: string): RequestView {
    return this.tracker.require(requestId).view(this.clock.now());
  }

  async waitForRequest(requestId: string, options: WaitOptions): Promise<RequestView> {
    return this.tracker.wait(this.tracker.require(requestId), options);
  }

  async cancel(requestId: string, reason?: string): Promise<RequestView> {
    const req = this.tracker.require(requestId);
    if (req.completed) return req.view(this.clock.now());
    await this.router.cancel(req, reason);
    return this.tracker.wait(req, { maxWaitMs: this.opts.cancelWaitMs ?? 5_000 });
  }

  async readOutput(requestId: string, options: OutputReadOptions): Promise<OutputReadResult> {
    const target = this.tracker.require(requestId);
    const params: Record<string, unknown> = { targetRequestId: requestId, stream: options.stream };
    if (options.offset !== undefined) params.offset = options.offset;
    if (options.length !== undefined) params.length = options.length;
    if (options.tailLines !== undefined) params.tailLines = options.tailLines;
    const view = await this.submitAndWait(target.executorId, 'output.read', params, 'return the stored output');
    const parsed = OutputReadResultSchema.safeParse(view.result);
    if (!parsed.success) {
      throw new RemoteAgentError(ErrorCode.Internal, `executor ${target.executorId} answered output.read with a malformed result`);
    }
    return parsed.data;
  }

  probe(): Promise<void> {
    return this.discovery.probe();
  }

  waitForExecutor(executorId: string, timeoutMs: number): Promise<ExecutorView | null> {
    const current = this.inventory.get(executorId);
    if (current?.status === 'online') return Promise.resolve(current);
    return new Promise((resolve) => {
      const finish = (view: ExecutorView | null): void => {
        timer.cancel();
        off();
        resolve(view);
      };
      const off = this.inventory.on('status', (change) => {
        if (change.executorId === executorId && change.to === 'online') finish(this.inventory.get(executorId) ?? null);
      });
      const timer = this.clock.setTimeout(() => finish(null), timeoutMs);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.discovery.stop();
    for (const off of this.detach.splice(0)) off();
    this.inventory.close();
    this.tracker.close();
    this.flushCompletions();
    this.bus.close();
    await this.opts.connection.stop();
  }

  private async submitAndWait(executorId: string, kind: string, params: unknown, what: string): Promise<RequestView> {
    const submitted = this.submit(executorId, kind, params);
    const waitMs = this.opts.controlWaitMs ?? 15_000;
    const view = await this.waitForRequest(submitted.requestId, { maxWaitMs: waitMs });
    if (view.state !== 'completed') {
      throw new RemoteAgentError(
        ErrorCode.TimedOut,
        `executor ${executorId} did not ${what} within ${Math.round(waitMs / 1000)} s; it may be busy or unreachable. Check its status and try again.`,
      );
    }
    if (!view.ok) {
      throw view.error
        ? RemoteAgentError.fromInfo(view.error)
        : new RemoteAgentError(ErrorCode.Internal, `executor ${executorId} could not ${what} (outcome ${view.outcome})`);
    }
    return view;
  }

  private onEnvelope(env: Envelope): void {
    switch (env.type) {
      case 'executor.hello':
        if (!this.fromExecutor(env, env.body.info.executorId)) return;
        this.inventory.applyHello(env.body.info);
        this.router.regrant(env.body.info.executorId);
        return;
      case 'executor.heartbeat':
        if (this.fromExecutor(env, env.body.executorId) && this.inventory.applyHeartbeat(env.body).wantsHello) {
          this.discovery.probeSoon();
        }
        return;
      case 'executor.goodbye':
        if (this.fromExecutor(env, env.body.executorId)) this.inventory.applyGoodbye(env.body);
        return;
      case 'error':
        this.logger.warn('error reported by peer', { from: `${env.from.role}:${env.from.id}`, code: env.body.code, error: env.body.message });
        return;
      default:
        if (this.channels.deliver(env)) return;
        if (!this.router.handle(env)) this.logger.debug('message ignored', { type: env.type, from: env.from.id });
    }
  }

  /** A presence message counts only when its sender speaks for the executor it names. */
  private fromExecutor(env: Envelope, executorId: string): boolean {
    if (env.from.role === 'executor' && env.from.id === executorId) return true;
    this.logger.warn('presence message with a mismatched sender dropped', {
      type: env.type,
      executorId,
      from: `${env.from.role}:${env.from.id}`,
    });
    return false;
  }

  private restoreJournal(): void {
    const { journal } = this.opts;
    if (!journal) return;
    let completed = 0;
    for (const entry of journal.load()) {
      const req = this.tracker.restore(entry);
      if (req.completed) completed += 1;
      else this.unconfirmed.add(req);
    }
    this.logger.info('requests restored from the journal', { completed, inFlight: this.unconfirmed.size });
  }

  /** A request the journal cannot record still runs: only its survival across a restart is lost. */
  private journalSubmitted(req: TrackedRequest): void {
    try {
      this.opts.journal?.recordSubmitted({ requestId: req.requestId, executorId: req.executorId, kind: req.kind, createdAt: req.createdAt });
    } catch (err) {
      this.logger.warn('request could not be recorded in the journal', { requestId: req.requestId, error: err });
    }
  }

  /**
   * Journals a completion once the current turn is done, so that the disk does not sit between a result
   * and the reply that carries it (SQLite took 0.2 ms of an `echo`'s round trip on the bench's VM). A
   * crash in between leaves the request in flight in the journal: at the next start its executor is asked.
   */
  private journalCompleted(req: TrackedRequest): void {
    this.unjournaled.push(req.view(this.clock.now()));
    if (this.unjournaled.length === 1) setImmediate(() => this.flushCompletions());
  }

  private flushCompletions(): void {
    for (const view of this.unjournaled.splice(0)) {
      try {
        this.opts.journal?.recordCompleted(view);
      } catch (err) {
        this.logger.warn('request completion could not be recorded', { requestId: view.requestId, error: err });
      }
    }
  }

  /** Requests restored in flight are asked about once their executor is back, since their replies went to the previous run. */
  private queryUnconfirmed(executorId: string): void {
    for (const req of this.tracker.inFlightOn(executorId)) {
      if (!this.unconfirmed.delete(req)) continue;
      void this.router.query(req);
    }
  }

  private onStatus(executorId: string, from: string | null, to: string): void {
    this.logger.info('executor status changed', { executorId, from: from ?? 'new', to });
    if (to === 'online') this.queryUnconfirmed(executorId);
    if (to !== 'offline') return;
    const now = this.clock.now();
    for (const req of this.tracker.inFlightOn(executorId)) {
      req.completeLocally('lost', now, {
        code: ErrorCode.Lost,
        message:
          `executor ${executorId} went offline while request ${req.requestId} was ${req.state}, so its outcome is unknown. ` +
          'Check that ra-exec is running on that machine, then run the request again if it is still needed.',
      });
    }
  }

  private onRestart(executorId: string, previousBootId: string, bootId: string): void {
    const inFlight = this.tracker.inFlightOn(executorId);
    this.logger.info('executor restarted', { executorId, previousBootId, bootId, inFlight: inFlight.length });
    for (const req of inFlight) void this.router.query(req);
  }

  /** After a reconnect on a new relay connection, messages may have been missed: ask again. */
  private resync(): void {
    if (this.closed) return;
    const inFlight = this.tracker.inFlight();
    this.logger.info('relay reconnected; refreshing inventory and requests', { inFlight: inFlight.length });
    void this.discovery.probe();
    for (const req of inFlight) void this.queryIfSent(req);
    this.channels.reconnected();
  }

  private async queryIfSent(req: TrackedRequest): Promise<void> {
    if (req.state !== 'queued') await this.router.query(req);
  }

  private unknownExecutor(executorId: string): RemoteAgentError {
    const ids = this.inventory.ids().sort();
    const known =
      ids.length === 0
        ? 'no executor has announced itself yet: start ra-exec on a machine with this relay, then list executors'
        : ids.length <= MAX_IDS_IN_ERROR
          ? `known executors: ${ids.join(', ')}`
          : `${ids.length} executors are known; list or find executors to see their ids`;
    return new RemoteAgentError(ErrorCode.UnknownExecutor, `unknown executor "${executorId}"; ${known}`);
  }
}

const KNOWN_PARAMS = { ...CoreRequestParams, ...FsRequestParams, ...ArtifactRequestParams };

/** Kinds defined in contracts are checked here so a bad call fails at once, with what to fix. */
function checkParams(kind: string, params: unknown): unknown {
  if (kind.length === 0 || kind.length > 64) {
    throw new RemoteAgentError(ErrorCode.BadRequest, 'request kind must be 1-64 characters, such as "run"');
  }
  const schema = Object.hasOwn(KNOWN_PARAMS, kind) ? KNOWN_PARAMS[kind as keyof typeof KNOWN_PARAMS] : undefined;
  if (!schema) return params;
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new RemoteAgentError(ErrorCode.BadRequest, `invalid ${kind} parameters: ${where}${issue?.message ?? 'unknown problem'}`);
}

/**
 * Creates the daemon's core on a relay connection: joins `ra.presence` and its own `ra.daemon.<id>`
 * group, probes for executors, and routes requests. Resolves once connected and the first probe is out.
 */
export async function createDaemonCore(options: DaemonCoreOptions): Promise<LocalDaemonCore> {
  if (!isValidId(options.daemonId)) {
    throw new RemoteAgentError(ErrorCode.InvalidConfig, `daemon id "${options.daemonId}" is invalid: it must be ${ID_RULE}`);
  }
  const core = new Core(options);
  try {
    await core.start();
  } catch (err) {
    await core.close().catch(() => undefined);
    throw err;
  }
  return core;
}
