import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A command that writes exactly `bytes` of build-log-like text to stdout, the same on every platform
 * (Node.js itself, so no `yes`/`head` is needed on Windows). Every throughput row runs this command.
 */
const SCRIPT = `const total = Number(process.argv[2]);
const line = 'remote-agent bench: compiling module 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ\\n';
const block = Buffer.from(line.repeat(Math.ceil(65536 / line.length))).subarray(0, 65536);
let left = total;
function pump() {
  while (left > 0) {
    const n = Math.min(left, block.length);
    left -= n;
    if (!process.stdout.write(n === block.length ? block : block.subarray(0, n))) {
      process.stdout.once('drain', pump);
      return;
    }
  }
}
pump();
`;

export interface OutputCommand {
  /** The command line for the platform's shell. */
  command: string;
  /** The same as a file and arguments, for a direct spawn. */
  file: string;
  args: string[];
  bytes: number;
}

function quote(arg: string, platform: NodeJS.Platform): string {
  if (platform === 'win32') return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export async function writeOutputCommand(dir: string, bytes: number, platform: NodeJS.Platform = process.platform): Promise<OutputCommand> {
  const script = join(dir, 'emit-output.cjs');
  await writeFile(script, SCRIPT);
  const file = process.execPath;
  const args = [script, String(bytes)];
  return { command: `${quote(file, platform)} ${quote(script, platform)} ${bytes}`, file, args, bytes };
}
