import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { decodeBase64JsonString, isBase64JsonString, isBase64JsonStringSlow } from './base64-literal.js';

const b64 = randomBytes(3000).toString('base64');

const valid = [
  `"${b64}"`,
  '""',
  '"QQ=="',
  '"QUI="',
  '"QUJD"',
  '"A="',
  '"ABCDE"',
  ` \n\t"${b64}"\r `,
  '"\\u0041QID"',
  '"QUJD\\/"',
  '"QQ=\\u003d"',
  `"${'+/'.repeat(2000)}"`,
];

const broken = [
  `"${b64}`,
  `${b64}"`,
  b64,
  '"',
  '',
  '   ',
  '"QQ==="',
  '"QQ==Q"',
  '"Q=Q="',
  '"QQ== "',
  `"${b64.slice(0, 100)}-${b64.slice(100)}"`,
  `"${b64.slice(0, 100)}_${b64.slice(100)}"`,
  `"${b64.slice(0, 100)}"${b64.slice(100)}"`,
  `"${b64.slice(0, 100)}\u0001${b64.slice(100)}"`,
  `"${b64.slice(0, 100)}é${b64.slice(100)}"`,
  '"QQ=\\u0041"',
  '"\\q"',
  '"\\u00"',
  '"QQ\\"',
  '["QQ=="]',
  '{"a":"QQ=="}',
  '"QQ==""QQ=="',
  '1',
  'null',
  '"\uFEFFQQ=="',
  '\uFEFF"QQ=="',
];

test('the byte-wise check agrees with JSON.parse plus the pattern on valid and broken literals', () => {
  assert.ok(valid.every((v) => isBase64JsonStringSlow(Buffer.from(v))), 'the valid cases are valid');
  assert.ok(!broken.some((v) => isBase64JsonStringSlow(Buffer.from(v))), 'the broken cases are broken');
  for (const literal of [...valid, ...broken]) {
    const bytes = Buffer.from(literal);
    assert.equal(isBase64JsonString(bytes), isBase64JsonStringSlow(bytes), literal.slice(0, 40));
  }
});

test('agrees with the definition on every single-byte change of a literal', () => {
  const base = Buffer.from('"QUJDRA==" ');
  for (let at = 0; at < base.length; at++) {
    for (let byte = 0; byte < 256; byte++) {
      const bytes = Buffer.from(base);
      bytes[at] = byte;
      assert.equal(isBase64JsonString(bytes), isBase64JsonStringSlow(bytes), `byte ${byte} at ${at}`);
    }
  }
});

test('decodes what it accepts, with or without escapes', () => {
  const raw = randomBytes(5000);
  assert.deepEqual(decodeBase64JsonString(Buffer.from(` "${raw.toString('base64')}" `)), raw);
  assert.deepEqual(decodeBase64JsonString(Buffer.from('"\\u0041QID"')), Buffer.from([1, 2, 3]));
  assert.deepEqual(decodeBase64JsonString(Buffer.from('""')), Buffer.alloc(0));
});
