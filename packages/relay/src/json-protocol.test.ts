import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProtoData } from '@remote-agent/transport';
import type { ParsedFrame } from './client-message.js';
import { ackFrame, connectedFrame, disconnectedFrame, jsonGroupBody, parseClientFrame, peekAckId } from './json-protocol.js';

/** Frames arrive as the bytes of a text message. */
const parse = (text: string): ParsedFrame => parseClientFrame(Buffer.from(text));

function dataOf(message: unknown): string {
  return (message as { payload: { json: Buffer } }).payload.json.toString('utf8');
}

const jsonPayload = (dataType: 'json' | 'text' | 'binary' | 'protobuf', json: string) => ({ format: 'json' as const, dataType, json: Buffer.from(json) });

function ok(frame: ParsedFrame) {
  assert.ok(frame.ok, frame.ok ? '' : frame.problem);
  return frame.message;
}

/** What @azure/web-pubsub-client's writeMessage produces for sendToGroup. */
function sdkFrame(group: string, data: unknown, dataType = 'json', ackId?: number, noEcho = false): string {
  return JSON.stringify({ type: 'sendToGroup', group, ackId, noEcho, dataType, data });
}

test('SDK sendToGroup frames parse, forwarding data exactly as sent', () => {
  const data = { a: [1, 2, { b: 'x,"data":y' }], s: 'text with "quotes" and ,"data": inside' };
  const msg = ok(parse(sdkFrame('ra.exec.e1', data, 'json', 7, true)));
  assert.deepEqual(msg, { type: 'sendToGroup', group: 'ra.exec.e1', ackId: 7, noEcho: true, payload: jsonPayload('json', JSON.stringify(data)) });
  assert.deepEqual(ok(parse(sdkFrame('g', 'hi', 'text'))), { type: 'sendToGroup', group: 'g', ackId: undefined, noEcho: false, payload: jsonPayload('text', '"hi"') });
  assert.equal(dataOf(ok(parse(sdkFrame('g', 'AQID', 'binary')))), '"AQID"');
  const unicode = { s: 'héllo € 𝄞' };
  assert.deepEqual(JSON.parse(dataOf(ok(parse(sdkFrame('g', unicode))))), unicode, 'bytes of multi-byte text are forwarded whole');
});

test('frames in other key orders and with whitespace parse the same', () => {
  const frames = [
    '{"data":{"x":1},"type":"sendToGroup","group":"g","ackId":3}',
    '{ "type" : "sendToGroup", "group":"g", "ackId":3, "data":{"x":1} }\n',
    '{"type":"sendToGroup","group":"g","ackId":3,"data":{"x":1}}',
  ];
  for (const f of frames) {
    const msg = ok(parse(f)) as { ackId: number; payload: { dataType: string } };
    assert.deepEqual(JSON.parse(dataOf(msg)), { x: 1 });
    assert.equal(msg.ackId, 3);
    assert.equal(msg.payload.dataType, 'json');
  }
});

test('a frame that only looks like the fast path is never forwarded with broken data', () => {
  const tricky = [
    '{"type":"sendToGroup","group":"g","data":1,"noEcho":true}',
    '{"type":"sendToGroup","group":"g","data":1 }}',
    '{"type":"sendToGroup","group":"g","data":{"a":1}',
    '{"type":"sendToGroup","group":"g","data":}',
    '{"type":"sendToGroup","x":{"y":1,"data":2},"group":"g","data":3}',
  ];
  const results = tricky.map((f) => parse(f));
  assert.deepEqual((ok(results[0]!) as { noEcho: boolean }).noEcho, true);
  assert.equal(dataOf(ok(results[0]!)), '1');
  assert.equal(results[1]!.ok, false);
  assert.equal(results[2]!.ok, false);
  assert.equal(results[3]!.ok, false);
  assert.equal(dataOf(ok(results[4]!)), '3');
});

test('join, leave, sequenceAck, ping, event and unknown types', () => {
  assert.deepEqual(ok(parse('{"type":"joinGroup","group":"g","ackId":1}')), { type: 'joinGroup', group: 'g', ackId: 1 });
  assert.deepEqual(ok(parse('{"type":"leaveGroup","group":"g"}')), { type: 'leaveGroup', group: 'g', ackId: undefined });
  assert.deepEqual(ok(parse('{"type":"sequenceAck","sequenceId":12}')), { type: 'sequenceAck', sequenceId: 12 });
  assert.deepEqual(ok(parse('{"type":"ping"}')), { type: 'ping' });
  assert.deepEqual(ok(parse('{"type":"event","event":"e","ackId":2,"data":1}')), { type: 'event', ackId: 2 });
  assert.deepEqual(ok(parse('{"type":"invoke","invocationId":"1"}')), { type: 'unsupported', name: 'invoke', ackId: undefined });
  assert.deepEqual(ok(parse('{"type":"sendToGroup","group":"g","stream":{"streamId":"s"},"ackId":4}')), {
    type: 'unsupported',
    name: 'sendToGroup with stream',
    ackId: 4,
  });
});

