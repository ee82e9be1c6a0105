import { tuneHeapForStreaming } from '@remote-agent/transport';
import { runMcpDaemon } from './mcp/cli.js';
import { silenceSqliteExperimentalWarning } from './sqlite-warning.js';

silenceSqliteExperimentalWarning();
tuneHeapForStreaming();

const stopSignal = new Promise<string>((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
});

const code = await runMcpDaemon(
  { argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr, stopSignal },
  'http',
);
// Exit once stdout has drained: the relay client may keep sockets open that would otherwise hold the process.
process.stdout.write('', () => process.exit(code));
