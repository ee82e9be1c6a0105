import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { RelayAccess } from '@remote-agent/transport';

export const HUB = 'rexec';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** A relay on loopback with a key made for this run only. Holds the key: passed to children by environment, never logged. */
export function loopbackConnectionString(port: number): string {
  return `Endpoint=http://127.0.0.1;Port=${port};AccessKey=${randomBytes(32).toString('base64')};Version=1.0;`;
}

export function relayAccess(connectionString: string): RelayAccess {
  return { mode: 'connection-string', connectionString, hub: HUB, tokenLifetimeMinutes: 60 };
}
