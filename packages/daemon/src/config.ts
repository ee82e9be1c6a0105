import { homedir, hostname as osHostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_HUB, ErrorCode, ID_RULE, RemoteAgentError, isValidId } from '@remote-agent/contracts';
import { HUB_NAME_PATTERN, relayAccessFromEnv, relaySubprotocolFromEnv, type LogLevel, type RelayAccess, type RelaySubprotocol } from '@remote-agent/transport';

export type ToolNaming = 'underscore' | 'dotted';
export type LogFormat = 'text' | 'json';

export interface McpConfig {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Starts with "/". */
  path: string;
  /** Lower-case host names (no port) accepted in the Host and Origin headers. */
  allowedHosts: string[];
  toolNames: ToolNaming;
}

export interface RegistryConfig {
  refreshIntervalMs: number;
  suspectAfterMs: number;
  offlineAfterMs: number;
  inventoryLogIntervalMs: number;
}

export interface RequestsConfig {
  runMaxWaitMs: number;
  /** Per stream per request held in the daemon's memory; the executor keeps the rest on disk. */
  outputMaxBytes: number;
  progressIntervalMs: number;
  /** Completed requests kept for status queries before the oldest are forgotten. */
  retain: number;
}

/** The plain daemon's one-shot run (DAEMON_RUN_EXECUTOR_ID + DAEMON_RUN_COMMAND). */
export interface OneShotRunConfig {
  executorId: string;
  command: string;
  timeoutMs: number | undefined;
  waitForExecutorMs: number;
}

export interface EmbeddedRelayConfig {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Endpoint remote executors use; null means derive it from host and the port actually bound. */
  publicUrl: string | null;
}

export interface DaemonConfig {
  /** null: no relay configured, so the daemon embeds the built-in relay. */
  relay: RelayAccess | null;
  /** WEB_PUBSUB_PROTOCOL (default protobuf): the subprotocol of the daemon's relay connection. */
  relayProtocol: RelaySubprotocol;
  /** Hub used with the embedded relay (WEB_PUBSUB_HUB). */
  hub: string;
  /** null: use the id persisted in the state folder (created on first start). */
  daemonId: string | null;
  stateDir: string;
  /** Folders artifacts are read from and written to on this machine; relative paths start at the first. */
  artifactRoots: string[];
  mcp: McpConfig;
  registry: RegistryConfig;
  requests: RequestsConfig;
  oneShotRun: OneShotRunConfig | null;
  embeddedRelay: EmbeddedRelayConfig;
  log: { level: LogLevel; format: LogFormat };
}

export interface ParseConfigOptions {
  homeDir?: string;
  cwd?: string;
}

export const DEFAULT_ALLOWED_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const MAX_TIMEOUT_MS = 7 * 24 * 3600 * 1000;

