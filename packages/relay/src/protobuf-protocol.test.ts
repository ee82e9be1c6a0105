import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDownstream, encodeUpstream, ProtoWriter, type Downstream } from '@remote-agent/transport';
import type { ClientMessage, DataType, ParsedFrame } from './client-message.js';
import { GroupMessage } from './group-message.js';
import { parseProtobufFrame, peekProtobufAckId, protobufWire } from './protobuf-protocol.js';

function ok(frame: ParsedFrame): ClientMessage {
  assert.ok(frame.ok, frame.ok ? '' : frame.problem);
  return frame.message;
}

const sendToGroup = (build: (m: ProtoWriter) => void): Buffer => new ProtoWriter().messageField(1, build).finish();

test('upstream messages parse into the same client messages the JSON protocols give', () => {
  const data = { kind: 'binary' as const, bytes: Buffer.from([0, 1, 2]) };
  assert.deepEqual(ok(parseProtobufFrame(encodeUpstream({ type: 'sendToGroup', group: 'g', ackId: 0, noEcho: true, stream: false, data }))), {
    type: 'sendToGroup',
    group: 'g',
    ackId: 0,
    noEcho: true,
    payload: { format: 'protobuf', data },
  });
  assert.deepEqual(ok(parseProtobufFrame(encodeUpstream({ type: 'joinGroup', group: 'g', ackId: 3 }))), { type: 'joinGroup', group: 'g', ackId: 3 });
  assert.deepEqual(ok(parseProtobufFrame(encodeUpstream({ type: 'leaveGroup', group: 'g' }))), { type: 'leaveGroup', group: 'g', ackId: undefined });
  assert.deepEqual(ok(parseProtobufFrame(encodeUpstream({ type: 'sequenceAck', sequenceId: 77 }))), { type: 'sequenceAck', sequenceId: 77 });
  assert.deepEqual(ok(parseProtobufFrame(encodeUpstream({ type: 'ping' }))), { type: 'ping' });
  assert.deepEqual(ok(parseProtobufFrame(encodeUpstream({ type: 'event', event: 'e', ackId: 4 }))), { type: 'event', ackId: 4 });
  assert.deepEqual(ok(parseProtobufFrame(new ProtoWriter().messageField(2, () => {}).finish())), {
    type: 'unsupported',
    name: 'UpstreamMessage field 2',
    ackId: undefined,
  });
  assert.deepEqual(ok(parseProtobufFrame(sendToGroup((m) => m.stringField(1, 'g').varintField(2, 9).messageField(7, () => {})))), {
    type: 'unsupported',
    name: 'sendToGroup with stream',
    ackId: 9,
  });
});

test('malformed frames are problems, with the ackId when it can be read', () => {
  const cases: Array<[Buffer, RegExp, number | undefined]> = [
    [Buffer.alloc(0), /no message set/, undefined],
    [Buffer.from([0xff, 0xff]), /not a valid protobuf/, undefined],
    [Buffer.from([0x0a, 0x10, 0x0a]), /says 16 bytes/, undefined],
    [sendToGroup((m) => m.stringField(1, 'g').varintField(2, 5).messageField(3, (d) => d.bytesField(1, Buffer.from([0xc3, 0x28])))), /not UTF-8/, 5],
    [sendToGroup((m) => m.stringField(1, 'g').varintField(2, 6).messageField(3, (d) => d.bytesField(4, Buffer.from('{"a"'))).boolField(4, true)), /json_data is not valid JSON/, 6],
    [sendToGroup((m) => m.stringField(1, 'g').varintField(2, 7)), /needs data/, 7],
    [sendToGroup((m) => m.varintField(2, 8).messageField(3, (d) => d.bytesField(1, Buffer.from('x')))), /needs group/, 8],
    [sendToGroup((m) => m.stringField(1, 'x'.repeat(1025)).varintField(2, 9).messageField(3, (d) => d.bytesField(1, Buffer.from('x')))), /needs group/, 9],
    [new ProtoWriter().messageField(6, (m) => m.stringField(1, '').varintField(2, 10)).finish(), /joinGroup needs group/, 10],
    [sendToGroup((m) => m.stringField(1, 'g').varintField(2, 11).messageField(3, () => {})), /none of text_data/, 11],
    [new ProtoWriter().messageField(5, (m) => m.stringField(1, 'e').messageField(2, (d) => d.bytesField(1, Buffer.from([0xff]))).varintField(3, 12)).finish(), /not UTF-8/, 12],
  ];
  for (const [frame, problem, ackId] of cases) {
    const parsed = parseProtobufFrame(frame);
    assert.equal(parsed.ok, false, String(problem));
    if (parsed.ok) continue;
    assert.match(parsed.problem, problem);
    assert.equal(parsed.ackId, ackId, String(problem));
  }
});

