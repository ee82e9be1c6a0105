import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fromWire } from '@remote-agent/contracts';
import { createDaemonCore, parseDaemonConfig } from '@remote-agent/daemon';
import { startRelay } from '@remote-agent/relay';
import { createWebPubSubConnection, silentLogger } from '@remote-agent/transport';
import { relayAccess } from './loopback.js';
import { LightRelayClient } from './relay-client.js';
import { SimExecutor } from './sim-executor.js';

const HOST = { hostname: 'bench-host', os: 'Linux test', platform: 'linux', arch: 'x64' };

test('a daemon lists a SimExecutor online and hears it again on a probe and on its heartbeat', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'ra-bench-sim-'));
  const relay = await startRelay({ accessKey: randomBytes(32).toString('base64'), logger: silentLogger });
  const connectionString = relay.connectionString();
  const defaults = parseDaemonConfig({}, { homeDir: root, cwd: root });
  // No keep-alive loops: they would hold the test process open for an interval after the connection stops.
  const connection = createWebPubSubConnection({
    access: relayAccess(connectionString),
    userId: 'd1',
    role: 'daemon',
    logger: silentLogger,
    keepAliveIntervalMs: 0,
    keepAliveTimeoutMs: 0,
  });
  const presence: string[] = [];
  const changed = new Signal();
  connection.on('message', (msg) => {
    const read = fromWire(msg.data);
    const type = read.ok ? (read.value as { type?: string }).type : undefined;
    if (type !== undefined) presence.push(type);
    changed.fire();
  });
  const core = await createDaemonCore({ daemonId: 'd1', connection, registry: defaults.registry, requests: defaults.requests, logger: silentLogger });
  const sim = await SimExecutor.start({ connectionString, executorId: 'sim-1', heartbeatIntervalMs: 100, host: HOST, workDir: root });
  t.after(async () => {
    await sim.stop();
    await core.close();
    await relay.close();
    await rm(root, { recursive: true, force: true });
  });
  const view = await core.waitForExecutor('sim-1', 5_000);
  assert.ok(view, 'listed online');
  assert.equal(view.hostname, 'bench-host');
  assert.deepEqual(view.tags, { sim: 'true' });

  const seen = (type: string): number => presence.filter((p) => p === type).length;
  const hellos = seen('executor.hello');
  await core.probe();
  await changed.until(() => seen('executor.hello') > hellos && seen('executor.heartbeat') > 0);
});

test('LightRelayClient delivers a group message to every member, acked by the relay', async (t) => {
  const relay = await startRelay({ accessKey: randomBytes(32).toString('base64'), logger: silentLogger });
  const got: unknown[] = [];
  const changed = new Signal();
  const onMessage = (m: { data: unknown }): void => {
    got.push(m.data);
    changed.fire();
  };
  const members = await Promise.all(
    [1, 2].map((i) => LightRelayClient.connect({ connectionString: relay.connectionString(), userId: `m${i}`, roles: [], groups: ['g'], onMessage })),
  );
  const sender = await LightRelayClient.connect({
    connectionString: relay.connectionString(),
    userId: 's',
    roles: ['webpubsub.sendToGroup.g'],
    groups: [],
    onMessage: () => {},
  });
  t.after(async () => {
    await Promise.all([...members, sender].map((c) => c.close()));
    await relay.close();
  });
  assert.equal(await sender.sendWithAck('g', { n: 1 }), true);
  assert.equal(await sender.sendWithAck('other', { n: 2 }), false, 'no role for that group');
  await changed.until(() => got.length === 2);
  assert.deepEqual(got, [{ n: 1 }, { n: 1 }]);
});

/** Re-checks a condition each time an event fires; fails after a bound instead of hanging. */
class Signal {
  private listeners: Array<() => void> = [];

  fire(): void {
    for (const listener of this.listeners) listener();
  }

  until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== check);
        reject(new Error(`condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        resolve();
      };
      this.listeners.push(check);
    });
  }
}
