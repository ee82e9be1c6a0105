import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { STREAMING_HEAP_FLAGS } from '@remote-agent/transport/streaming-heap';
import type { BenchContext } from '../harness/context.js';
import { benchChild } from '../harness/paths.js';
import { baseEnv, startNode } from '../harness/processes.js';
import type { OutputCommand } from '../harness/output-command.js';

export interface PipeRun {
  bytes: number;
  ms: number;
}

export interface WsPipe {
  /** The sending process. */
  readonly sourcePid: number;
  /** One run of the output command through the pipe; resolves once its last byte has arrived. */
  run(timeoutMs: number): Promise<PipeRun>;
  close(): Promise<void>;
}

/**
 * The throughput ceiling: the output command's stdout carried from a child process to this one over a
 * plain loopback WebSocket, received where the daemon receives a run's output.
 */
export async function startWsPipe(ctx: BenchContext, output: OutputCommand, opts: { masked: boolean }): Promise<WsPipe> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
  await once(server, 'listening');
  const closeServer = ctx.cleanup.add('close raw WebSocket server', () => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  const connected = once(server, 'connection') as Promise<[WebSocket]>;
  const source = startNode(ctx, {
    name: opts.masked ? 'ws-source-masked' : 'ws-source',
    script: benchChild('ws-source-main'),
    // The same heap flags as our processes, so that the ceiling is not lowered by V8 settings we chose not to give it.
    nodeArgs: STREAMING_HEAP_FLAGS,
    env: {
      ...baseEnv(),
      BENCH_WS_URL: `ws://127.0.0.1:${port}`,
      BENCH_WS_COMMAND: JSON.stringify({ file: output.file, args: output.args }),
      BENCH_WS_ZERO_MASK: opts.masked ? '0' : '1',
    },
  });
  const [socket] = await Promise.race([connected, source.exited.then(() => Promise.reject(new Error(`ws-source exited: ${source.tail()}`)))]);
  socket.on('error', (err) => ctx.log(`raw WebSocket pipe: ${err.message}`));

  return {
    sourcePid: source.pid,
    run(timeoutMs) {
      return new Promise<PipeRun>((resolve, reject) => {
        let bytes = 0;
        const start = performance.now();
        const timer = setTimeout(() => finish(new Error(`raw WebSocket pipe did not finish within ${timeoutMs} ms (${bytes} bytes so far)`)), timeoutMs);
        const onMessage = (data: Buffer, isBinary: boolean): void => {
          if (isBinary) {
            bytes += data.length;
            return;
          }
          const text = data.toString();
          if (text.startsWith('end')) finish(text === 'end 0' ? null : new Error(`output command failed in the pipe: ${text}`));
        };
        const finish = (err: Error | null): void => {
          clearTimeout(timer);
          socket.off('message', onMessage);
          if (err) reject(err);
          else resolve({ bytes, ms: performance.now() - start });
        };
        socket.on('message', onMessage);
        socket.send('go');
      });
    },
    async close() {
      socket.close();
      await source.stop();
      await closeServer();
    },
  };
}