test('the codec refuses text frames and reads binary ones', () => {
  const join = encodeUpstream({ type: 'joinGroup', group: 'g', ackId: 1 });
  const asText = protobufWire.parse(join, false);
  assert.equal(asText.ok, false);
  assert.match(asText.ok ? '' : asText.problem, /text frame on a protobuf connection/);
  assert.equal(asText.ok ? 0 : asText.ackId, undefined);
  assert.equal(protobufWire.parse(join, true).ok, true);
});

test('peekProtobufAckId finds the ackId of any member that has one, before any damage after it', () => {
  const big = { kind: 'binary' as const, bytes: Buffer.alloc(2 * 1024 * 1024) };
  assert.equal(peekProtobufAckId(encodeUpstream({ type: 'sendToGroup', group: 'g', ackId: 41, noEcho: false, stream: false, data: big })), 41);
  assert.equal(peekProtobufAckId(encodeUpstream({ type: 'event', event: 'e', ackId: 42, data: big })), 42);
  assert.equal(peekProtobufAckId(encodeUpstream({ type: 'joinGroup', group: 'g', ackId: 43 })), 43);
  assert.equal(peekProtobufAckId(encodeUpstream({ type: 'leaveGroup', group: 'g', ackId: 44 })), 44);
  assert.equal(peekProtobufAckId(encodeUpstream({ type: 'sequenceAck', sequenceId: 45 })), undefined, 'a sequence id is no ackId');
  assert.equal(peekProtobufAckId(encodeUpstream({ type: 'joinGroup', group: 'g' })), undefined);
  assert.equal(peekProtobufAckId(sendToGroup((m) => m.stringField(1, 'g').varintField(2, 46).bytesField(3, Buffer.from([0x0a, 0x09])))), 46);
  assert.equal(peekProtobufAckId(Buffer.from([0xff, 0xff, 0xff])), undefined);
  assert.equal(peekProtobufAckId(Buffer.from('{"ackId":1}')), undefined);
});

test('a JSON sender\'s data reaches protobuf receivers as the service converts it', () => {
  const dataOf = (dataType: DataType, json: string) => {
    const frame = decodeDownstream(protobufWire.groupFrame(new GroupMessage('g', { format: 'json', dataType, json: Buffer.from(json) }, 'u'), 7));
    assert.equal(frame.type, 'data');
    const data = frame as Extract<Downstream, { type: 'data' }>;
    assert.deepEqual([data.from, data.group, data.sequenceId], ['group', 'g', 7]);
    return data.data;
  };
  assert.deepEqual(dataOf('json', ' {"a":[1,"é"]} '), { kind: 'text', bytes: Buffer.from('{"a":[1,"é"]}') });
  assert.deepEqual(dataOf('text', '"h\\u00e9llo \\"q\\""'), { kind: 'text', bytes: Buffer.from('héllo "q"') });
  assert.deepEqual(dataOf('binary', '"AP8H"'), { kind: 'binary', bytes: Buffer.from([0, 255, 7]) });
  assert.deepEqual(dataOf('protobuf', '"\\u0041Q=="'), { kind: 'protobuf', bytes: Buffer.from([1]) });
  assert.deepEqual(dataOf('binary', '""'), { kind: 'binary', bytes: Buffer.alloc(0) });
});

test('control frames decode as the protobuf client reads them', () => {
  assert.deepEqual(decodeDownstream(Buffer.from(protobufWire.connected(null, 'c', undefined))), { type: 'connected', connectionId: 'c', userId: '' });
  assert.deepEqual(decodeDownstream(Buffer.from(protobufWire.ack(0))), { type: 'ack', ackId: 0, success: true });
  assert.deepEqual(decodeDownstream(Buffer.from(protobufWire.disconnected('why'))), { type: 'disconnected', reason: 'why' });
  assert.deepEqual(decodeDownstream(Buffer.from(protobufWire.pong())), { type: 'pong' });
  assert.equal(protobufWire.sendOptions.binary, true);
});
