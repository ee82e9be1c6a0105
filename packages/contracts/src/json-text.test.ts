import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envelopeFactory, parseEnvelope } from './envelope.js';
import { toJsonText } from './json-text.js';

const make = envelopeFactory({ role: 'executor', id: 'exec-"quoted"', now: () => 1700000000000, newId: () => 'id-1' });
const bytes = Buffer.from('line one\n"quoted" \\ back\u0001\u00e9\n');

test('a base64 output chunk is the same JSON as JSON.stringify would write', () => {
  const env = make('request.output', { stream: 'stdout', seq: 3, offset: 42, data: bytes.toString('base64'), encoding: 'base64' }, 'req-1');
  const text = toJsonText(env);
  assert.deepEqual(JSON.parse(text), env);
  const parsed = parseEnvelope(text);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.envelope, env);
});

test('a byte-stream chunk, with and without optional fields, round-trips', () => {
  const sha256 = 'a'.repeat(64);
  for (const body of [
    { seq: 0, offset: 0, data: bytes.toString('base64') },
    { seq: 1, offset: 10, data: '', total: 10, eof: { size: 10, sha256, format: 'file' as const } },
  ]) {
    const env = make('request.data', body, 'req-2');
    assert.deepEqual(JSON.parse(toJsonText(env)), env);
  }
});

test('utf8 output and every other message are written by JSON.stringify, escapes included', () => {
  const text = bytes.toString('utf8');
  const utf8 = make('request.output', { stream: 'stderr', seq: 0, offset: 0, data: text, encoding: 'utf8' }, 'req-3');
  assert.equal(toJsonText(utf8), JSON.stringify(utf8));
  assert.equal((JSON.parse(toJsonText(utf8)) as { body: { data: string } }).body.data, text);
  const credit = make('request.credit', { through: 64 }, 'req-4');
  assert.equal(toJsonText(credit), JSON.stringify(credit));
  for (const odd of [null, 'text', 7, [1, 2], { type: 'request.data', body: [] }, { type: 'request.data', body: { data: 5 } }]) {
    assert.equal(toJsonText(odd), JSON.stringify(odd));
  }
});
