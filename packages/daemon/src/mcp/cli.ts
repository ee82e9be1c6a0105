import type { Readable, Writable } from 'node:stream';
import { PRODUCT_VERSION, toErrorInfo } from '@remote-agent/contracts';
import { createLogger, deferredLines, type Logger } from '@remote-agent/transport';
import type { DaemonConfig } from '../config.js';
import { printExecutorCommand } from '../executor-command.js';
import { EXIT_OK } from '../exit-codes.js';
import { exitStatusFor, startCli, startRuntimeForCli } from '../cli-start.js';
import type { CliIo } from '../plain-daemon.js';
import type { DaemonRuntime } from './daemon-runtime.js';
import { startMcpHttpServer } from './http.js';
import { createMcpServer } from './server.js';
import { serveMcpStdio } from './stdio.js';

export type McpMode = 'http' | 'stdio';

export interface McpCliIo extends CliIo {
  /** The stdio server's streams; process.stdin and process.stdout unless a test passes others. */
  mcpStdin?: Readable;
  mcpStdout?: Writable;
}

const OPTIONS = ['--help', '-h', '--version', '-v', '--print-executor-command', '--stdio'];

function usage(mode: McpMode): string {
  const head =
    mode === 'http'
      ? `ra-mcp ${PRODUCT_VERSION}: the remote-agent MCP server over streamable HTTP

Usage: ra-mcp [--help] [--version] [--print-executor-command] [--stdio]

Serves MCP at http://DAEMON_MCP_HOST:DAEMON_MCP_PORT DAEMON_MCP_PATH (default http://127.0.0.1:8765/mcp)
for Codex, VS Code, Claude Code or any MCP client, until stopped with Ctrl+C. Only requests whose Host
(and Origin, when sent) name one of DAEMON_MCP_ALLOWED_HOSTS (default localhost,127.0.0.1,[::1]) are served.
`
      : `mcp-stdio-main ${PRODUCT_VERSION}: the remote-agent MCP server over stdio (for debugging)

Usage: node packages/daemon/dist/mcp-stdio-main.js [--help] [--version] [--print-executor-command]
       (or: ra-mcp --stdio)

Speaks MCP on stdin/stdout until stdin closes; logs go to stderr only.
`;
  return `${head}
With no relay configured (WEB_PUBSUB_CONNECTION_STRING, DAEMON_CLIENT_ACCESS_URL or WEB_PUBSUB_ENDPOINT),
the built-in relay runs inside on RELAY_HOST:DAEMON_RELAY_PORT (127.0.0.1:8766), and the settings executors
need are written to executor.env in DAEMON_STATE_DIR.

Tools are advertised as executors_list, remote_run, ... (DAEMON_MCP_TOOL_NAMES=underscore, the default) or
as executors.list, remote.run, ... (dotted); a call by either name works.

Options:
  --print-executor-command  print the command that starts an executor on another machine
                            (it contains the relay's secret: keep it to yourself)
  --stdio                   serve MCP on stdin/stdout instead of HTTP
  --help                    show this help
  --version                 show the version

Exit status: 0 ok, 1 failure, 2 bad configuration or usage. All settings are described in the README.
`;
}

function mcpServerFactory(config: DaemonConfig, runtime: DaemonRuntime, logger: Logger) {
  return () =>
    createMcpServer({
      core: runtime.core,
      naming: config.mcp.toolNames,
      logger,
      runMaxWaitMs: config.requests.runMaxWaitMs,
      progressIntervalMs: config.requests.progressIntervalMs,
    });
}

async function serve(mode: McpMode, config: DaemonConfig, runtime: DaemonRuntime, io: McpCliIo, logger: Logger): Promise<void> {
  const createServer = mcpServerFactory(config, runtime, logger);
  if (mode === 'stdio') {
    const session = await serveMcpStdio({
      server: createServer(),
      logger,
      ...(io.mcpStdin ? { stdin: io.mcpStdin } : {}),
      ...(io.mcpStdout ? { stdout: io.mcpStdout } : {}),
    });
    const why = await Promise.race([io.stopSignal, session.closed.then(() => 'stdin closed')]);
    logger.info('stopping', { reason: why });
    await session.close();
    return;
  }
  const http = await startMcpHttpServer({
    host: config.mcp.host,
    port: config.mcp.port,
    path: config.mcp.path,
    allowedHosts: config.mcp.allowedHosts,
    createServer,
    logger,
  });
  const signal = await io.stopSignal;
  logger.info('stopping', { signal });
  await http.close();
}

/**
 * `ra-mcp` (HTTP) and the stdio entry: returns the exit status; the entry points only wire the process in.
 * In stdio mode stdout carries MCP alone: no banner, and logs go to stderr.
 */
export async function runMcpDaemon(io: McpCliIo, defaultMode: McpMode): Promise<number> {
  const args = io.argv;
  const mode: McpMode = args.includes('--stdio') ? 'stdio' : defaultMode;
  const prog = defaultMode === 'http' ? 'ra-mcp' : 'mcp-stdio-main';
  const started = startCli(io, prog, OPTIONS, usage(defaultMode));
  if ('exit' in started) return started.exit;
  const { config } = started;
  if (args.includes('--print-executor-command')) return printExecutorCommand(config, io, prog);

  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    // No base fields: the seed's log lines (`mcp streamable http listening url=...`) stay exactly as users grep them.
    write: deferredLines((text) => io.stderr.write(text)),
  });
  const launched = await startRuntimeForCli(io, config, logger, mode === 'http');
  if ('exit' in launched) return launched.exit;
  const { runtime } = launched;
  try {
    await serve(mode, config, runtime, io, logger);
    return EXIT_OK;
  } catch (err) {
    const info = toErrorInfo(err);
    logger.error('mcp server failed', { code: info.code, error: info.message });
    return exitStatusFor(err);
  } finally {
    await runtime.close();
  }
}
