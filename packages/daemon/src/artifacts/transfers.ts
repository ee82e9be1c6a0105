import {
  ArtifactResultSchema,
  ErrorCode,
  RemoteAgentError,
  toErrorInfo,
  type ArtifactResult,
  type ArtifactType,
  type ErrorInfo,
  type TransferDirection,
} from '@remote-agent/contracts';
import { openArtifactSource, StagedArtifact, type ArchiveTally } from '@remote-agent/transfer';
import {
  DataReceiver,
  DataSender,
  type Clock,
  type DataChannel,
  type DataProgress,
  type DataSummary,
  type Logger,
} from '@remote-agent/transport';
import type { RequestView, WaitOptions } from '../core-api.js';
import type { ArtifactTransfers, DownloadRequest, TransferView, TransferWaitOptions, UploadRequest } from './api.js';
import { localFsError } from './local-errors.js';
import type { ArtifactRoots } from './roots.js';

export interface ArtifactServiceDeps {
  roots: ArtifactRoots;
  submit(executorId: string, kind: string, params: unknown): RequestView;
  /** The request's byte stream; opened right after submit, before any reply can arrive. */
  openChannel(requestId: string): DataChannel & { close(): void };
  waitForRequest(requestId: string, options: WaitOptions): Promise<RequestView>;
  cancel(requestId: string, reason: string): Promise<RequestView>;
  clock: Clock;
  logger: Logger;
  /** Stream timing; tests shorten it. */
  stream?: { stallMs?: number; idleTimeoutMs?: number };
  /** Completed transfers remembered for artifact.status. */
  retain?: number;
}

/** Longest a timer may be; a transfer has no deadline of its own (its streams time out when idle). */
const UNTIL_COMPLETED_MS = 2 ** 31 - 1;
const DEFAULT_RETAIN = 1000;

interface LocalOutcome {
  summary: DataSummary | null;
  /** Set when the daemon's side failed on its own (not stopped because the request ended). */
  error: ErrorInfo | null;
}

/** One transfer: the executor's request and the daemon's end of its byte stream, reported as one. */
class Transfer {
  readonly createdAt: number;
  readonly stop = new AbortController();
  request: RequestView;
  progress: DataProgress;
  type: ArtifactType | null;
  remotePath: string;
  completion: { at: number; ok: boolean; outcome: TransferView['outcome']; error: ErrorInfo | null } | null = null;
  remote: ArtifactResult | null = null;
  local: { summary: DataSummary; tally: ArchiveTally } | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly direction: TransferDirection,
    readonly localPath: string,
    request: RequestView,
    remotePath: string,
    type: ArtifactType | null,
    total: number | null,
  ) {
    this.request = request;
    this.createdAt = request.createdAt;
    this.remotePath = remotePath;
    this.type = type;
    this.progress = { bytes: 0, wireBytes: 0, total, resumes: 0, resumedAt: [] };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  view(now: number): TransferView {
    const c = this.completion;
    // What was put in place: unpacked here for a download, on the executor for an upload.
    const content = this.direction === 'download' ? (this.local?.tally ?? null) : (this.remote ?? this.local?.tally ?? null);
    const bytes = this.local?.summary.size ?? this.remote?.bytes ?? null;
    const durationMs = c ? c.at - this.createdAt : now - this.createdAt;
    const view: TransferView = {
      requestId: this.request.requestId,
      executorId: this.request.executorId,
      direction: this.direction,
      status: c ? 'completed' : this.request.state === 'completed' ? 'running' : this.request.state,
      outcome: c?.outcome ?? null,
      ok: c?.ok ?? null,
      localPath: this.localPath,
      remotePath: this.remotePath,
      type: this.type,
      totalBytes: this.progress.total ?? bytes,
      transferredBytes: this.progress.bytes,
      wireBytes: this.progress.wireBytes,
      resumes: this.progress.resumes,
      resumedAt: this.progress.resumedAt,
      sha256: this.local?.summary.sha256 ?? this.remote?.sha256 ?? null,
      files: content?.files ?? null,
      directories: content?.directories ?? null,
      fileBytes: content?.fileBytes ?? null,
      durationMs,
      megabytesPerSecond: c?.ok && bytes !== null && durationMs > 0 ? Math.round((bytes / durationMs / 1000) * 100) / 100 : null,
      createdAt: this.createdAt,
      completedAt: c?.at ?? null,
    };
    if (content && content.skippedCount > 0) view.skipped = content.skipped;
    if (c?.error) view.error = c.error;
    return view;
  }
}

