import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  ErrorCode,
  RemoteAgentError,
  envelopeFactory,
  type BodyOf,
  type DataEof,
  type DataStreamMessageType,
  type EnvelopeOf,
} from '@remote-agent/contracts';
import { ManualClock } from './clock.js';
import { DataChannelListeners } from './data-channel.js';
import { DataReceiver, type DataSink } from './data-receiver.js';
import { DataSender, type DataSource } from './data-sender.js';

type Side = 'sender' | 'receiver';
type Sent = { from: Side; type: DataStreamMessageType; body: unknown };

/** Two ends of one request's stream, delivering on later turns of the event loop like a socket. */
function link() {
  const ends: Record<Side, DataChannelListeners> = {
    sender: new DataChannelListeners((err) => assert.fail(String(err))),
    receiver: new DataChannelListeners((err) => assert.fail(String(err))),
  };
  const log: Sent[] = [];
  const state = { drop: (_m: Sent): boolean => false };
  const make = {
    sender: envelopeFactory({ role: 'daemon', id: 'd', now: () => 0, newId: () => 'm' }),
    receiver: envelopeFactory({ role: 'executor', id: 'e', now: () => 0, newId: () => 'm' }),
  };
  const channel = (from: Side) =>
    ends[from].channel(async <T extends DataStreamMessageType>(type: T, body: BodyOf<T>) => {
      const sent: Sent = { from, type, body };
      log.push(sent);
      if (state.drop(sent)) return;
      const env = make[from](type, body, 'r') as EnvelopeOf<DataStreamMessageType>;
      setImmediate(() => ends[from === 'sender' ? 'receiver' : 'sender'].deliver(env));
    });
  return { ends, log, state, sender: channel('sender'), receiver: channel('receiver') };
}

function memorySource(data: Buffer, piece = 777, changeAfterFirstRead?: Buffer): DataSource & { opens: number } {
  const source = {
    format: 'file' as const,
    total: data.length,
    opens: 0,
    open() {
      const bytes = source.opens++ > 0 && changeAfterFirstRead ? changeAfterFirstRead : data;
      return (async function* () {
        for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, i + piece);
      })();
    },
  };
  return source;
}

function memorySink(): DataSink & { parts: Buffer[]; finished: DataEof | null; bytes(): Buffer } {
  const sink = {
    parts: [] as Buffer[],
    finished: null as DataEof | null,
    async write(data: Buffer) {
      sink.parts.push(Buffer.from(data));
    },
    async finish(eof: DataEof) {
      sink.finished = eof;
    },
    bytes: () => Buffer.concat(sink.parts),
  };
  return sink;
}

