import { isDataStreamMessageType, parseEnvelope, type DataStreamMessageType, type EnvelopeOf } from '@remote-agent/contracts';
import { DataChannelListeners, type DataChannel } from '@remote-agent/transport';
import type { FakeDaemon } from './fake-daemon.js';

/** The daemon's end of one request's byte stream, over the fake daemon's relay connection. */
export function daemonChannel(daemon: FakeDaemon, executorId: string, requestId: string): DataChannel & { reconnected(): void } {
  const listeners = new DataChannelListeners((err) => {
    throw err;
  });
  daemon.connection.on('message', (msg) => {
    const parsed = parseEnvelope(msg.data);
    if (!parsed.ok) return;
    const env = parsed.envelope;
    if (isDataStreamMessageType(env.type) && 'requestId' in env && env.requestId === requestId) {
      listeners.deliver(env as EnvelopeOf<DataStreamMessageType>);
    }
  });
  const channel = listeners.channel((type, body) => daemon.send(executorId, type, body, requestId));
  return { ...channel, reconnected: () => listeners.reconnected() };
}