function remoteName(remotePath: string): string {
  const name = remotePath.split(/[\\/]+/).filter((part) => part !== '').pop();
  if (name === undefined || name === '.' || name === '..' || /^[a-zA-Z]:$/.test(name)) {
    throw new RemoteAgentError(
      ErrorCode.BadRequest,
      `cannot name the local copy of ${remotePath} after it: pass localPath, the full path it should get on the daemon's machine`,
    );
  }
  return name;
}

/**
 * Runs artifact transfers: the daemon's end of each byte stream (a DataSender for uploads, a DataReceiver
 * writing into the artifact roots for downloads) beside the executor's request, and the one report of both.
 */
export class ArtifactTransferService implements ArtifactTransfers {
  private readonly transfers = new Map<string, Transfer>();
  private readonly completed = new Map<string, true>();

  constructor(private readonly deps: ArtifactServiceDeps) {}

  get roots(): readonly string[] {
    return this.deps.roots.roots;
  }

  async upload(request: UploadRequest): Promise<TransferView> {
    const local = await this.deps.roots.forReading(request.localPath);
    const source = await openArtifactSource(local.real, { errorFor: localFsError });
    const params: Record<string, unknown> = {
      path: request.remotePath,
      type: source.type,
      overwrite: request.overwrite,
      createDirs: request.createDirs,
    };
    if (source.source.total !== undefined) params.size = source.source.total;
    if (source.mode !== null) params.fileMode = source.mode.toString(8).padStart(4, '0');
    const submitted = this.deps.submit(request.executorId, 'artifact.upload', params);
    const channel = this.deps.openChannel(submitted.requestId);
    const transfer = this.track(new Transfer('upload', local.path, submitted, request.remotePath, source.type, source.source.total ?? null));
    const sender = new DataSender({
      channel,
      source: source.source,
      clock: this.deps.clock,
      signal: transfer.stop.signal,
      logger: this.deps.logger.child({ requestId: submitted.requestId }),
      onProgress: (progress) => this.onProgress(transfer, progress),
      ...this.deps.stream,
    });
    const running = sender.run().then((summary) => ({ summary, tally: source.tally() }));
    void this.drive(transfer, running, channel, async () => undefined);
    return transfer.view(this.deps.clock.now());
  }

