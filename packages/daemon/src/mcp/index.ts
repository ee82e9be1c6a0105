export { createMcpServer, MCP_SERVER_NAME, type McpServerOptions } from './server.js';
export { startMcpHttpServer, DEFAULT_SESSION_IDLE_MS, type McpHttpOptions, type McpHttpServer } from './http.js';
export { serveMcpStdio, type McpStdioOptions, type McpStdioSession } from './stdio.js';
export { runMcpDaemon, type McpCliIo, type McpMode } from './cli.js';
export { startDaemonRuntime, type DaemonRuntime, type RuntimeOptions, type ConnectRelay } from './daemon-runtime.js';
export { ToolRegistry } from './registry.js';
export { defaultTools } from './tools/index.js';
export { HostAllowList } from './host-check.js';
export {
  defineTool,
  type Tool,
  type ToolSpec,
  type ToolContext,
  type ToolSettings,
  type ToolNamer,
  type ProgressSink,
} from './tool.js';
