import { tuneHeapForStreaming } from '@remote-agent/transport';
import { runRelayCli } from './cli.js';

tuneHeapForStreaming();

const code = await runRelayCli(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  onSignal: (signal, handler) => process.once(signal, handler),
});
process.exitCode = code;
