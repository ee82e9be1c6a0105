import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envelopeFactory, parseEnvelope } from './envelope.js';
import { fromWire, toWire, WirePieces } from './wire-form.js';

const make = envelopeFactory({ role: 'executor', id: 'exec-1', now: () => 1_700_000_000_000, newId: () => 'm-1' });

function bulkValue(wire: unknown): { body: { data: Buffer } } {
  const read = fromWire(wire);
  assert.ok(read.ok);
  return read.value as { body: { data: Buffer } };
}

describe('wire form', () => {
  it('leaves an ordinary message a JSON value', () => {
    const env = make('request.credit', { through: 8 }, 'req-1');
    assert.equal(toWire(env), env);
  });

  it('packs a chunk as one binary payload and reads back the same envelope, every byte value intact', () => {
    const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    const env = make('request.output', { stream: 'stdout', seq: 3, offset: 99, data: bytes }, 'req-1');
    const pieces = toWire(env);
    assert.ok(pieces instanceof WirePieces);
    assert.equal(pieces.pieces.at(-1), bytes, 'the chunk is handed on as it is, for the connection to copy once into its frame');
    const wire = pieces.join();
    assert.equal(pieces.byteLength, wire.length);
    assert.equal(wire[0], 0x00);
    assert.ok(wire.length < bytes.length + 200, 'the bytes are carried as they are, not encoded');
    const parsed = parseEnvelope(wire);
    assert.ok(parsed.ok);
    assert.deepEqual({ ...parsed.envelope, body: { ...parsed.envelope.body, data: null } }, { ...env, body: { ...env.body, data: null } });
    assert.deepEqual(Buffer.from((parsed.envelope.body as { data: Uint8Array }).data), bytes);
  });

  it('reads a chunk delivered inside a larger buffer (a view of the received frame) without copying it', () => {
    const env = make('request.data', { seq: 0, offset: 0, data: Buffer.from('abc') }, 'req-1');
    const wire = (toWire(env) as WirePieces).join();
    const frame = Buffer.concat([Buffer.from('prefix'), wire, Buffer.from('suffix')]);
    const view = frame.subarray(6, 6 + wire.length);
    const value = bulkValue(view);
    assert.equal(value.body.data.toString(), 'abc');
    assert.equal(value.body.data.buffer, frame.buffer);
  });

  it('reads JSON sent as text or as UTF-8 bytes', () => {
    const env = make('request.credit', { through: 1 }, 'req-1');
    assert.deepEqual(parseEnvelope(JSON.stringify(env)), { ok: true, envelope: env });
    assert.deepEqual(parseEnvelope(Buffer.from(JSON.stringify(env))), { ok: true, envelope: env });
  });

  it('refuses broken binary payloads with a reason, never throwing', () => {
    const wire = (toWire(make('request.data', { seq: 0, offset: 0, data: Buffer.from('abc') }, 'req-1')) as WirePieces).join();
    const cases: Array<[Buffer, RegExp]> = [
      [wire.subarray(0, 4), /shorter than its 6-byte head/],
      [Buffer.concat([Buffer.from([0, 9]), wire.subarray(2)]), /format 9/],
      [Buffer.concat([wire.subarray(0, 2), Buffer.from([0xff, 0, 0, 0]), wire.subarray(6)]), /runs past its end/],
      [Buffer.concat([Buffer.from([0, 1, 0, 0, 0, 3]), Buffer.from('{x}')]), /not valid JSON/],
      [Buffer.concat([Buffer.from([0, 1, 0, 0, 0, 2]), Buffer.from('[]')]), /no body object/],
      [Buffer.from('{not json'), /not valid JSON/],
    ];
    for (const [input, reason] of cases) {
      const parsed = parseEnvelope(input);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, reason);
    }
  });

  it('refuses a bulk message whose chunk came as a string (an older peer)', () => {
    const parsed = parseEnvelope({ ...make('request.credit', { through: 1 }, 'r'), type: 'request.output', body: { stream: 'stdout', seq: 0, offset: 0, data: 'aGk=' } });
    assert.equal(parsed.ok, false);
  });
});