/** Reads variables and collects every problem, so one start reports all bad settings at once. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.optionalInt(name, min, max);
    return value ?? fallback;
  }

  optionalInt(name: string, min: number, max: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}, got ${quote(value)}`);
      return undefined;
    }
    return n;
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const found = choices.find((c) => c === value.toLowerCase());
    if (found === undefined) {
      this.problems.push(`${name} must be one of ${choices.join(', ')}, got ${quote(value)}`);
      return fallback;
    }
    return found;
  }

  fail(message: string): void {
    this.problems.push(message);
  }
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
}

function expandHome(path: string, home: string, cwd: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(cwd, path);
}

function parseAllowedHosts(r: EnvReader): string[] {
  const value = r.raw('DAEMON_MCP_ALLOWED_HOSTS');
  if (value === undefined) return [...DEFAULT_ALLOWED_HOSTS];
  const hosts = value
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h.length > 0);
  const bad = hosts.find((h) => /[\s/@]/.test(h));
  if (hosts.length === 0 || bad !== undefined) {
    r.fail(
      `DAEMON_MCP_ALLOWED_HOSTS must be a comma-separated list of host names (e.g. localhost,127.0.0.1,[::1]), got ${quote(value)}`,
    );
    return [...DEFAULT_ALLOWED_HOSTS];
  }
  return [...new Set(hosts)];
}

function parsePublicUrl(r: EnvReader): string | null {
  const value = r.raw('DAEMON_RELAY_PUBLIC_URL');
  if (value === undefined) return null;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname.length > 1 || url.search) {
    r.fail(`DAEMON_RELAY_PUBLIC_URL must be an http(s) URL of the relay such as http://build-host:8766, got ${quote(value)}`);
    return null;
  }
  return url.origin;
}

function parseOneShotRun(r: EnvReader): OneShotRunConfig | null {
  const executorId = r.raw('DAEMON_RUN_EXECUTOR_ID');
  const command = r.raw('DAEMON_RUN_COMMAND');
  const timeoutMs = r.optionalInt('DAEMON_RUN_TIMEOUT_MS', 1, MAX_TIMEOUT_MS);
  const waitForExecutorMs = r.int('DAEMON_RUN_WAIT_FOR_EXECUTOR_MS', 15_000, 0, MAX_TIMEOUT_MS);
  if (executorId === undefined && command === undefined) return null;
  if (executorId === undefined) {
    r.fail('DAEMON_RUN_EXECUTOR_ID is required with DAEMON_RUN_COMMAND: set it to the id of the executor that should run it');
    return null;
  }
  if (command === undefined) {
    r.fail('DAEMON_RUN_COMMAND is required with DAEMON_RUN_EXECUTOR_ID: set it to the shell command line to run');
    return null;
  }
  if (!isValidId(executorId)) {
    r.fail(`DAEMON_RUN_EXECUTOR_ID must be ${ID_RULE}, got ${quote(executorId)}`);
    return null;
  }
  return { executorId, command, timeoutMs, waitForExecutorMs };
}

/** DAEMON_ARTIFACT_ROOTS: comma-separated folders (~ and relative paths expanded); default <state dir>/artifacts. */
function parseArtifactRoots(r: EnvReader, stateDir: string, home: string, cwd: string): string[] {
  const value = r.raw('DAEMON_ARTIFACT_ROOTS');
  if (value === undefined) return [join(stateDir, 'artifacts')];
  const roots = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => expandHome(part, home, cwd));
  if (roots.length === 0) {
    r.fail(`DAEMON_ARTIFACT_ROOTS must list one or more folders separated by commas, got ${quote(value)}`);
    return [join(stateDir, 'artifacts')];
  }
  return [...new Set(roots)];
}

/** undefined: the relay settings are invalid (already reported). */
function parseRelayProtocol(r: EnvReader, env: NodeJS.ProcessEnv): RelaySubprotocol {
  try {
    return relaySubprotocolFromEnv(env);
  } catch (err) {
    r.fail(err instanceof Error ? err.message : String(err));
    return 'protobuf';
  }
}

function parseRelayAccess(r: EnvReader, env: NodeJS.ProcessEnv): RelayAccess | null | undefined {
  try {
    return relayAccessFromEnv(env, 'daemon');
  } catch (err) {
    r.fail(err instanceof Error ? err.message : String(err));
    return undefined;
  }
}

/**
 * Parses the daemon's settings once, at start. Throws one RemoteAgentError(INVALID_CONFIG) whose
 * message names every bad variable and what it should be.
 */
