import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolNaming } from '@remote-agent/contracts';
import { silentLogger } from '@remote-agent/transport';
import { FakeCore } from './fake-core.js';
import { createMcpServer } from './server.js';

/** Test helpers for the MCP server (used only by tests): an SDK client wired to a server over a fake core. */
export const TEST_MAX_WAIT_MS = 45_000;
export const TEST_PROGRESS_INTERVAL_MS = 1_000;

export interface Connected {
  core: FakeCore;
  client: Client;
  close(): Promise<void>;
}

export async function connectInMemory(naming: ToolNaming = 'underscore', core = new FakeCore()): Promise<Connected> {
  const server = createMcpServer({
    core,
    naming,
    logger: silentLogger,
    clock: core.clock,
    runMaxWaitMs: TEST_MAX_WAIT_MS,
    progressIntervalMs: TEST_PROGRESS_INTERVAL_MS,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test', version: '1.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  // Listing caches the output schemas, so the client validates every structured result from here on.
  await client.listTools();
  return {
    core,
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export function errorText(result: CallToolResult): string {
  const first = result.content[0];
  return first !== undefined && first.type === 'text' ? first.text : '';
}

export function structured<T = Record<string, unknown>>(result: CallToolResult): T {
  if (result.isError === true) throw new Error(`tool failed: ${errorText(result)}`);
  return result.structuredContent as T;
}
