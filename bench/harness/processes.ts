import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { profileArgs, type BenchContext } from './context.js';

/** Output lines kept per process, for waiting on them and for the message when something fails. */
const KEPT_LINES = 400;
const KILL_AFTER_MS = 5_000;

/**
 * Variables a child needs to run at all on each platform, plus NODE_OPTIONS so that an experiment (say
 * `--import` of a patch) reaches every process; nothing else of the bench's environment leaks in.
 */
export function baseEnv(): Record<string, string> {
  const names = ['PATH', 'Path', 'HOME', 'USERPROFILE', 'SystemRoot', 'ComSpec', 'TEMP', 'TMP', 'TMPDIR', 'LANG', 'NODE_OPTIONS'];
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.HOME ??= tmpdir();
  return env;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A Node.js process the benchmark started: its output lines, a wait for a line, and a bounded stop. */
export class ManagedProcess {
  readonly exited: Promise<ExitInfo>;
  private readonly kept: string[] = [];
  private seen = 0;
  private waiters: Array<{ re: RegExp; resolve: (line: string) => void; reject: (err: Error) => void }> = [];
  private exit: ExitInfo | null = null;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', this.lineReader());
    child.stderr?.on('data', this.lineReader());
    this.exited = once(child, 'exit').then(([code, signal]) => {
      this.exit = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      const err = new Error(`${this.name} exited (${this.describeExit()}) while the benchmark waited for it; last lines:\n${this.tail()}`);
      for (const w of this.waiters.splice(0)) w.reject(err);
      return this.exit;
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === null;
  }

  lines(): readonly string[] {
    return this.kept;
  }

  /** Lines printed so far, kept or not; a mark for `linesSince`. */
  get lineCount(): number {
    return this.seen;
  }

  /** The kept lines printed after `mark` (a former `lineCount`). */
  linesSince(mark: number): string[] {
    const fresh = this.seen - mark;
    return fresh <= 0 ? [] : this.kept.slice(-Math.min(fresh, this.kept.length));
  }

  tail(count = 20): string {
    return this.kept.slice(-count).join('\n');
  }

  /** Resolves with the first output line (seen or to come) that matches; rejects on exit or timeout. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.kept.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.exit !== null) return Promise.reject(new Error(`${this.name} has exited (${this.describeExit()}); last lines:\n${this.tail()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.name} printed no line matching ${re} within ${timeoutMs} ms; last lines:\n${this.tail()}`));
      }, timeoutMs);
      const waiter = {
        re,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** SIGTERM, then SIGKILL if it is still there after a grace period. */
  async stop(): Promise<ExitInfo> {
    if (this.exit !== null) return this.exit;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(killer);
    }
  }

  private describeExit(): string {
    if (this.exit === null) return 'running';
    return this.exit.signal !== null ? `signal ${this.exit.signal}` : `code ${this.exit.code}`;
  }

  private lineReader(): (chunk: Buffer) => void {
    let rest = '';
    return (chunk) => {
      rest += chunk.toString('utf8');
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) this.onLine(line);
    };
  }

  private onLine(line: string): void {
    this.seen++;
    this.kept.push(line);
    if (this.kept.length > KEPT_LINES) this.kept.splice(0, this.kept.length - KEPT_LINES);
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      if (!w.re.test(line)) return true;
      w.resolve(line);
      return false;
    });
  }
}

export interface StartOptions {
  name: string;
  script: string;
  env: Record<string, string>;
  args?: string[];
  /** Node.js and V8 flags before the script. */
  nodeArgs?: readonly string[];
  /** An IPC channel (fork), for the benchmark's own children. */
  ipc?: boolean;
}

/**
 * Starts `node <script>` (profiled when the run asks for it); the cleanup stops it if the caller has not
 * stopped it before.
 */
export function startNode(ctx: BenchContext, opts: StartOptions): ManagedProcess {
  const args = opts.args ?? [];
  const nodeArgs = [...(opts.nodeArgs ?? []), ...profileArgs(ctx, opts.name)];
  const child = opts.ipc
    ? fork(opts.script, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: nodeArgs })
    : spawn(process.execPath, [...nodeArgs, opts.script, ...args], { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new ManagedProcess(opts.name, child);
  const undo = ctx.cleanup.add(`stop ${opts.name}`, async () => void (await proc.stop()));
  void proc.exited.then(() => undo());
  return proc;
}
