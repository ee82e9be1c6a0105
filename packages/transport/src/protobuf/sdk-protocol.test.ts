import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebPubSubMessage } from '@azure/web-pubsub-client';
import { webPubSubProtobufProtocol, webPubSubProtobufReliableProtocol } from './sdk-protocol.js';
import { decodeUpstream, encodeDownstream, PROTOBUF_PROTOCOL, PROTOBUF_RELIABLE_PROTOCOL, type Downstream } from './web-pubsub-proto.js';
import { ProtobufError } from './wire.js';

const protocol = webPubSubProtobufReliableProtocol();
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

function written(message: WebPubSubMessage): ReturnType<typeof decodeUpstream> {
  const out = protocol.writeMessage(message);
  assert.ok(out instanceof ArrayBuffer, 'writeMessage returns an ArrayBuffer');
  return decodeUpstream(Buffer.from(out));
}

function parsed(msg: Exclude<Downstream, { type: 'unknown' }>): WebPubSubMessage | WebPubSubMessage[] | null {
  const frame = encodeDownstream(msg);
  return protocol.parseMessages(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer);
}

describe('webPubSubProtobufReliableProtocol', () => {
  it('names the subprotocols', () => {
    assert.equal(protocol.name, PROTOBUF_RELIABLE_PROTOCOL);
    assert.equal(protocol.isReliableSubProtocol, true);
    const plain = webPubSubProtobufProtocol();
    assert.equal(plain.name, PROTOBUF_PROTOCOL);
    assert.equal(plain.isReliableSubProtocol, false);
  });

  describe('writeMessage', () => {
    it('writes joins, leaves, sequence acks and pings', () => {
      assert.deepEqual(written({ kind: 'joinGroup', group: 'g', ackId: 1 }), { type: 'joinGroup', group: 'g', ackId: 1 });
      assert.deepEqual(written({ kind: 'leaveGroup', group: 'g' }), { type: 'leaveGroup', group: 'g', ackId: undefined });
      assert.deepEqual(written({ kind: 'sequenceAck', sequenceId: 2 ** 53 - 1 }), { type: 'sequenceAck', sequenceId: 2 ** 53 - 1 });
      assert.deepEqual(written({ kind: 'ping' }), { type: 'ping' });
    });

    it('writes each payload type as the .NET package does: bytes raw, text and json as text_data', () => {
      const bin = new Uint8Array([0, 1, 254, 255]).buffer;
      assert.deepEqual(written({ kind: 'sendToGroup', group: 'g', ackId: 2 ** 32, noEcho: true, dataType: 'binary', data: bin }), {
        type: 'sendToGroup',
        group: 'g',
        ackId: 2 ** 32,
        noEcho: true,
        data: { kind: 'binary', bytes: Buffer.from([0, 1, 254, 255]) },
        stream: false,
      });
      const protobufPayload = written({ kind: 'sendToGroup', group: 'g', noEcho: false, dataType: 'protobuf', data: bin });
      assert.deepEqual(protobufPayload.type === 'sendToGroup' && protobufPayload.data, { kind: 'protobuf', bytes: Buffer.from([0, 1, 254, 255]) });
      const text = written({ kind: 'sendToGroup', group: 'g', noEcho: false, dataType: 'text', data: 'héllo "x"' });
      assert.deepEqual(text.type === 'sendToGroup' && text.data, { kind: 'text', bytes: utf8('héllo "x"') });
      const json = written({ kind: 'sendEvent', event: 'ev', ackId: 3, dataType: 'json', data: { a: [1, 'two', null] } });
      assert.deepEqual(json, { type: 'event', event: 'ev', ackId: 3, data: { kind: 'text', bytes: utf8('{"a":[1,"two",null]}') } });
    });

    it('writes a sendToGroup without payload, and refuses half a payload', () => {
      assert.deepEqual(written({ kind: 'sendToGroup', group: 'g', noEcho: false }), { type: 'sendToGroup', group: 'g', ackId: undefined, noEcho: false, data: undefined, stream: false });
      assert.throws(() => protocol.writeMessage({ kind: 'sendToGroup', group: 'g', noEcho: false, dataType: 'json' }), /requires both dataType and data/);
    });

    it('refuses payloads that do not match their type', () => {
      assert.throws(() => protocol.writeMessage({ kind: 'sendToGroup', group: 'g', noEcho: false, dataType: 'text', data: 5 }), /must be a string/);
      assert.throws(() => protocol.writeMessage({ kind: 'sendToGroup', group: 'g', noEcho: false, dataType: 'binary', data: 'AAE=' }), /must be a ArrayBuffer/);
    });

    it('refuses what the protobuf protocol cannot carry, saying which subprotocol can', () => {
      const cannot: WebPubSubMessage[] = [
        { kind: 'invoke', invocationId: 'i1', target: 'event', event: 'e' },
        { kind: 'cancelInvocation', invocationId: 'i1' },
        { kind: 'streamData', streamId: 's1', streamSequenceId: 1, dataType: 'text', data: 'x' },
        { kind: 'streamEnd', streamId: 's1' },
        { kind: 'sendToGroup', group: 'g', noEcho: false, stream: { streamId: 's1' } },
        { kind: 'setGroupState', group: 'g', state: { a: 'b' } },
        { kind: 'subscribeGroupState', group: 'g' },
        { kind: 'unsubscribeGroupState', group: 'g' },
      ];
      for (const message of cannot) {
        assert.throws(() => protocol.writeMessage(message), /protobuf\.reliable\.webpubsub\.azure\.v1 subprotocol cannot carry .*json\.reliable/, message.kind);
      }
      assert.throws(() => protocol.writeMessage({ kind: 'pong' }), /cannot send a "pong" message/);
    });

    it('returns an ArrayBuffer of exactly the frame, for small frames and for bulk ones', () => {
      for (const size of [1, 64 * 1024]) {
        const out = protocol.writeMessage({ kind: 'sendToGroup', group: 'g', noEcho: false, dataType: 'binary', data: new ArrayBuffer(size) });
        assert.ok(out instanceof ArrayBuffer);
        const frame = Buffer.from(out);
        const decoded = decodeUpstream(frame);
        assert.equal(decoded.type === 'sendToGroup' && decoded.data?.bytes.length, size);
        assert.equal(out.byteLength, frame.length);
      }
    });
  });

  describe('parseMessages', () => {
    it('reads acks as the JSON protocol produces them', () => {
      assert.deepEqual(parsed({ type: 'ack', ackId: 2 ** 32 + 1, success: true }), { kind: 'ack', ackId: 2 ** 32 + 1, success: true });
      assert.deepEqual(parsed({ type: 'ack', ackId: 5, success: false, error: { name: 'Forbidden', message: 'no role' } }), {
        kind: 'ack',
        ackId: 5,
        success: false,
        error: { name: 'Forbidden', message: 'no role' },
      });
    });

    it('reads connected and disconnected system messages with the JSON protocol field names', () => {
      assert.deepEqual(parsed({ type: 'connected', connectionId: 'c1', userId: 'u1', reconnectionToken: 'tok' }), {
        kind: 'connected',
        connectionId: 'c1',
        userId: 'u1',
        reconnectionToken: 'tok',
      });
      assert.deepEqual(parsed({ type: 'connected', connectionId: 'c1', userId: 'u1' }), { kind: 'connected', connectionId: 'c1', userId: 'u1' });
      assert.deepEqual(parsed({ type: 'disconnected', reason: 'token expired' }), { kind: 'disconnected', message: 'token expired' });
      assert.deepEqual(parsed({ type: 'pong' }), { kind: 'pong' });
    });

    it('reads group data: text as a string, json as its value, binary and protobuf as a view of just the payload in the frame', () => {
      assert.deepEqual(parsed({ type: 'data', from: 'group', group: 'g', data: { kind: 'text', bytes: utf8('{"not":"parsed"}') }, sequenceId: 7 }), {
        kind: 'groupData',
        group: 'g',
        dataType: 'text',
        data: '{"not":"parsed"}',
        sequenceId: 7,
      });
      assert.deepEqual(parsed({ type: 'data', from: 'group', group: 'g', data: { kind: 'json', bytes: utf8('{"a":[1,null]}') }, sequenceId: 8 }), {
        kind: 'groupData',
        group: 'g',
        dataType: 'json',
        data: { a: [1, null] },
        sequenceId: 8,
      });
      for (const kind of ['binary', 'protobuf'] as const) {
        const payload = Buffer.alloc(100_000, 3);
        const frame = encodeDownstream({ type: 'data', from: 'group', group: 'g', data: { kind, bytes: payload }, sequenceId: 9 });
        const msg = protocol.parseMessages(frame) as { dataType: string; data: unknown };
        assert.equal(msg.dataType, kind);
        assert.ok(Buffer.isBuffer(msg.data), 'handed on as a Buffer, which the connection delivers as it is');
        assert.equal(msg.data.buffer, frame.buffer, 'a view of the received frame, not a copy');
        assert.ok(msg.data.equals(payload));
      }
    });

    it('reads server data, and leaves out a sequence id of 0 (the SDK would drop the message as a duplicate)', () => {
      assert.deepEqual(parsed({ type: 'data', from: 'server', data: { kind: 'text', bytes: utf8('hi') }, sequenceId: 3 }), {
        kind: 'serverData',
        dataType: 'text',
        data: 'hi',
        sequenceId: 3,
      });
      assert.deepEqual(parsed({ type: 'data', from: 'group', group: 'g', data: { kind: 'text', bytes: utf8('x') }, sequenceId: 0 }), {
        kind: 'groupData',
        group: 'g',
        dataType: 'text',
        data: 'x',
      });
      assert.deepEqual(parsed({ type: 'data', from: 'group', group: 'g', data: { kind: 'text', bytes: utf8('x') } }), {
        kind: 'groupData',
        group: 'g',
        dataType: 'text',
        data: 'x',
      });
    });

    it('takes a Buffer as well as an ArrayBuffer', () => {
      assert.deepEqual(protocol.parseMessages(encodeDownstream({ type: 'pong' })), { kind: 'pong' });
    });

    it('skips what it does not know, as the JSON protocol does: other members, senders and payload kinds', () => {
      assert.equal(protocol.parseMessages(Buffer.from('2a00', 'hex')), null);
      assert.equal(protocol.parseMessages(Buffer.from('1a021a00', 'hex')), null);
      assert.equal(parsed({ type: 'data', from: 'somewhere', group: 'g', data: { kind: 'text', bytes: utf8('x') }, sequenceId: 1 }), null);
      assert.equal(protocol.parseMessages(Buffer.from('120b0a0567726f75701a024a00', 'hex')), null);
    });

    it('refuses text frames and broken frames with a readable error', () => {
      assert.throws(() => protocol.parseMessages('{"type":"ack"}'), /carries binary frames, but a text frame arrived/);
      assert.throws(() => protocol.parseMessages(Buffer.from('0a05', 'hex')), ProtobufError);
      assert.throws(
        () => parsed({ type: 'data', from: 'group', group: 'g', data: { kind: 'json', bytes: utf8('{nope') }, sequenceId: 1 }),
        (err: unknown) => err instanceof ProtobufError && /json_data is not valid JSON/.test(err.message),
      );
    });
  });
});