test('malformed frames are problems, with the ackId when there is a usable one', () => {
  const cases: Array<[string, RegExp, number | undefined]> = [
    ['not json', /not valid JSON/, undefined],
    ['[1,2]', /not a JSON object/, undefined],
    ['{"ackId":1}', /no "type"/, 1],
    ['{"type":"joinGroup","ackId":-1,"group":"g"}', /ackId/, undefined],
    ['{"type":"joinGroup","ackId":"5","group":"g"}', /ackId/, undefined],
    ['{"type":"joinGroup","ackId":5}', /group/, 5],
    ['{"type":"joinGroup","ackId":5,"group":""}', /group/, 5],
    [`{"type":"joinGroup","ackId":5,"group":"${'x'.repeat(1025)}"}`, /group/, 5],
    ['{"type":"sendToGroup","group":"g","ackId":6}', /data/, 6],
    ['{"type":"sendToGroup","group":"g","ackId":6,"dataType":"xml","data":1}', /dataType/, 6],
    ['{"type":"sendToGroup","group":"g","ackId":6,"dataType":"text","data":1}', /string/, 6],
    ['{"type":"sendToGroup","group":"g","ackId":6,"dataType":"binary","data":"@@"}', /base64/, 6],
    ['{"type":"sendToGroup","group":"g","ackId":6,"noEcho":"yes","data":1}', /noEcho/, 6],
    ['{"type":"sendToGroup","group":7,"ackId":6,"data":1}', /group/, 6],
    ['{"type":"sequenceAck","sequenceId":"1"}', /sequenceId/, undefined],
  ];
  for (const [frame, problem, ackId] of cases) {
    const parsed = parse(frame);
    assert.equal(parsed.ok, false, frame);
    if (parsed.ok) continue;
    assert.match(parsed.problem, problem, frame);
    assert.equal(parsed.ackId, ackId, frame);
  }
});

test('server frames have the shapes the SDK parses', () => {
  assert.deepEqual(JSON.parse(ackFrame(3)), { type: 'ack', ackId: 3, success: true });
  assert.deepEqual(JSON.parse(ackFrame(4, { name: 'Duplicate', message: 'm' })), {
    type: 'ack',
    ackId: 4,
    success: false,
    error: { name: 'Duplicate', message: 'm' },
  });
  assert.deepEqual(JSON.parse(connectedFrame('u', 'c', 't')), { type: 'system', event: 'connected', userId: 'u', connectionId: 'c', reconnectionToken: 't' });
  assert.deepEqual(JSON.parse(connectedFrame(null, 'c', undefined)), { type: 'system', event: 'connected', userId: null, connectionId: 'c' });
  assert.deepEqual(JSON.parse(disconnectedFrame('bye')), { type: 'system', event: 'disconnected', message: 'bye' });
  const body = Buffer.concat(jsonGroupBody('g"1', jsonPayload('json', '{"x":1}'), 'u1'));
  assert.deepEqual(JSON.parse(`{"sequenceId":9,${body}`), {
    sequenceId: 9,
    type: 'message',
    from: 'group',
    group: 'g"1',
    dataType: 'json',
    data: { x: 1 },
    fromUserId: 'u1',
  });
  assert.equal(JSON.parse(`{${Buffer.concat(jsonGroupBody('g', jsonPayload('text', '"t"'), null))}`).fromUserId, undefined);
});

test('peekAckId reads the ackId of a frame the relay will not process', () => {
  assert.equal(peekAckId(Buffer.from('{"type":"sendToGroup","ackId":11,"data":"x"}')), 11);
  assert.equal(peekAckId(Buffer.from('{"type":"sendToGroup","ackId":"11"}')), undefined);
  assert.equal(peekAckId(Buffer.from('garbage')), undefined);
});

test('binary data takes the byte-wise path with the same verdict as a full parse, forwarded as it came', () => {
  const b64 = Buffer.from('x'.repeat(9000)).toString('base64');
  const datas = [`"${b64}"`, '"QQ=="', '""', '"\\u0041QID"', `"${b64}="`, '"Q Q"', '"QQ==="', `"${b64}`, '12', '"é"', '"\\q"', 'null'];
  for (const dataType of ['binary', 'protobuf']) {
    for (const data of datas) {
      const fast = parse(`{"type":"sendToGroup","group":"g","ackId":5,"dataType":"${dataType}","data":${data}}`);
      const slow = parse(`{"data":${data},"type":"sendToGroup","group":"g","ackId":5,"dataType":"${dataType}"}`);
      const label = `${dataType} ${data.slice(0, 20)}`;
      assert.equal(fast.ok, slow.ok, label);
      if (!fast.ok || !slow.ok) {
        assert.deepEqual(fast, slow, label);
        continue;
      }
      assert.equal(dataOf(fast.message), data, `${label}: the bytes as they came`);
      assert.equal(JSON.parse(dataOf(fast.message)), JSON.parse(dataOf(slow.message)), label);
    }
  }
});

test('a protobuf sender\'s data reaches JSON receivers as the JSON protocol carries it', () => {
  const bodyOf = (data: ProtoData) => JSON.parse(`{${Buffer.concat(jsonGroupBody('g', { format: 'protobuf', data }, 'u'))}`) as Record<string, unknown>;
  const common = { type: 'message', from: 'group', group: 'g', fromUserId: 'u' };
  assert.deepEqual(bodyOf({ kind: 'text', bytes: Buffer.from('a "quoted" é\n') }), { ...common, dataType: 'text', data: 'a "quoted" é\n' });
  assert.deepEqual(bodyOf({ kind: 'json', bytes: Buffer.from('[1,{"a":null}]') }), { ...common, dataType: 'json', data: [1, { a: null }] });
  assert.deepEqual(bodyOf({ kind: 'binary', bytes: Buffer.from([0, 255, 7]) }), { ...common, dataType: 'binary', data: 'AP8H' });
  assert.deepEqual(bodyOf({ kind: 'protobuf', bytes: Buffer.from([1]) }), { ...common, dataType: 'protobuf', data: 'AQ==' });
  assert.deepEqual(bodyOf({ kind: 'text', bytes: Buffer.alloc(0) }), { ...common, dataType: 'text', data: '' });
});