export function parseDaemonConfig(env: NodeJS.ProcessEnv, options: ParseConfigOptions = {}): DaemonConfig {
  const r = new EnvReader(env);
  const home = options.homeDir ?? homedir();
  const cwd = options.cwd ?? process.cwd();

  const relay = parseRelayAccess(r, env);
  const relayProtocol = parseRelayProtocol(r, env);

  const hub = relay && relay.mode !== 'client-access-url' ? relay.hub : r.string('WEB_PUBSUB_HUB', DEFAULT_HUB);
  // A configured relay's parser has already checked the hub (and named it in its error).
  if (relay === null && !HUB_NAME_PATTERN.test(hub)) {
    r.fail(`WEB_PUBSUB_HUB must start with a letter and hold only letters, digits and "_", got ${quote(hub)}`);
  }

  const daemonId = r.raw('DAEMON_ID') ?? null;
  if (daemonId !== null && !isValidId(daemonId)) r.fail(`DAEMON_ID must be ${ID_RULE}, got ${quote(daemonId)}`);

  const stateDir = expandHome(r.string('DAEMON_STATE_DIR', join(home, '.remote-agent', 'daemon')), home, cwd);

  const artifactRoots = parseArtifactRoots(r, stateDir, home, cwd);

  const mcpPath = r.string('DAEMON_MCP_PATH', '/mcp');
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(mcpPath)) {
    r.fail(`DAEMON_MCP_PATH must be a URL path starting with "/" such as /mcp, got ${quote(mcpPath)}`);
  }
  const mcp: McpConfig = {
    host: r.string('DAEMON_MCP_HOST', '127.0.0.1'),
    port: r.int('DAEMON_MCP_PORT', 8765, 0, 65535),
    path: mcpPath,
    allowedHosts: parseAllowedHosts(r),
    toolNames: r.choice('DAEMON_MCP_TOOL_NAMES', ['underscore', 'dotted'], 'underscore'),
  };

  const registry: RegistryConfig = {
    refreshIntervalMs: r.int('DAEMON_REGISTRY_REFRESH_INTERVAL_MS', 30_000, 10, MAX_TIMEOUT_MS),
    suspectAfterMs: r.int('DAEMON_EXECUTOR_SUSPECT_AFTER_MS', 25_000, 10, MAX_TIMEOUT_MS),
    offlineAfterMs: r.int('DAEMON_EXECUTOR_OFFLINE_AFTER_MS', 60_000, 10, MAX_TIMEOUT_MS),
    inventoryLogIntervalMs: r.int('DAEMON_INVENTORY_LOG_INTERVAL_MS', 60_000, 10, MAX_TIMEOUT_MS),
  };
  if (registry.suspectAfterMs >= registry.offlineAfterMs) {
    r.fail(
      `DAEMON_EXECUTOR_SUSPECT_AFTER_MS (${registry.suspectAfterMs}) must be less than DAEMON_EXECUTOR_OFFLINE_AFTER_MS (${registry.offlineAfterMs})`,
    );
  }

  const requests: RequestsConfig = {
    runMaxWaitMs: r.int('DAEMON_RUN_MAX_WAIT_MS', 45_000, 1, MAX_TIMEOUT_MS),
    outputMaxBytes: r.int('DAEMON_OUTPUT_MAX_BYTES', 1024 * 1024, 1, 1024 * 1024 * 1024),
    progressIntervalMs: r.int('DAEMON_PROGRESS_INTERVAL_MS', 1_000, 1, MAX_TIMEOUT_MS),
    retain: r.int('DAEMON_REQUEST_RETAIN', 2_000, 1, 10_000_000),
  };

  const oneShotRun = parseOneShotRun(r);

  const embeddedRelay: EmbeddedRelayConfig = {
    host: r.string('RELAY_HOST', '127.0.0.1'),
    port: r.int('DAEMON_RELAY_PORT', 8766, 0, 65535),
    publicUrl: parsePublicUrl(r),
  };

  const log = {
    level: r.choice('LOG_LEVEL', LOG_LEVELS, 'info'),
    format: r.choice<LogFormat>('LOG_FORMAT', ['text', 'json'], 'text'),
  };

  if (r.problems.length > 0) {
    throw new RemoteAgentError(ErrorCode.InvalidConfig, `invalid configuration: ${r.problems.join('; ')}`);
  }
  return { relay: relay ?? null, relayProtocol, hub, daemonId, stateDir, artifactRoots, mcp, registry, requests, oneShotRun, embeddedRelay, log };
}

/**
 * The relay endpoint remote executors dial when DAEMON_RELAY_PUBLIC_URL is not set: the bound host,
 * or this machine's name when the relay listens on every interface.
 */
export function defaultRelayPublicUrl(host: string, port: number, machineName: string = osHostname()): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
  const name = wildcard ? machineName : host;
  const bracketed = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
  return `http://${bracketed}:${port}`;
}