  async download(request: DownloadRequest): Promise<TransferView> {
    const local = await this.deps.roots.forWriting(request.localPath ?? remoteName(request.remotePath));
    const staged = await StagedArtifact.create(local.real, { overwrite: request.overwrite, createDirs: request.createDirs, errorFor: localFsError });
    let submitted: RequestView;
    try {
      submitted = this.deps.submit(request.executorId, 'artifact.download', { path: request.remotePath });
    } catch (err) {
      await staged.discard();
      throw err;
    }
    const channel = this.deps.openChannel(submitted.requestId);
    const transfer = this.track(new Transfer('download', local.path, submitted, request.remotePath, null, null));
    const receiver = new DataReceiver({
      channel,
      sink: staged,
      clock: this.deps.clock,
      signal: transfer.stop.signal,
      logger: this.deps.logger.child({ requestId: submitted.requestId }),
      onProgress: (progress) => this.onProgress(transfer, progress),
      ...(this.deps.stream?.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: this.deps.stream.idleTimeoutMs }),
    });
    const running = receiver.run().then((summary) => {
      const { type, ...tally } = staged.content();
      transfer.type = type;
      return { summary, tally };
    });
    void this.drive(transfer, running, channel, async (ok) => {
      receiver.close();
      if (!ok) await staged.discard();
    });
    return transfer.view(this.deps.clock.now());
  }

  get(requestId: string): TransferView {
    return this.require(requestId).view(this.deps.clock.now());
  }

  wait(requestId: string, options: TransferWaitOptions): Promise<TransferView> {
    const transfer = this.require(requestId);
    const now = (): TransferView => transfer.view(this.deps.clock.now());
    if (transfer.completion || options.signal?.aborted) return Promise.resolve(now());
    return new Promise((resolve) => {
      const finish = (): void => {
        timer.cancel();
        off();
        options.signal?.removeEventListener('abort', finish);
        resolve(now());
      };
      const off = transfer.onChange(() => {
        if (transfer.completion) finish();
        else options.onProgress?.(now());
      });
      const timer = this.deps.clock.setTimeout(finish, Math.max(0, options.maxWaitMs));
      options.signal?.addEventListener('abort', finish, { once: true });
    });
  }

  private require(requestId: string): Transfer {
    const transfer = this.transfers.get(requestId);
    if (!transfer) {
      throw new RemoteAgentError(
        ErrorCode.UnknownRequest,
        `no artifact transfer with request id "${requestId}": pass the requestId that artifact_upload or artifact_download ` +
          'returned (the daemon forgets transfers after a restart and keeps only the latest ones)',
      );
    }
    return transfer;
  }

  private track(transfer: Transfer): Transfer {
    this.transfers.set(transfer.request.requestId, transfer);
    return transfer;
  }

  private onProgress(transfer: Transfer, progress: DataProgress): void {
    transfer.progress = { ...progress, total: progress.total ?? transfer.progress.total };
    transfer.changed();
  }

  /**
   * Follows the request and the local stream until both are over. Whichever fails first stops the other:
   * a request that ends (done, failed, cancelled, lost) stops the local stream, and a local failure cancels
   * the request, so neither side keeps waiting for a peer that gave up.
   */
  private async drive(
    transfer: Transfer,
    running: Promise<{ summary: DataSummary; tally: ArchiveTally }>,
    channel: DataChannel & { close(): void },
    cleanup: (ok: boolean) => Promise<void>,
  ): Promise<void> {
    const { requestId } = transfer.request;
    let requestEnded = false;
    const requestDone = this.deps
      .waitForRequest(requestId, {
        maxWaitMs: UNTIL_COMPLETED_MS,
        onProgress: (view) => {
          transfer.request = view;
          transfer.changed();
        },
      })
      .then((view) => {
        requestEnded = true;
        transfer.request = view;
        transfer.stop.abort(new RemoteAgentError(ErrorCode.Cancelled, `request ${requestId} ended (${view.outcome ?? view.state})`));
        return view;
      });
    const local: LocalOutcome = await running.then(
      (done) => {
        transfer.local = done;
        return { summary: done.summary, error: null };
      },
      (err: unknown) => ({ summary: null, error: requestEnded ? null : toErrorInfo(err) }),
    );
    if (local.error) {
      this.deps.logger.warn('artifact transfer failed on the daemon side; cancelling the request', { requestId, error: local.error.message });
      void this.deps.cancel(requestId, `the daemon's side of the transfer failed: ${local.error.message}`).catch(() => undefined);
    }
    const request = await requestDone;
    const parsed = ArtifactResultSchema.safeParse(request.result);
    if (parsed.success) {
      transfer.remote = parsed.data;
      transfer.remotePath = parsed.data.path;
      transfer.type ??= parsed.data.type;
    }
    const completion = this.judge(transfer, request, local);
    channel.close();
    await cleanup(completion.ok).catch((err: unknown) => this.deps.logger.warn('artifact cleanup failed', { requestId, error: err }));
    transfer.completion = { at: this.deps.clock.now(), ...completion };
    this.deps.logger.info('artifact transfer completed', {
      requestId,
      direction: transfer.direction,
      ok: completion.ok,
      outcome: completion.outcome,
      bytes: transfer.local?.summary.size ?? transfer.remote?.bytes,
      resumes: transfer.progress.resumes,
    });
    this.retire(requestId);
    transfer.changed();
  }

  private judge(
    transfer: Transfer,
    request: RequestView,
    local: LocalOutcome,
  ): { ok: boolean; outcome: TransferView['outcome']; error: ErrorInfo | null } {
    if (local.error) return { ok: false, outcome: 'failed', error: local.error };
    if (request.state !== 'completed') {
      return {
        ok: false,
        outcome: 'failed',
        error: { code: ErrorCode.NotConnected, message: 'the daemon stopped before the transfer completed; start it again' },
      };
    }
    const bothSides = transfer.direction === 'upload' || local.summary !== null;
    if (request.ok === true && !bothSides) {
      return {
        ok: false,
        outcome: 'failed',
        error: { code: ErrorCode.Internal, message: 'the executor finished sending but the daemon did not verify the data; start the transfer again' },
      };
    }
    if (request.ok === true && transfer.remote && local.summary && transfer.remote.sha256 !== local.summary.sha256) {
      return {
        ok: false,
        outcome: 'failed',
        error: { code: ErrorCode.Conflict, message: `the two sides disagree on the sha256 (${transfer.remote.sha256} vs ${local.summary.sha256}); start the transfer again` },
      };
    }
    return { ok: request.ok === true, outcome: request.outcome, error: request.error ?? null };
  }

  private retire(requestId: string): void {
    this.completed.set(requestId, true);
    const retain = this.deps.retain ?? DEFAULT_RETAIN;
    while (this.completed.size > retain) {
      const oldest = this.completed.keys().next().value as string;
      this.completed.delete(oldest);
      this.transfers.delete(oldest);
    }
  }
}
