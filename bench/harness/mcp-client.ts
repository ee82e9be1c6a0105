import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface ToolResult {
  isError: boolean;
  structured: Record<string, unknown>;
  text: string;
}

export interface McpSession {
  call(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

/** One MCP session over streamable HTTP with the official SDK client, as a coding agent holds it. */
export async function connectMcp(url: string): Promise<McpSession> {
  const client = new Client({ name: 'remote-agent-bench', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  // Listing caches the output schemas, so every structured result is validated as a real client would.
  await client.listTools();
  return {
    async call(name, args) {
      const result = await client.callTool({ name, arguments: args });
      const content = Array.isArray(result.content) ? result.content : [];
      const first: unknown = content[0];
      const text =
        typeof first === 'object' && first !== null && 'text' in first && typeof first.text === 'string' ? first.text : '';
      const structured =
        typeof result.structuredContent === 'object' && result.structuredContent !== null
          ? (result.structuredContent as Record<string, unknown>)
          : {};
      return { isError: result.isError === true, structured, text };
    },
    async close() {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}
