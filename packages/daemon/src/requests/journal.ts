import { join } from 'node:path';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import type { RequestView } from '../core-api.js';

/** A request as it was when submitted: enough to ask its executor what became of it. */
export interface SubmittedRequest {
  requestId: string;
  executorId: string;
  kind: string;
  createdAt: number;
}

/** One journaled request: `completed` is its final view, or null while it was in flight. */
export interface JournaledRequest extends SubmittedRequest {
  completed: RequestView | null;
}

/**
 * Where the daemon keeps its requests so that a restart loses nothing: every submitted request, and the
 * final view of every completed one (output as the daemon held it, so already capped at DAEMON_OUTPUT_MAX_BYTES).
 */
export interface RequestJournal {
  recordSubmitted(request: SubmittedRequest): void;
  recordCompleted(view: RequestView): void;
  /** Every journaled request, oldest first; completed ones are the newest `retain`. */
  load(): JournaledRequest[];
  close(): void;
}

/** Keeps completed requests by completion order and drops the oldest past `retain`. */
export class InMemoryRequestJournal implements RequestJournal {
  private readonly entries = new Map<string, JournaledRequest>();
  private readonly completedOrder: string[] = [];

  constructor(private readonly retain: number) {}

  recordSubmitted(request: SubmittedRequest): void {
    this.entries.set(request.requestId, { ...request, completed: null });
  }

  recordCompleted(view: RequestView): void {
    const { requestId, executorId, kind, createdAt } = view;
    this.entries.set(requestId, { requestId, executorId, kind, createdAt, completed: structuredClone(view) });
    this.completedOrder.push(requestId);
    while (this.completedOrder.length > this.retain) this.entries.delete(this.completedOrder.shift() as string);
  }

  load(): JournaledRequest[] {
    return [...this.entries.values()].map((e) => structuredClone(e)).sort((a, b) => a.createdAt - b.createdAt);
  }

  close(): void {}
}

/** The part of `node:sqlite` this journal uses, so the module is loaded only when a journal is opened. */
type SqliteModule = typeof import('node:sqlite');
type Database = InstanceType<SqliteModule['DatabaseSync']>;
type Statement = ReturnType<Database['prepare']>;

export const JOURNAL_FILE = 'requests.db';

/**
 * The daemon's journal in `<stateDir>/requests.db` (SQLite, WAL). Writes are synchronous and small: one row
 * per request, written when it is submitted and rewritten when it completes.
 */
export class SqliteRequestJournal implements RequestJournal {
  private readonly insert: Statement;
  private readonly complete: Statement;
  private readonly prune: Statement;
  private readonly selectAll: Statement;
  private completedSeq: number;

  private constructor(
    private readonly db: Database,
    private readonly retain: number,
  ) {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec(
      `CREATE TABLE IF NOT EXISTS requests (
         request_id TEXT PRIMARY KEY,
         executor_id TEXT NOT NULL,
         kind TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         completed_seq INTEGER,
         view TEXT
       )`,
    );
    db.exec('CREATE INDEX IF NOT EXISTS requests_completed_seq ON requests (completed_seq)');
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO requests (request_id, executor_id, kind, created_at) VALUES (?, ?, ?, ?)',
    );
    this.complete = db.prepare(
      `INSERT INTO requests (request_id, executor_id, kind, created_at, completed_seq, view) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (request_id) DO UPDATE SET completed_seq = excluded.completed_seq, view = excluded.view`,
    );
    this.prune = db.prepare('DELETE FROM requests WHERE completed_seq IS NOT NULL AND completed_seq <= ?');
    this.selectAll = db.prepare('SELECT request_id, executor_id, kind, created_at, view FROM requests ORDER BY created_at, rowid');
    const row = db.prepare('SELECT MAX(completed_seq) AS seq FROM requests').get() as { seq: number | null } | undefined;
    this.completedSeq = row?.seq ?? 0;
  }

  /** Opens (creating if needed) the journal in `stateDir`; fails with what to do when the file is unusable. */
  static async open(stateDir: string, retain: number): Promise<SqliteRequestJournal> {
    const file = join(stateDir, JOURNAL_FILE);
    const sqlite: SqliteModule = await import('node:sqlite');
    try {
      return new SqliteRequestJournal(new sqlite.DatabaseSync(file), retain);
    } catch (err) {
      throw new RemoteAgentError(
        ErrorCode.InvalidConfig,
        `cannot open the daemon request journal ${file}: ${(err as Error).message}. ` +
          'Check that DAEMON_STATE_DIR is writable, or move the damaged file away to start with an empty journal.',
      );
    }
  }

  recordSubmitted(request: SubmittedRequest): void {
    this.insert.run(request.requestId, request.executorId, request.kind, request.createdAt);
  }

  recordCompleted(view: RequestView): void {
    this.completedSeq += 1;
    this.complete.run(view.requestId, view.executorId, view.kind, view.createdAt, this.completedSeq, JSON.stringify(view));
    if (this.completedSeq > this.retain) this.prune.run(this.completedSeq - this.retain);
  }

  load(): JournaledRequest[] {
    const rows = this.selectAll.all() as Array<{
      request_id: string;
      executor_id: string;
      kind: string;
      created_at: number;
      view: string | null;
    }>;
    return rows.map((r) => ({
      requestId: r.request_id,
      executorId: r.executor_id,
      kind: r.kind,
      createdAt: Number(r.created_at),
      completed: r.view === null ? null : (JSON.parse(r.view) as RequestView),
    }));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
