import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SendMessageError } from '@azure/web-pubsub-client';
import { ErrorCode, Groups, RemoteAgentError } from '@remote-agent/contracts';
import { createWebPubSubConnection, silentLogger, type GroupMessage } from '@remote-agent/transport';
import { handMadeToken, hubSocketUrl, Inbox, RawClient, SdkClient, tokenUrl, upgradeStatus, type HubTarget } from './web-pubsub-test-clients.js';

const join = (group: string): string => `webpubsub.joinLeaveGroup.${group}`;
const sendTo = (group: string): string => `webpubsub.sendToGroup.${group}`;

/** Group and user names unique to one run, so runs against a shared Azure hub never meet. */
function unique(name: string): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}

function refusedAs(name: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof SendMessageError, `expected a SendMessageError, got ${String(err)}`);
    assert.equal(err.errorDetail?.name, name);
    return true;
  };
}

/**
 * What must hold on any relay that claims Azure Web PubSub's client protocol, driven by Microsoft's
 * client SDK with tokens from Microsoft's service SDK. Run against the built-in relay (e2e) and against
 * the real service (live), so the two stay the same.
 */
export function registerCoreSdkChecks(title: string, target: () => HubTarget, skip: string | false = false): void {
  describe(title, { skip }, () => {
    it('joins a group, and json, text and binary messages arrive with their type and sender', async () => {
      const g = unique('g');
      const recv = await SdkClient.connect(target(), { userId: unique('recv'), roles: [join(g)] });
      const sender = unique('send');
      const send = await SdkClient.connect(target(), { userId: sender, roles: [sendTo(g)] });
      try {
        await recv.client.joinGroup(g);
        await send.client.sendToGroup(g, { hello: ['world', 1, null], nested: { x: true } }, 'json');
        await send.client.sendToGroup(g, 'plain "text", with ,"data": in it', 'text');
        await send.client.sendToGroup(g, new Uint8Array([0, 1, 127, 128, 254, 255]).buffer, 'binary');
        const got = await recv.inbox.waitFor(3);
        assert.deepEqual(got.map((m) => [m.group, m.dataType, m.fromUserId]), [
          [g, 'json', sender],
          [g, 'text', sender],
          [g, 'binary', sender],
        ]);
        assert.deepEqual(got[0]!.data, { hello: ['world', 1, null], nested: { x: true } });
        assert.equal(got[1]!.data, 'plain "text", with ,"data": in it');
        assert.deepEqual([...Buffer.from(got[2]!.data as ArrayBuffer)], [0, 1, 127, 128, 254, 255]);
      } finally {
        await Promise.all([recv.stop(), send.stop()]);
      }
    });

    it('delivers 600 messages in the order they were sent', async () => {
      const g = unique('order');
      const recv = await SdkClient.connect(target(), { userId: unique('recv'), groups: [g] });
      const send = await SdkClient.connect(target(), { userId: unique('send'), roles: [sendTo(g)] });
      try {
        const sends: Array<Promise<unknown>> = [];
        for (let i = 0; i < 599; i++) sends.push(send.client.sendToGroup(g, { i }, 'json', { fireAndForget: true }));
        await Promise.all(sends);
        await send.client.sendToGroup(g, { i: 599 }, 'json');
        const got = await recv.inbox.waitFor(600, 20_000);
        assert.deepEqual(
          got.map((m) => (m.data as { i: number }).i),
          Array.from({ length: 600 }, (_, i) => i),
        );
      } finally {
        await Promise.all([recv.stop(), send.stop()]);
      }
    });

    it('refuses join and send without the role, with a Forbidden ack', async () => {
      const g = unique('closed');
      const c = await SdkClient.connect(target(), { userId: unique('nobody'), roles: [sendTo(unique('other'))] });
      try {
        await assert.rejects(c.client.joinGroup(g), refusedAs('Forbidden'));
        await assert.rejects(c.client.sendToGroup(g, 1, 'json'), refusedAs('Forbidden'));
        await assert.rejects(c.client.leaveGroup(g), refusedAs('Forbidden'));
      } finally {
        await c.stop();
      }
    });

    it('answers a repeated ackId with Duplicate and does not deliver it twice', async () => {
      const g = unique('dup');
      const recv = await SdkClient.connect(target(), { userId: unique('recv'), groups: [g] });
      const send = await SdkClient.connect(target(), { userId: unique('send'), roles: [sendTo(g)] });
      try {
        const first = await send.client.sendToGroup(g, 'once', 'text', { ackId: 42 });
        const again = await send.client.sendToGroup(g, 'once', 'text', { ackId: 42 });
        await send.client.sendToGroup(g, 'marker', 'text', { ackId: 43 });
        assert.deepEqual([first.isDuplicated, again.isDuplicated], [false, true]);
        const got = await recv.inbox.waitFor(2);
        assert.deepEqual(got.map((m) => m.data), ['once', 'marker']);
      } finally {
        await Promise.all([recv.stop(), send.stop()]);
      }
    });

    it('honours noEcho', async () => {
      const g = unique('echo');
      const a = await SdkClient.connect(target(), { userId: unique('a'), groups: [g], roles: [sendTo(g)] });
      const b = await SdkClient.connect(target(), { userId: unique('b'), groups: [g] });
      try {
        await a.client.sendToGroup(g, 'quiet', 'text', { noEcho: true });
        await a.client.sendToGroup(g, 'loud', 'text');
        assert.deepEqual((await b.inbox.waitFor(2)).map((m) => m.data), ['quiet', 'loud']);
        assert.deepEqual((await a.inbox.waitFor(1)).map((m) => m.data), ['loud']);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });

    it('joins the groups of the webpubsub.group claim at connect', async () => {
      const g = unique('claim');
      const recv = await SdkClient.connect(target(), { userId: unique('recv'), groups: [g] });
      const send = await SdkClient.connect(target(), { userId: unique('send'), roles: [sendTo(g)] });
      try {
        await send.client.sendToGroup(g, 'hi', 'text');
        assert.equal((await recv.inbox.waitFor(1))[0]!.data, 'hi');
      } finally {
        await Promise.all([recv.stop(), send.stop()]);
      }
    });

    it('enforces wildcard group roles: * within one segment, ** across segments', async () => {
      const p = unique('wild');
      const deep = `${p}.a.b`;
      const shallow = `${p}.x`;
      const recv = await SdkClient.connect(target(), { userId: unique('recv'), groups: [deep, shallow] });
      const any = await SdkClient.connect(target(), { userId: unique('any'), roles: [`webpubsub.sendToGroups.${p}.**`] });
      const one = await SdkClient.connect(target(), { userId: unique('one'), roles: [`webpubsub.sendToGroups.${p}.*`] });
      try {
        await any.client.sendToGroup(deep, 'deep', 'text');
        await one.client.sendToGroup(shallow, 'shallow', 'text');
        await assert.rejects(one.client.sendToGroup(deep, 'no', 'text'), refusedAs('Forbidden'));
        await assert.rejects(any.client.sendToGroup(`x${p}.a`, 'no', 'text'), refusedAs('Forbidden'));
        assert.deepEqual((await recv.inbox.waitFor(2)).map((m) => m.data), ['deep', 'shallow']);
      } finally {
        await Promise.all([recv.stop(), any.stop(), one.stop()]);
      }
    });

    it('refuses at the upgrade: no token, another key, an expired token, another hub', async () => {
      const t = target();
      assert.equal(await upgradeStatus(tokenUrl(t, handMadeToken(t, {}))), 101, 'a good hand-made token is accepted');
      assert.equal(await upgradeStatus(hubSocketUrl(t)), 401);
      assert.equal(await upgradeStatus(tokenUrl(t, handMadeToken(t, { accessKey: randomBytes(32).toString('base64') }))), 401);
      assert.equal(await upgradeStatus(tokenUrl(t, handMadeToken(t, { ageSeconds: 7200, lifetimeSeconds: 60 }))), 401);
      assert.equal(await upgradeStatus(tokenUrl(t, handMadeToken(t, { hub: `${t.hub}x` }))), 401);
    });

    it('closes a recovery of an unknown connection with 1008', async () => {
      const t = target();
      const raw = await RawClient.open(`${hubSocketUrl(t)}?awps_connection_id=${unique('nope')}&awps_reconnection_token=${unique('nope')}`);
      assert.equal((await raw.closed).code, 1008);
    });

    it('answers ping with pong', async () => {
      const t = target();
      const { client } = await RawClient.connect(tokenUrl(t, handMadeToken(t, {})));
      try {
        client.send({ type: 'ping' });
        assert.equal((await client.next((f) => f.type === 'pong')).type, 'pong');
      } finally {
        client.close();
      }
    });

    it('least-privilege executor and daemon connections talk; an executor cannot reach another executor', async () => {
      const { connectionString, hub } = target();
      const access = { mode: 'connection-string' as const, connectionString, hub, tokenLifetimeMinutes: 5 };
      // JSON mode: its messages name their sender, which the protobuf protocols do not (see relay-protobuf.test.ts).
      const quiet = { logger: silentLogger, keepAliveIntervalMs: 0, keepAliveTimeoutMs: 0, messageRetries: 0, protocol: 'json' as const };
      const executorId = unique('exec');
      const daemonId = unique('daemon');
      const executor = createWebPubSubConnection({ access, userId: executorId, role: 'executor', ...quiet });
      const daemon = createWebPubSubConnection({ access, userId: daemonId, role: 'daemon', ...quiet });
      const atExecutor = new Inbox<GroupMessage>();
      const atDaemon = new Inbox<GroupMessage>();
      executor.on('message', (m) => atExecutor.push(m));
      daemon.on('message', (m) => atDaemon.push(m));
      try {
        await Promise.all([executor.start(), daemon.start()]);
        await daemon.sendToGroup(Groups.discovery, { probe: 1 });
        await daemon.sendToGroup(Groups.exec(executorId), { request: 1 });
        await executor.sendToGroup(Groups.presence, { hello: 1 });
        await executor.sendToGroup(Groups.daemon(daemonId), { reply: 1 });
        const toExecutor = await atExecutor.waitFor(2);
        const toDaemon = await atDaemon.waitFor(2);
        assert.deepEqual(toExecutor.map((m) => [m.group, m.data, m.fromUserId]), [
          [Groups.discovery, { probe: 1 }, daemonId],
          [Groups.exec(executorId), { request: 1 }, daemonId],
        ]);
        assert.deepEqual(toDaemon.map((m) => [m.group, m.data]), [
          [Groups.presence, { hello: 1 }],
          [Groups.daemon(daemonId), { reply: 1 }],
        ]);
        const forbidden = (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.Forbidden;
        await assert.rejects(executor.sendToGroup(Groups.exec(unique('other')), { request: 1 }), forbidden);
        await assert.rejects(executor.sendToGroup(Groups.discovery, { probe: 1 }), forbidden);
        await assert.rejects(executor.joinGroup(Groups.presence), forbidden);
        await assert.rejects(daemon.joinGroup(Groups.exec(executorId)), forbidden);
      } finally {
        await Promise.all([executor.stop(), daemon.stop()]);
      }
    });
  });
}
