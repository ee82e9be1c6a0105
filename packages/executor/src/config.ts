import { statSync } from 'node:fs';
import * as os from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ErrorCode, ID_RULE, PRODUCT_VERSION, RemoteAgentError, isValidId, type Tags } from '@remote-agent/contracts';
import { relayAccessFromEnv, relaySubprotocolFromEnv, type LogLevel, type RelayAccess, type RelaySubprotocol } from '@remote-agent/transport';
import { resolveShell, type Shell } from './shell.js';

/** Facts about the machine, passed in so that parsing is testable anywhere. */
export interface HostFacts {
  cwd: string;
  homedir: string;
  hostname: string;
  platform: NodeJS.Platform;
  arch: string;
  osName: string;
}

export function hostFacts(): HostFacts {
  return {
    cwd: process.cwd(),
    homedir: os.homedir(),
    hostname: os.hostname(),
    platform: process.platform,
    arch: process.arch,
    osName: `${os.type()} ${os.release()}`,
  };
}

/** Everything `startExecutor` needs, parsed and checked once. */
export interface ExecutorConfig {
  executorId: string;
  tags: Tags;
  version: string;
  hostname: string;
  os: string;
  platform: NodeJS.Platform;
  arch: string;
  stateDir: string;
  workDir: string;
  maxConcurrent: number;
  heartbeatIntervalMs: number;
  /** A discovery probe is answered after a random delay below this (0: at once), so answers do not all arrive together. */
  probeReplyJitterMs: number;
  /** How long run output waits for credit before telling the daemon where it stands. */
  creditNudgeMs: number;
  killGraceMs: number;
  /** After a command exits, how long its output pipes may stay open (held by something it left running). */
  pipeCloseGraceMs: number;
  outputMaxBytes: number;
  outputRetain: number;
  /** Bytes the output logs of all runs may keep together; the oldest output of finished runs goes first. */
  outputRetainBytes: number;
  journalRetain: number;
  shell: Shell;
  /** The environment commands start from: the executor's own without its relay credentials. */
  baseEnv: Record<string, string>;
}

/** The CLI's settings: the executor's, plus how to reach the relay and how to log. */
export interface ExecutorCliConfig {
  executor: ExecutorConfig;
  relay: RelayAccess;
  /** WEB_PUBSUB_PROTOCOL, default protobuf. */
  relayProtocol: RelaySubprotocol;
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
}

/** Relay credentials a command run by the executor never sees. */
const CREDENTIAL_VARIABLES = new Set(['WEB_PUBSUB_CONNECTION_STRING', 'EXECUTOR_CLIENT_ACCESS_URL', 'DAEMON_CLIENT_ACCESS_URL']);

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const MIB = 1024 * 1024;

function invalid(message: string): RemoteAgentError {
  return new RemoteAgentError(ErrorCode.InvalidConfig, message);
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
}

function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function readInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = read(env, name);
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalid(`${name} must be a whole number from ${min} to ${max}, got ${quote(value)}`);
  }
  return n;
}

function readText(env: NodeJS.ProcessEnv, name: string, fallback: string, max: number): string {
  const value = read(env, name) ?? fallback;
  if (value.length > max) throw invalid(`${name} must be at most ${max} characters, got ${value.length}`);
  return value;
}

/** Reads `--executor-id X`, `--id X` (or `=X`); anything else is refused so that typos do not pass silently. */
function idFromArgv(argv: readonly string[]): string | undefined {
  let id: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--(executor-id|id)(?:=(.*))?$/.exec(arg);
    if (!match) throw invalid(`unknown argument ${quote(arg)}: ra-exec takes --executor-id <id> (or --id); see ra-exec --help`);
    const value = match[2] ?? argv[++i];
    if (value === undefined || value === '') throw invalid(`--${match[1]} needs a value: --${match[1]} <id>`);
    id = value;
  }
  return id;
}

export function parseTags(value: string | undefined): Tags {
  const tags: Tags = {};
  if (value === undefined) return tags;
  for (const part of value.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim();
    const tagValue = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (key === '' || key.length > 64 || tagValue.length > 256) {
      throw invalid(`EXECUTOR_TAGS must be key=value pairs separated by commas (keys 1-64 characters), got ${quote(part.trim())}`);
    }
    if (key in tags) throw invalid(`EXECUTOR_TAGS names the tag ${quote(key)} twice`);
    tags[key] = tagValue;
  }
  return tags;
}

function readFolder(env: NodeJS.ProcessEnv, name: string, fallback: string, cwd: string, mustExist: boolean): string {
  const value = read(env, name);
  const path = value === undefined ? fallback : isAbsolute(value) ? value : resolve(cwd, value);
  if (!mustExist) return path;
  try {
    if (statSync(path).isDirectory()) return path;
  } catch {
    throw invalid(`${name} is ${quote(path)}, which does not exist: create that folder or point ${name} at an existing one`);
  }
  throw invalid(`${name} is ${quote(path)}, which is not a folder`);
}

function childEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !CREDENTIAL_VARIABLES.has(name.toUpperCase())) out[name] = value;
  }
  return out;
}

/**
 * The executor's settings from the environment and command line. Throws RemoteAgentError(INVALID_CONFIG)
 * with one line naming the first bad variable.
 */
export function parseExecutorConfig(
  env: NodeJS.ProcessEnv,
  argv: readonly string[],
  host: HostFacts = hostFacts(),
): ExecutorConfig {
  const executorId = idFromArgv(argv) ?? read(env, 'EXECUTOR_ID');
  if (executorId === undefined) {
    throw invalid('EXECUTOR_ID is not set: give this executor a name with EXECUTOR_ID=<id> or --executor-id <id> (' + ID_RULE + ')');
  }
  if (!isValidId(executorId)) throw invalid(`EXECUTOR_ID ${quote(executorId)} is not a valid id: use ${ID_RULE}`);
  return {
    executorId,
    tags: parseTags(read(env, 'EXECUTOR_TAGS')),
    version: readText(env, 'EXECUTOR_VERSION', PRODUCT_VERSION, 64),
    hostname: readText(env, 'EXECUTOR_HOSTNAME', host.hostname, 256),
    os: readText(env, 'EXECUTOR_OS', host.osName, 64),
    platform: host.platform,
    arch: readText(env, 'EXECUTOR_ARCH', host.arch, 64),
    stateDir: readFolder(env, 'EXECUTOR_STATE_DIR', join(host.homedir, '.remote-agent', 'executors', executorId), host.cwd, false),
    workDir: readFolder(env, 'EXECUTOR_WORK_DIR', host.cwd, host.cwd, true),
    maxConcurrent: readInt(env, 'EXECUTOR_MAX_CONCURRENT', 8, 1, 1024),
    heartbeatIntervalMs: readInt(env, 'EXECUTOR_HEARTBEAT_INTERVAL_MS', 10_000, 100, 3_600_000),
    probeReplyJitterMs: readInt(env, 'EXECUTOR_PROBE_REPLY_JITTER_MS', 1_000, 0, 600_000),
    creditNudgeMs: readInt(env, 'EXECUTOR_CREDIT_NUDGE_MS', 10_000, 10, 3_600_000),
    killGraceMs: readInt(env, 'EXECUTOR_KILL_GRACE_MS', 3_000, 0, 600_000),
    pipeCloseGraceMs: 2_000,
    outputMaxBytes: readOutputMaxBytes(env),
    outputRetain: readInt(env, 'EXECUTOR_OUTPUT_RETAIN', 500, 1, 1_000_000),
    outputRetainBytes: readInt(env, 'EXECUTOR_OUTPUT_RETAIN_BYTES', 1024 * MIB, MIB, 2 ** 40),
    journalRetain: readInt(env, 'EXECUTOR_JOURNAL_RETAIN', 2000, 10, 1_000_000),
    shell: resolveShell(host.platform, env.ComSpec ?? env.COMSPEC, read(env, 'EXECUTOR_SHELL')),
    baseEnv: childEnvironment(env),
  };
}

/** The CLI's settings; a missing relay is an error that says what to set and where to get it. */
export function parseCliConfig(env: NodeJS.ProcessEnv, argv: readonly string[], host: HostFacts = hostFacts()): ExecutorCliConfig {
  const executor = parseExecutorConfig(env, argv, host);
  const level = read(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw invalid(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${quote(level)}`);
  }
  const format = read(env, 'LOG_FORMAT') ?? 'text';
  if (format !== 'text' && format !== 'json') throw invalid(`LOG_FORMAT must be text or json, got ${quote(format)}`);
  const relay = relayAccessFromEnv(env, 'executor');
  if (relay === null) {
    throw invalid(
      'no relay configured: set WEB_PUBSUB_CONNECTION_STRING (and WEB_PUBSUB_HUB if not "rexec"), or EXECUTOR_CLIENT_ACCESS_URL, ' +
        'or WEB_PUBSUB_ENDPOINT for Microsoft Entra ID; the daemon prints the exact command for this machine ' +
        '(ra-mcp --print-executor-command)',
    );
  }
  return { executor, relay, relayProtocol: relaySubprotocolFromEnv(env), logLevel: level as LogLevel, logFormat: format };
}

/** 0 turns the output logs off; anything else must leave room for a useful log. */
function readOutputMaxBytes(env: NodeJS.ProcessEnv): number {
  const name = 'EXECUTOR_OUTPUT_MAX_BYTES';
  const value = read(env, name);
  if (value === undefined) return 64 * MIB;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (n === 0 || (Number.isSafeInteger(n) && n >= 1024 && n <= 2 ** 40)) return n;
  throw invalid(`${name} must be 0 (keep no output on disk) or a whole number of bytes from 1024 to ${2 ** 40}, got ${quote(value)}`);
}
