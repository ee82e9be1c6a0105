import type { ChildProcess } from 'node:child_process';

/**
 * Typed calls from the benchmark to its own child processes over Node's IPC channel. A method map
 * names each call's params and result; both sides are compiled from the same map.
 */
export type RpcMethods<M> = { [K in keyof M]: { params: unknown; result: unknown } };

interface CallMessage {
  kind: 'call';
  id: number;
  method: string;
  params: unknown;
}

type ReplyMessage = { kind: 'reply'; id: number; ok: true; result: unknown } | { kind: 'reply'; id: number; ok: false; error: string };

interface ReadyMessage {
  kind: 'ready';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export class RpcClient<M extends RpcMethods<M>> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly ready: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    private readonly name: string,
    readyTimeoutMs: number,
  ) {
    let markReady: () => void = () => {};
    let failReady: (err: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    const readyTimer = setTimeout(() => failReady(new Error(`${name} did not start within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    child.on('message', (msg: unknown) => {
      if (!isRecord(msg)) return;
      if (msg.kind === 'ready') {
        clearTimeout(readyTimer);
        markReady();
        return;
      }
      if (msg.kind !== 'reply' || typeof msg.id !== 'number') return;
      const reply = msg as ReplyMessage;
      const entry = this.pending.get(reply.id);
      if (!entry) return;
      this.pending.delete(reply.id);
      clearTimeout(entry.timer);
      if (reply.ok) entry.resolve(reply.result);
      else entry.reject(new Error(`${name}: ${reply.error}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(readyTimer);
      const err = new Error(`${name} exited (${signal ?? `code ${code}`}) with calls outstanding`);
      failReady(err);
      for (const entry of this.pending.values()) {
        clearTimeout(entry.timer);
        entry.reject(err);
      }
      this.pending.clear();
    });
  }

  call<K extends keyof M & string>(method: K, params: M[K]['params'], timeoutMs: number): Promise<M[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${method} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: (v) => resolve(v as M[K]['result']), reject, timer });
      const msg: CallMessage = { kind: 'call', id, method, params };
      this.child.send(msg);
    });
  }
}

export type RpcHandlers<M extends RpcMethods<M>> = { [K in keyof M]: (params: M[K]['params']) => Promise<M[K]['result']> };

/** Child side: answers calls, then says it is ready. The child exits when the benchmark goes away. */
export function serveRpc<M extends RpcMethods<M>>(handlers: RpcHandlers<M>): void {
  const send = (msg: ReplyMessage | ReadyMessage): void => {
    process.send?.(msg);
  };
  process.on('message', (msg: unknown) => {
    if (!isRecord(msg) || msg.kind !== 'call' || typeof msg.id !== 'number' || typeof msg.method !== 'string') return;
    const { id, method, params } = msg as unknown as CallMessage;
    const handler = Object.hasOwn(handlers, method) ? handlers[method as keyof M] : undefined;
    if (!handler) {
      send({ kind: 'reply', id, ok: false, error: `unknown method ${method}` });
      return;
    }
    handler(params as M[keyof M]['params']).then(
      (result) => send({ kind: 'reply', id, ok: true, result }),
      (err: unknown) => send({ kind: 'reply', id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  // An orderly exit on SIGTERM lets --cpu-prof write its profile.
  process.once('SIGTERM', () => process.exit(0));
  send({ kind: 'ready' });
}
