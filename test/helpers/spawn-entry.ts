import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from the built test output (test/dist/helpers). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export function entry(relative: string): string {
  return join(repoRoot, relative);
}

/** A built entry point started as a real process, with its stderr lines kept for waiting and diagnosis. */
export class EntryProcess {
  readonly lines: string[] = [];
  readonly stdout: string[] = [];
  private waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const onLine = (sink: string[]) => {
      let rest = '';
      return (chunk: Buffer) => {
        rest += chunk.toString('utf8');
        const parts = rest.split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          sink.push(line);
          this.waiters = this.waiters.filter((w) => {
            if (!w.re.test(line)) return true;
            w.resolve(line);
            return false;
          });
        }
      };
    };
    child.stderr?.on('data', onLine(this.lines));
    child.stdout?.on('data', onLine(this.stdout));
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  /** Resolves with the first stderr or stdout line (already seen or to come) matching `re`. */
  waitForLine(re: RegExp, timeoutMs = 15_000): Promise<string> {
    const seen = [...this.lines, ...this.stdout].find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.name}: no line matching ${re} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-15).join('\n')}`));
      }, timeoutMs);
      this.waiters.push({
        re,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }
}

export function startEntry(name: string, relative: string, env: Record<string, string>, args: string[] = []): EntryProcess {
  const child = spawn(process.execPath, [entry(relative), ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new EntryProcess(name, child);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** A connection string for a loopback relay with a key made for this run only (never a fixture). */
export function loopbackConnectionString(port: number): string {
  return `Endpoint=http://127.0.0.1;Port=${port};AccessKey=${randomBytes(32).toString('base64')};Version=1.0;`;
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `ra-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Polls `probe` until it returns a truthy value; for conditions that have no event to wait on across processes. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
