import type { BodyOf, ExecutorInfo } from '@remote-agent/contracts';
import { Listeners, type Clock, type TimerHandle } from '@remote-agent/transport';
import type { ExecutorQuery, ExecutorStatus, ExecutorView } from './core-api.js';

export interface InventoryOptions {
  clock: Clock;
  suspectAfterMs: number;
  offlineAfterMs: number;
  onListenerError?: (err: unknown) => void;
}

export interface StatusChange {
  executorId: string;
  from: ExecutorStatus | null;
  to: ExecutorStatus;
}

export interface RestartEvent {
  executorId: string;
  previousBootId: string;
  bootId: string;
}

export interface InventoryEvents {
  status: (change: StatusChange) => void;
  /** A new bootId: the executor process restarted and may have lost what it was running. */
  restarted: (event: RestartEvent) => void;
}

/** What a heartbeat told us beyond liveness. */
export interface HeartbeatOutcome {
  /** The daemon holds no info for this executor, or an older instruction: a probe would bring a fresh hello. */
  wantsHello: boolean;
}

interface Entry {
  info: ExecutorInfo;
  status: ExecutorStatus;
  firstSeenAt: number;
  lastSeenAt: number;
  timer: TimerHandle | null;
}

/**
 * The executors this daemon knows, keyed by id. Liveness is a per-executor timer reset on every
 * sign of life (online -> suspect -> offline), so a message costs O(1) and nothing scans the map.
 */
export class Inventory {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: Listeners<InventoryEvents>;

  constructor(private readonly opts: InventoryOptions) {
    this.listeners = new Listeners<InventoryEvents>(opts.onListenerError);
  }

  on<E extends keyof InventoryEvents>(event: E, listener: InventoryEvents[E]): () => void {
    return this.listeners.on(event, listener);
  }

  applyHello(info: ExecutorInfo): void {
    const now = this.opts.clock.now();
    const entry = this.entries.get(info.executorId);
    if (!entry) {
      this.entries.set(info.executorId, { info, status: 'online', firstSeenAt: now, lastSeenAt: now, timer: null });
      this.arm(info.executorId);
      this.listeners.emit('status', { executorId: info.executorId, from: null, to: 'online' });
      return;
    }
    const previousBootId = entry.info.bootId;
    entry.info = info;
    this.seen(info.executorId, entry, now);
    if (previousBootId !== info.bootId) {
      this.listeners.emit('restarted', { executorId: info.executorId, previousBootId, bootId: info.bootId });
    }
  }

  applyHeartbeat(body: BodyOf<'executor.heartbeat'>): HeartbeatOutcome {
    const entry = this.entries.get(body.executorId);
    if (!entry) return { wantsHello: true };
    const previousBootId = entry.info.bootId;
    entry.info = { ...entry.info, bootId: body.bootId, running: body.running, queued: body.queued };
    this.seen(body.executorId, entry, this.opts.clock.now());
    if (previousBootId !== body.bootId) {
      this.listeners.emit('restarted', { executorId: body.executorId, previousBootId, bootId: body.bootId });
      return { wantsHello: true };
    }
    return { wantsHello: body.instructionUpdatedAt !== entry.info.instructionUpdatedAt };
  }

  applyGoodbye(body: BodyOf<'executor.goodbye'>): void {
    const entry = this.entries.get(body.executorId);
    // A goodbye from an older process must not take down the one that replaced it.
    if (!entry || entry.info.bootId !== body.bootId) return;
    entry.timer?.cancel();
    entry.timer = null;
    entry.lastSeenAt = this.opts.clock.now();
    this.setStatus(body.executorId, entry, 'offline');
  }

  /** Records what an executor reported after an instruction change, ahead of its next hello. */
  updateInstruction(executorId: string, instruction: string, instructionUpdatedAt: number): void {
    const entry = this.entries.get(executorId);
    if (entry) entry.info = { ...entry.info, instruction, instructionUpdatedAt };
  }

  get(executorId: string): ExecutorView | undefined {
    const entry = this.entries.get(executorId);
    return entry ? toView(entry) : undefined;
  }

  status(executorId: string): ExecutorStatus | undefined {
    return this.entries.get(executorId)?.status;
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  list(query: ExecutorQuery = {}): ExecutorView[] {
    const text = query.text?.trim().toLowerCase();
    const tags = Object.entries(query.tags ?? {});
    const statuses = query.status && query.status.length > 0 ? new Set(query.status) : null;
    const out: ExecutorView[] = [];
    for (const entry of this.entries.values()) {
      if (statuses && !statuses.has(entry.status)) continue;
      if (!tags.every(([k, v]) => entry.info.tags[k] === v)) continue;
      if (text && !searchableText(entry.info).includes(text)) continue;
      out.push(toView(entry));
    }
    return out.sort((a, b) => a.executorId.localeCompare(b.executorId));
  }

  counts(): Record<ExecutorStatus, number> {
    const counts: Record<ExecutorStatus, number> = { online: 0, suspect: 0, offline: 0 };
    for (const entry of this.entries.values()) counts[entry.status]++;
    return counts;
  }

  close(): void {
    for (const entry of this.entries.values()) {
      entry.timer?.cancel();
      entry.timer = null;
    }
  }

  private seen(executorId: string, entry: Entry, now: number): void {
    entry.lastSeenAt = now;
    this.setStatus(executorId, entry, 'online');
    this.arm(executorId);
  }

  private arm(executorId: string): void {
    const entry = this.entries.get(executorId);
    if (!entry) return;
    entry.timer?.cancel();
    const { clock, suspectAfterMs, offlineAfterMs } = this.opts;
    entry.timer = clock.setTimeout(() => {
      this.setStatus(executorId, entry, 'suspect');
      entry.timer = clock.setTimeout(() => {
        entry.timer = null;
        this.setStatus(executorId, entry, 'offline');
      }, offlineAfterMs - suspectAfterMs);
    }, suspectAfterMs);
  }

  private setStatus(executorId: string, entry: Entry, to: ExecutorStatus): void {
    const from = entry.status;
    if (from === to) return;
    entry.status = to;
    this.listeners.emit('status', { executorId, from, to });
  }
}

function searchableText(info: ExecutorInfo): string {
  const tags = Object.entries(info.tags).map(([k, v]) => `${k}=${v}`);
  return [info.executorId, info.hostname, info.os, info.platform, info.arch, ...tags, info.instruction]
    .join('\n')
    .toLowerCase();
}

function toView(entry: Entry): ExecutorView {
  return {
    ...entry.info,
    tags: { ...entry.info.tags },
    capabilities: [...entry.info.capabilities],
    status: entry.status,
    firstSeenAt: entry.firstSeenAt,
    lastSeenAt: entry.lastSeenAt,
  };
}
