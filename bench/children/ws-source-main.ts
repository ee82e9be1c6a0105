import { spawn } from 'node:child_process';
import { WebSocket } from 'ws';

/**
 * The sending end of the raw WebSocket pipe baseline: on each "go" from the benchmark it runs the output
 * command and forwards its stdout as binary frames over one loopback WebSocket, then says "end". No
 * envelopes, no relay, no flow control beyond the socket's own buffer: the transport's ceiling. With
 * BENCH_WS_ZERO_MASK=1 its frames skip masking as remote-agent's own client sockets do
 * (packages/transport/src/sdk-socket.ts); otherwise it keeps ws's default random masks.
 */
const url = process.env.BENCH_WS_URL;
const command = process.env.BENCH_WS_COMMAND;
if (url === undefined || command === undefined) {
  process.stderr.write('ws-source-main: BENCH_WS_URL and BENCH_WS_COMMAND are set by the benchmark; run npm run bench\n');
  process.exit(2);
}
const { file, args } = JSON.parse(command) as { file: string; args: string[] };
const HIGH_WATER = 4 * 1024 * 1024;

const zeroMask = process.env.BENCH_WS_ZERO_MASK === '1';
const ws = new WebSocket(url, { perMessageDeflate: false, ...(zeroMask ? { generateMask: (mask: Buffer) => mask.fill(0) } : {}) });
ws.on('error', (err) => {
  process.stderr.write(`ws-source-main: ${err.message}\n`);
  process.exit(1);
});
ws.on('close', () => process.exit(0));
ws.on('message', (data, isBinary) => {
  if (isBinary || data.toString() !== 'go') return;
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
  let paused = false;
  child.stdout.on('data', (chunk: Buffer) => {
    ws.send(chunk, { binary: true }, () => {
      if (paused && ws.bufferedAmount < HIGH_WATER / 4) {
        paused = false;
        child.stdout.resume();
      }
    });
    if (ws.bufferedAmount > HIGH_WATER) {
      paused = true;
      child.stdout.pause();
    }
  });
  child.once('close', (code) => ws.send(`end ${code ?? 'signal'}`));
});
