#!/usr/bin/env node
// `npm start`: the MCP server at http://127.0.0.1:8765/mcp with the built-in relay embedded (unless a relay is
// configured) and one executor on this machine, so an MCP client can connect and run commands at once.
// The daemon and the executor stay separate processes, exactly as in production; this script only starts both.
//   npm start                 daemon + local executor
//   npm start -- --no-executor   daemon only
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`remote-agent needs Node.js 22 or newer; this is ${process.version}. Use \`npm start\`, which runs the node@22 the project installs.`);
  process.exit(1);
}

const root = fileURLToPath(new URL('..', import.meta.url));
const withExecutor = !process.argv.includes('--no-executor');
const daemonStateDir = process.env.DAEMON_STATE_DIR || join(homedir(), '.remote-agent', 'daemon');
const children = new Set();

function start(name, entry, env) {
  const child = spawn(process.execPath, [join(root, entry)], { env, stdio: ['ignore', 'inherit', 'pipe'] });
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping`);
      stop(code ?? 1);
    }
  });
  return child;
}

function readEnvFile(path) {
  const env = {};
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    // The daemon writes shell syntax (NAME='value') so the file can also be sourced by a shell.
    const m = /^([A-Z0-9_]+)=(?:'([^']*)'|"([^"]*)"|(.*))$/.exec(line);
    if (m) env[m[1]] = m[2] ?? m[3] ?? m[4];
  }
  return env;
}

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(code);
  }, 5000);
  force.unref();
  const wait = setInterval(() => {
    if (children.size === 0) {
      clearInterval(wait);
      process.exit(code);
    }
  }, 50);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

// The bins, as users start them: they relaunch Node.js with the heap floor streams need (transport/src/streaming-heap.ts).
const daemon = start('daemon', 'packages/daemon/bin/ra-mcp.js', process.env);
let executorStarted = !withExecutor;
createInterface({ input: daemon.stderr }).on('line', (line) => {
  process.stderr.write(line + '\n');
  if (executorStarted || !line.includes('mcp streamable http listening')) return;
  executorStarted = true;
  const relayEnv = process.env.WEB_PUBSUB_CONNECTION_STRING || process.env.WEB_PUBSUB_ENDPOINT
    ? {}
    : readEnvFile(join(daemonStateDir, 'executor.env'));
  const id = process.env.EXECUTOR_ID || `local-${hostname().toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`.slice(0, 63);
  const executor = start('executor', 'packages/executor/bin/ra-exec.js', {
    ...process.env,
    ...relayEnv,
    EXECUTOR_ID: id,
    EXECUTOR_TAGS: process.env.EXECUTOR_TAGS || 'role=local',
  });
  createInterface({ input: executor.stderr }).on('line', (l) => process.stderr.write(l + '\n'));
});
