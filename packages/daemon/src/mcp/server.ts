import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, PRODUCT_VERSION, ToolNames, type ToolNaming } from '@remote-agent/contracts';
import { systemClock, type Clock, type Logger } from '@remote-agent/transport';
import type { DaemonCore } from '../core-api.js';
import { ToolRegistry } from './registry.js';
import { errorResult, type ProgressSink, type Tool, type ToolNamer, type ToolSettings } from './tool.js';
import { defaultTools } from './tools/index.js';

export const MCP_SERVER_NAME = 'remote-agent';

export interface McpServerOptions extends ToolSettings {
  core: DaemonCore;
  naming: ToolNaming;
  logger: Logger;
  clock?: Clock;
  tools?: readonly Tool[];
}

function instructions(name: ToolNamer): string {
  return (
    'remote-agent runs shell commands on remote machines (executors). ' +
    `Find a machine with ${name(ToolNames.executorsList)} or ${name(ToolNames.executorsFind)} and read its ` +
    `instruction with ${name(ToolNames.executorsGet)}; run with ${name(ToolNames.remoteRun)}. A long command ` +
    `returns status "running" and a requestId: poll ${name(ToolNames.remoteRequestStatus)}, stop it with ` +
    `${name(ToolNames.remoteCancel)}.`
  );
}

/**
 * One MCP server (one per client session) over a DaemonCore. The low-level Server is used rather than
 * McpServer because a tool must answer to two names while only one of them is listed.
 */
export function createMcpServer(options: McpServerOptions): Server {
  const registry = new ToolRegistry(options.tools ?? defaultTools, options.naming);
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const settings: ToolSettings = {
    runMaxWaitMs: options.runMaxWaitMs,
    progressIntervalMs: options.progressIntervalMs,
  };
  const server = new Server(
    { name: MCP_SERVER_NAME, version: PRODUCT_VERSION },
    { capabilities: { tools: { listChanged: false } }, instructions: instructions(registry.nameOf) },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: registry.advertised().map(
      ({ name, tool }): McpTool => ({
        name,
        title: tool.title,
        description: tool.describe(registry.nameOf),
        inputSchema: tool.inputSchema,
        outputSchema: tool.outputSchema,
        annotations: tool.annotations,
      }),
    ),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = registry.find(request.params.name);
    if (tool === undefined) {
      const names = registry.advertised().map((t) => t.name).join(', ');
      return errorResult(
        ErrorCode.BadRequest,
        `unknown tool "${request.params.name}": call one of ${names} (list them with tools/list)`,
      );
    }
    const token = request.params._meta?.progressToken;
    const progress: ProgressSink | null =
      token === undefined
        ? null
        : (value, message) =>
            extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: value, message } });
    const started = clock.now();
    const result = await tool.call(request.params.arguments, {
      core: options.core,
      settings,
      clock,
      logger,
      name: registry.nameOf,
      signal: extra.signal,
      progress,
    });
    logger.info('mcp tool call', {
      tool: tool.name,
      ok: result.isError !== true,
      durationMs: clock.now() - started,
      session: extra.sessionId,
    });
    return result;
  });

  return server;
}
