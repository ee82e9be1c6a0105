import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dataMessageBody,
  decodeDownstream,
  decodeMessageData,
  decodeUpstream,
  encodeDownstream,
  encodeMessageData,
  encodeUpstream,
  groupDataFrame,
  type Downstream,
  type Upstream,
} from './web-pubsub-proto.js';
import { ProtobufError } from './wire.js';

const hex = (buf: Uint8Array): string => Buffer.from(buf).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

function refused(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProtobufError, `expected a ProtobufError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  };
}

type KnownUp = Exclude<Upstream, { type: 'unknown' }>;
type KnownDown = Exclude<Downstream, { type: 'unknown' }>;

/**
 * Frames worked out by hand from the proto definitions (UpstreamMessage / DownstreamMessage as Microsoft's
 * reference pages and its .NET package give them): tag = field number * 8 + wire type, then a length for
 * length-delimited fields. "g" is 67, "group" 67726f7570, "hi" 6869.
 */
const UPSTREAM_VECTORS: Array<[string, KnownUp, string]> = [
  // join_group_message = 6 -> 32; group = 1 -> 0a; ack_id = 2 -> 10.
  ['joinGroup', { type: 'joinGroup', group: 'g', ackId: 1 }, '32 05 0a0167 1001'],
  // leave_group_message = 7 -> 3a; no ack_id, so nothing for field 2.
  ['leaveGroup without ackId', { type: 'leaveGroup', group: 'g' }, '3a 03 0a0167'],
  // sequence_ack_message = 8 -> 42; 300 = ac 02.
  ['sequenceAck', { type: 'sequenceAck', sequenceId: 300 }, '42 03 08ac02'],
  // ping_message = 9 -> 4a, empty.
  ['ping', { type: 'ping' }, '4a 00'],
  // send_to_group_message = 1 -> 0a; ack_id 2^32 = 80 80 80 80 10; data = 3 -> 1a holding binary_data = 2 -> 12; no_echo = 4 -> 20.
  [
    'sendToGroup with binary data',
    { type: 'sendToGroup', group: 'g', ackId: 2 ** 32, noEcho: true, data: { kind: 'binary', bytes: Buffer.from([1, 2, 3]) }, stream: false },
    '0a 12 0a0167 108080808010 1a05 1203010203 2001',
  ],
  // event_message = 5 -> 2a; event = 1, data = 2 (text_data = 1 -> 0a), ack_id = 3 -> 18.
  ['event with text', { type: 'event', event: 'e', ackId: 7, data: { kind: 'text', bytes: utf8('hi') } }, '2a 0b 0a0165 1204 0a026869 1807'],
  // json_data = 4 -> 22.
  ['sendToGroup with json_data', { type: 'sendToGroup', group: 'g', noEcho: false, data: { kind: 'json', bytes: utf8('{}') }, stream: false }, '0a 09 0a0167 1a04 22027b7d'],
];

const DOWNSTREAM_VECTORS: Array<[string, KnownDown, string]> = [
  // ack_message = 1 -> 0a; ack_id = 1 -> 08; success false is left out; error = 3 -> 1a (name = 1, message = 2).
  [
    'refused ack',
    { type: 'ack', ackId: 1, success: false, error: { name: 'Forbidden', message: 'no' } },
    '0a 13 0801 1a0f 0a09466f7262696464656e 12026e6f',
  ],
  ['successful ack', { type: 'ack', ackId: 2, success: true }, '0a 04 0802 1001'],
  // data_message = 2 -> 12; from = 1, group = 2, data = 3, sequence_id = 4 -> 20.
  [
    'group data',
    { type: 'data', from: 'group', group: 'g', data: { kind: 'text', bytes: utf8('hi') }, sequenceId: 5 },
    '12 12 0a0567726f7570 120167 1a040a026869 2005',
  ],
  // system_message = 3 -> 1a; connected_message = 1 (connection_id 1, user_id 2, reconnection_token 3).
  ['connected', { type: 'connected', connectionId: 'c1', userId: 'u1', reconnectionToken: 't1' }, '1a 0e 0a0c 0a026331 12027531 1a027431'],
  // disconnected_message = 2 -> 12, its reason is field 2.
  ['disconnected', { type: 'disconnected', reason: 'bye' }, '1a 07 1205 1203627965'],
  // pong_message = 4 -> 22.
  ['pong', { type: 'pong' }, '22 00'],
];

describe('upstream messages', () => {
  for (const [name, msg, frame] of UPSTREAM_VECTORS) {
    it(`${name} encodes to the hand-derived bytes and decodes back`, () => {
      assert.equal(hex(encodeUpstream(msg)), hex(bytes(frame)));
      const decoded = decodeUpstream(bytes(frame));
      const expected = msg.type === 'sendToGroup' || msg.type === 'event' || msg.type === 'joinGroup' || msg.type === 'leaveGroup' ? { ackId: undefined, ...msg } : msg;
      assert.deepEqual(decoded, expected);
    });
  }

  it('round-trips a 200 KB payload and the largest ack id, with the payload read as a view of the frame', () => {
    const payload = Buffer.alloc(200 * 1024, 7);
    const msg: KnownUp = { type: 'sendToGroup', group: 'ra.daemon.d1', ackId: 2 ** 53 - 1, noEcho: false, data: { kind: 'binary', bytes: payload }, stream: false };
    const frame = encodeUpstream(msg);
    const decoded = decodeUpstream(frame);
    assert.deepEqual(decoded, msg);
    assert.equal(decoded.type === 'sendToGroup' && decoded.data?.bytes.buffer, frame.buffer);
  });

  it('keeps an empty text payload (a oneof member is sent even when empty)', () => {
    const msg: KnownUp = { type: 'event', event: 'e', data: { kind: 'text', bytes: Buffer.alloc(0) } };
    assert.deepEqual(decodeUpstream(encodeUpstream(msg)), { ...msg, ackId: undefined });
  });

  it('reports a member it does not know as unknown, and prefers a known one beside it', () => {
    assert.deepEqual(decodeUpstream(bytes('5a00')), { type: 'unknown', field: 11 });
    assert.equal(decodeUpstream(bytes('3a030a0167 5a00')).type, 'leaveGroup');
    assert.equal(decodeUpstream(bytes('5a00 3a030a0167')).type, 'leaveGroup');
  });

  it('refuses an empty frame, a known member with the wrong wire type, and a field of the wrong wire type', () => {
    assert.throws(() => decodeUpstream(Buffer.alloc(0)), refused(/UpstreamMessage has no message set/));
    assert.throws(() => decodeUpstream(bytes('3001')), refused(/UpstreamMessage member \(field 6\) has wire type 0, expected length-delimited/));
    assert.throws(() => decodeUpstream(bytes('32 06 0a0167 120100')), refused(/ack_id \(field 2\) has wire type 2, expected a varint/));
    assert.throws(() => decodeUpstream(bytes('32 02 0801')), refused(/group \(field 1\) has wire type 0, expected length-delimited/));
  });

  it('refuses a group name or text payload that is not UTF-8', () => {
    assert.throws(() => decodeUpstream(bytes('32 03 0a01ff')), refused(/group is not UTF-8/));
    assert.throws(() => decodeUpstream(bytes('0a 08 0a0167 1a03 0a01ff')), refused(/text_data is not UTF-8/));
  });

  it('refuses a sendToGroup whose data holds no member it knows', () => {
    assert.throws(() => decodeUpstream(bytes('0a 07 0a0167 1a02 4a00')), refused(/MessageData has none of/));
  });
});

describe('downstream messages', () => {
  for (const [name, msg, frame] of DOWNSTREAM_VECTORS) {
    it(`${name} encodes to the hand-derived bytes and decodes back`, () => {
      assert.equal(hex(encodeDownstream(msg)), hex(bytes(frame)));
      assert.deepEqual(decodeDownstream(bytes(frame)), msg);
    });
  }

  it('frames one DataMessage body per recipient with its own sequence id, the same bytes encodeDownstream writes', () => {
    const data = { kind: 'binary' as const, bytes: Buffer.from([9, 8, 7]) };
    const body = dataMessageBody('group', 'g', data);
    for (const sequenceId of [1, 127, 128, 2 ** 32, 2 ** 53 - 1]) {
      const frame = groupDataFrame(body, sequenceId);
      assert.equal(hex(frame), hex(encodeDownstream({ type: 'data', from: 'group', group: 'g', data, sequenceId })));
      assert.deepEqual(decodeDownstream(frame), { type: 'data', from: 'group', group: 'g', data, sequenceId });
    }
    assert.deepEqual(decodeDownstream(groupDataFrame(body)), { type: 'data', from: 'group', group: 'g', data, sequenceId: undefined });
    assert.ok(body.parts.includes(data.bytes), 'the body holds the payload by reference: each frame copies it once');
  });

  it('reads a connected message without a reconnection token (the non-reliable protocol) as having none', () => {
    assert.deepEqual(decodeDownstream(bytes('1a 0a 0a08 0a026331 12027531')), { type: 'connected', connectionId: 'c1', userId: 'u1' });
  });

  it('reads a DataMessage whose payload member it does not know as one without data, and unknown members as unknown', () => {
    assert.deepEqual(decodeDownstream(bytes('12 0b 0a0567726f7570 1a024a00')), { type: 'data', from: 'group', group: undefined, data: undefined, sequenceId: undefined });
    assert.deepEqual(decodeDownstream(bytes('2a00')), { type: 'unknown', field: 5 });
    assert.deepEqual(decodeDownstream(bytes('1a02 1a00')), { type: 'unknown', field: 3 });
  });

  it('refuses every truncation of every frame with a ProtobufError', () => {
    for (const [name, , frame] of DOWNSTREAM_VECTORS) {
      const whole = bytes(frame);
      for (let n = 0; n < whole.length; n++) {
        assert.throws(() => decodeDownstream(whole.subarray(0, n)), ProtobufError, `${name} cut to ${n} bytes`);
      }
    }
    for (const [name, , frame] of UPSTREAM_VECTORS) {
      const whole = bytes(frame);
      for (let n = 0; n < whole.length; n++) {
        assert.throws(() => decodeUpstream(whole.subarray(0, n)), ProtobufError, `${name} cut to ${n} bytes`);
      }
    }
  });

  it('refuses a sequence id past 2^53 - 1, an overlong varint, and non-UTF-8 text or json', () => {
    assert.throws(() => decodeDownstream(bytes('12 10 0a0567726f7570 208080808080808010')), refused(/larger than 2\^53 - 1/));
    assert.throws(() => decodeDownstream(bytes('0a 0c 08 8080808080808080808000')), refused(/longer than 10 bytes/));
    assert.throws(() => decodeDownstream(bytes('12 0c 0a0567726f7570 1a03 0a01c3')), refused(/text_data is not UTF-8/));
    assert.throws(() => decodeDownstream(bytes('12 0c 0a0567726f7570 1a03 2201ff')), refused(/json_data is not UTF-8/));
    assert.throws(() => decodeDownstream(bytes('1a 06 0a04 0a02c328')), refused(/connection_id is not UTF-8/));
  });
});

describe('MessageData', () => {
  it('round-trips each kind, the last member winning as protobuf has it', () => {
    for (const kind of ['text', 'binary', 'protobuf', 'json'] as const) {
      const data = { kind, bytes: utf8('{"a":1}') };
      assert.deepEqual(decodeMessageData(encodeMessageData(data)), data);
    }
    assert.deepEqual(decodeMessageData(bytes('0a0161 120102')), { kind: 'binary', bytes: Buffer.from([2]) });
  });
});
