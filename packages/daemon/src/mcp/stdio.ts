import type { Readable, Writable } from 'node:stream';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from '@remote-agent/transport';

export interface McpStdioOptions {
  server: Server;
  logger: Logger;
  stdin?: Readable;
  stdout?: Writable;
}

export interface McpStdioSession {
  /** Resolves when the client closes stdin or the session is closed. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves one MCP server over stdin/stdout, for debugging and clients that only spawn processes. stdout
 * carries MCP messages and nothing else; logs go to stderr through the logger.
 */
export async function serveMcpStdio(options: McpStdioOptions): Promise<McpStdioSession> {
  const stdin = options.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin, options.stdout ?? process.stdout);
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  transport.onclose = () => markClosed();
  transport.onerror = (err) => options.logger.warn('mcp stdio message dropped', { error: err });
  // The SDK transport does not notice the client going away; stdin ending is how a stdio client says so.
  const onEnd = (): void => {
    void options.server.close();
  };
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);
  await options.server.connect(transport);
  options.logger.info('mcp stdio ready');
  return {
    closed,
    async close() {
      stdin.off('end', onEnd);
      stdin.off('close', onEnd);
      await options.server.close();
      await closed;
    },
  };
}
