/**
 * Structured logs to stderr (never stdout: a stdio MCP server owns stdout). One line per event:
 * `2026-11-24T10:00:00.000Z INFO hello published executorId=a`, or JSON lines with LOG_FORMAT=json.
 * Secrets never reach a line: sensitive keys are masked and secret-looking substrings scrubbed.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const SENSITIVE_KEY = /(secret|token|password|accesskey|access_key|connectionstring|connection_string|signature|authorization|credential)/i;

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/(AccessKey=)[^;\s"']+/gi, '$1[redacted]'],
  [/(access_token=)[^&\s"']+/gi, '$1[redacted]'],
  [/(awps_reconnection_token=)[^&\s"']+/gi, '$1[redacted]'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1[redacted]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g, '[redacted-jwt]'],
];

/** Removes anything that looks like a credential from free text. */
export function redact(text: string): string {
  let out = text;
  for (const [re, repl] of SECRET_PATTERNS) out = out.replace(re, repl);
  return out;
}

function safeValue(key: string, value: unknown): unknown {
  if (SENSITIVE_KEY.test(key)) return '[redacted]';
  if (typeof value === 'string') return redact(value);
  if (value instanceof Error) return redact(value.message);
  return value;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (value === undefined) return 'undefined';
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  /** Where lines go, one call per line: `deferredStderr()` unless given (see deferredLines for another stream). */
  write?: (line: string) => void;
  now?: () => Date;
  fields?: LogFields;
}

/**
 * Hands lines to `sink` once the current turn of the event loop is done, all of a turn's lines in one
 * call, so that logging never sits between a request and its reply. A synchronous write to a pipe, and
 * the reader it wakes, cost an `echo`'s round trip up to 1.5 ms on a 2-core VM (bench/README.md, finding 4).
 * Lines still waiting when the process exits are handed over then.
 */
export function deferredLines(sink: (text: string) => void): (line: string) => void {
  let pending: string[] = [];
  const flush = (): void => {
    process.off('exit', flush);
    if (pending.length === 0) return;
    const text = pending.join('\n') + '\n';
    pending = [];
    sink(text);
  };
  return (line) => {
    pending.push(line);
    if (pending.length > 1) return;
    // Listening only while lines wait, so loggers made and dropped (CLIs run in tests) leave no listener behind.
    process.on('exit', flush);
    setImmediate(flush);
  };
}

/** Lines to stderr, after the current turn of the event loop (see deferredLines). */
export function deferredStderr(): (line: string) => void {
  return deferredLines((text) => process.stderr.write(text));
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const format = opts.format ?? 'text';
  // Made on the first line, so a logger that never writes (silentLogger, most tests) adds no exit listener.
  let sink = opts.write;
  const write = (line: string): void => (sink ??= deferredStderr())(line);
  const now = opts.now ?? (() => new Date());
  const base = opts.fields ?? {};

  const emit = (level: Exclude<LogLevel, 'silent'>, msg: string, fields: LogFields | undefined): void => {
    if (RANK[level] < min) return;
    const all: LogFields = { ...base, ...fields };
    const clean: LogFields = {};
    for (const [k, v] of Object.entries(all)) if (v !== undefined) clean[k] = safeValue(k, v);
    const ts = now().toISOString();
    if (format === 'json') {
      write(JSON.stringify({ ts, level, msg: redact(msg), ...clean }));
    } else {
      const kv = Object.entries(clean).map(([k, v]) => `${k}=${formatValue(v)}`);
      write([ts, level.toUpperCase(), redact(msg), ...kv].join(' '));
    }
  };

  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...opts, write, fields: { ...base, ...fields } }),
  };
}

/** A logger that records lines, for tests. */
export function memoryLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (l) => lines.push(l) });
  return Object.assign(logger, { lines });
}

export const silentLogger: Logger = createLogger({ level: 'silent' });