const turns = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('data stream', () => {
  it('delivers every byte in order under the credit window and agrees on sha256', async () => {
    const clock = new ManualClock();
    const net = link();
    const data = randomBytes(50_000);
    const sink = memorySink();
    const window = 4;
    let inFlightMax = 0;
    const receiver = new DataReceiver({ channel: net.receiver, sink, clock, window, maxChunkBytes: 1000 });
    const sender = new DataSender({ channel: net.sender, source: memorySource(data), clock, chunkBytes: 1000 });
    net.state.drop = () => {
      const sentChunks = net.log.filter((m) => m.type === 'request.data').length;
      inFlightMax = Math.max(inFlightMax, sentChunks - sink.parts.length);
      return false;
    };
    const [sent, received] = await Promise.all([sender.run(), receiver.run()]);
    assert.deepEqual(sink.bytes(), data);
    assert.equal(sent.sha256, sha(data));
    assert.deepEqual(received, sent);
    assert.deepEqual(sink.finished, { size: data.length, sha256: sha(data), format: 'file' });
    assert.ok(inFlightMax <= window + 1, `at most a window of chunks in flight, saw ${inFlightMax}`);
    assert.equal(sender.progress().resumes, 0);
    receiver.close();
  });

  it('resumes from the receiver position after lost chunks, not from zero', async () => {
    const clock = new ManualClock();
    const net = link();
    const data = randomBytes(40_000);
    const sink = memorySink();
    const receiver = new DataReceiver({ channel: net.receiver, sink, clock, window: 8, maxChunkBytes: 1000 });
    const sender = new DataSender({ channel: net.sender, source: memorySource(data), clock, chunkBytes: 1000 });
    net.state.drop = (m) => m.type === 'request.data' && [(m.body as { seq: number }).seq].some((s) => s >= 12 && s <= 14);
    const [sent] = await Promise.all([sender.run(), receiver.run()]);
    assert.deepEqual(sink.bytes(), data);
    assert.equal(sent.sha256, sha(data));
    const { resumes, resumedAt } = sender.progress();
    assert.ok(resumes >= 1);
    assert.equal(resumedAt[0], 12_000);
    const wireBytes = net.log
      .filter((m) => m.type === 'request.data')
      .reduce((n, m) => n + (m.body as { data: Uint8Array }).data.length, 0);
    assert.ok(wireBytes < data.length * 1.5, `resent only from the gap: ${wireBytes} bytes on the wire`);
    receiver.close();
  });

  it('after a reconnect that lost everything in flight, continues from the confirmed offset', async () => {
    const clock = new ManualClock();
    const net = link();
    const data = randomBytes(30_000);
    const sink = memorySink();
    const receiver = new DataReceiver({ channel: net.receiver, sink, clock, window: 4, maxChunkBytes: 1000 });
    const source = memorySource(data);
    const sender = new DataSender({ channel: net.sender, source, clock, chunkBytes: 1000 });
    let down = false;
    let tripped = false;
    net.state.drop = (m) => {
      if (!tripped && m.type === 'request.data' && (m.body as { offset: number }).offset === 10_000) down = tripped = true;
      return down;
    };
    const done = Promise.all([sender.run(), receiver.run()]);
    await turns();
    assert.equal(sink.bytes().length, 10_000, 'the link went down after 10 chunks');
    down = false;
    net.ends.receiver.reconnected();
    net.ends.sender.reconnected();
    const [sent] = await done;
    assert.deepEqual(sink.bytes(), data);
    assert.equal(sent.size, data.length);
    assert.ok(source.opens >= 1);
    assert.ok(receiver.progress().resumedAt.includes(10_000));
    receiver.close();
  });

  it('asks for the position when it hears nothing, and gives up after the idle timeout', async () => {
    const clock = new ManualClock();
    const net = link();
    const data = randomBytes(5_000);
    const sink = memorySink();
    const receiver = new DataReceiver({ channel: net.receiver, sink, clock, window: 2, maxChunkBytes: 1000, idleTimeoutMs: 60_000 });
    const sender = new DataSender({ channel: net.sender, source: memorySource(data), clock, chunkBytes: 1000, stallMs: 1_000, idleTimeoutMs: 60_000 });
    let creditsLost = true;
    net.state.drop = (m) => creditsLost && (m.type === 'request.credit' || (m.type === 'request.data.position' && net.log.length > 3));
    const done = Promise.all([sender.run(), receiver.run()]);
    await turns();
    const queriesBefore = net.log.filter((m) => m.type === 'request.data.query').length;
    creditsLost = false;
    clock.advance(1_000);
    await turns();
    assert.ok(net.log.filter((m) => m.type === 'request.data.query').length > queriesBefore, 'a stalled sender queries');
    await done;
    assert.deepEqual(sink.bytes(), data);
    receiver.close();

    const lonely = new DataSender({ channel: link().sender, source: memorySource(data), clock, stallMs: 1_000, idleTimeoutMs: 5_000 });
    const failed = assert.rejects(lonely.run(), (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.TimedOut);
    await turns();
    clock.advance(6_000);
    await failed;
  });

  it('refuses a stream whose source changed between reads (sha256 mismatch)', async () => {
    const clock = new ManualClock();
    const net = link();
    const data = randomBytes(8_000);
    const changed = Buffer.from(data);
    changed[0] = changed[0]! ^ 0xff;
    const sink = memorySink();
    const receiver = new DataReceiver({ channel: net.receiver, sink, clock, window: 4, maxChunkBytes: 1000 });
    const sender = new DataSender({ channel: net.sender, source: memorySource(data, 500, changed), clock, chunkBytes: 1000 });
    net.state.drop = (m) => m.type === 'request.data' && (m.body as { seq: number }).seq === 5;
    const received = receiver.run();
    void sender.run().catch(() => undefined);
    await assert.rejects(received, (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.Conflict);
    assert.equal(sink.finished, null, 'nothing was put in place');
  });

  it('stops on abort with the reason given', async () => {
    const clock = new ManualClock();
    const net = link();
    const controller = new AbortController();
    const receiver = new DataReceiver({ channel: net.receiver, sink: memorySink(), clock, signal: controller.signal });
    const running = receiver.run();
    controller.abort(new RemoteAgentError(ErrorCode.Cancelled, 'cancelled: test'));
    await assert.rejects(running, /cancelled: test/);
  });
});
