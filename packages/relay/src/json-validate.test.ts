import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPlainStringContent, isValidJson } from './json-validate.js';

const long = (fill: string, bytes = 8192): string => fill.repeat(Math.ceil(bytes / fill.length)).slice(0, bytes);

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

test('plain string content: every byte value at every alignment', () => {
  const base = Buffer.from(long('QUJD', 64));
  for (let offset = 0; offset < 4; offset++) {
    for (let at = 0; at < 24; at++) {
      for (let byte = 0; byte < 256; byte++) {
        const buf = Buffer.concat([Buffer.alloc(offset), base]);
        buf[offset + at] = byte;
        const plain = byte >= 0x20 && byte !== 0x5c && byte < 0x80;
        assert.equal(isPlainStringContent(buf, offset, buf.length), plain, `byte ${byte} at ${at}, offset ${offset}`);
      }
    }
  }
});

test('agrees with JSON.parse on bulk-shaped values and their malformed variants', () => {
  const b64 = long('aGVsbG8gd29ybGQ=');
  const valid = [
    `{"v":1,"body":{"seq":1,"data":"${b64}"}}`,
    `{"k":"x\\"${b64}"}`,
    `["a","${b64}"]`,
    `"${b64}"`,
    `{"${b64}":1}`,
    JSON.stringify({ a: long('é€ text with "quotes", \\ and \n ') }),
    ` {"a":"${b64}"} `,
  ];
  const invalid = [
    `{"v":1,"body":{"data":"${b64}"}`,
    `{"v":1,"body":{"data":"${b64}"}}}`,
    `{"a":"x""${b64}"}`,
    `{"a":"${b64}\u0001"}`,
    `{"a":"${b64}\\q"}`,
    `{"a":1,"b":"${b64}",}`,
    `{"a" "${b64}"}`,
    `"${b64}`,
    `${b64}"`,
  ];
  for (const text of [...valid, ...invalid]) {
    assert.equal(isValidJson(Buffer.from(text)), parses(text), text.slice(0, 40) + '…' + text.slice(-12));
  }
  assert.ok(valid.every(parses) && !invalid.some(parses), 'the cases are what they say');
});

test('a forwarded slice of a larger buffer is judged on its own bytes', () => {
  const frame = Buffer.from(`{"type":"sendToGroup","data":{"d":"${long('QQ==')}"}}`);
  const start = frame.indexOf('{"d"');
  assert.equal(isValidJson(frame.subarray(start, frame.length - 1)), true);
  assert.equal(isValidJson(frame.subarray(start, frame.length - 2)), false);
});
