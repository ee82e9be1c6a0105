import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, RemoteAgentError } from '@remote-agent/contracts';
import { createStreamDecoder, decodeText, detectEncoding, detectLineEnding, encodeText } from './text-codec.js';

describe('detectEncoding', () => {
  it('recognises the UTF-8 and UTF-16 byte order marks', () => {
    assert.deepEqual(detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x61]), true), { binary: false, encoding: 'utf8', bom: true });
    assert.deepEqual(detectEncoding(Buffer.from([0xff, 0xfe, 0x61, 0x00]), true), { binary: false, encoding: 'utf16le', bom: true });
    assert.deepEqual(detectEncoding(Buffer.from([0xfe, 0xff, 0x00, 0x61]), true), { binary: false, encoding: 'utf16be', bom: true });
  });

  it('calls a sample with a NUL byte binary', () => {
    assert.deepEqual(detectEncoding(Buffer.from('PNG\0\x01\x02rest'), true), { binary: true });
  });

  it('calls a sample full of control bytes binary even without NUL', () => {
    const bytes = Buffer.alloc(200, 0x41);
    for (let i = 0; i < 40; i++) bytes[i * 5] = 0x01;
    assert.deepEqual(detectEncoding(bytes, true), { binary: true });
  });

  it('keeps tabs, form feeds and ANSI escapes as text', () => {
    assert.deepEqual(detectEncoding(Buffer.from('\x1b[31mred\x1b[0m\tx\f\r\n'), true), { binary: false, encoding: 'utf8', bom: false });
  });

  it('reads invalid UTF-8 as latin1 rather than replacing bytes', () => {
    assert.deepEqual(detectEncoding(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), true), { binary: false, encoding: 'latin1', bom: false });
  });

  it('accepts a multi-byte character cut at the end of a partial sample, not of a whole file', () => {
    const cut = Buffer.from('abc€', 'utf8').subarray(0, 5);
    assert.equal(detectEncoding(cut, false).binary, false);
    assert.deepEqual(detectEncoding(cut, false), { binary: false, encoding: 'utf8', bom: false });
    assert.deepEqual(detectEncoding(cut, true), { binary: false, encoding: 'latin1', bom: false });
  });
});

describe('decodeText / encodeText', () => {
  for (const encoding of ['utf8', 'utf16le', 'utf16be'] as const) {
    it(`round-trips ${encoding} with a BOM byte for byte`, () => {
      const text = 'héllo\r\nwörld ✓ 𝄞\n';
      const bytes = encodeText(text, encoding, true);
      const detected = detectEncoding(bytes, true);
      assert.deepEqual(detected, { binary: false, encoding, bom: true });
      assert.equal(decodeText(bytes, encoding, true), text);
      assert.deepEqual(encodeText(decodeText(bytes, encoding, true), encoding, true), bytes);
    });
  }

  it('round-trips latin1 bytes exactly', () => {
    const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x80, 0xff, 0x0a]);
    assert.deepEqual(encodeText(decodeText(bytes, 'latin1', false), 'latin1', false), bytes);
  });

  it('refuses text latin1 cannot hold, naming the character', () => {
    assert.throws(
      () => encodeText('price: €5', 'latin1', false),
      (err: unknown) => err instanceof RemoteAgentError && err.code === ErrorCode.BadRequest && err.message.includes('"€"'),
    );
  });
});

describe('createStreamDecoder', () => {
  it('joins a UTF-8 character split across chunks and skips the BOM', () => {
    const bytes = encodeText('a€b', 'utf8', true);
    const decoder = createStreamDecoder('utf8', true, true);
    const parts = [bytes.subarray(0, 2), bytes.subarray(2, 5), bytes.subarray(5)].map((c) => decoder.write(c));
    assert.equal(parts.join('') + decoder.end(), 'a€b');
  });

  it('joins UTF-16 code units and surrogate pairs split across chunks', () => {
    const text = 'x𝄞y\r\n';
    for (const encoding of ['utf16le', 'utf16be'] as const) {
      const bytes = encodeText(text, encoding, true);
      const decoder = createStreamDecoder(encoding, true, true);
      let out = '';
      for (let i = 0; i < bytes.length; i += 3) out += decoder.write(bytes.subarray(i, i + 3));
      assert.equal(out + decoder.end(), text, encoding);
    }
  });

  it('throws on invalid UTF-8 when fatal, so the caller can fall back to latin1', () => {
    const decoder = createStreamDecoder('utf8', false, true);
    assert.throws(() => decoder.write(Buffer.from([0x61, 0xff, 0x62])), TypeError);
  });
});

describe('detectLineEnding', () => {
  it('tells LF, CRLF, mixed and none apart', () => {
    assert.equal(detectLineEnding('a\nb\n'), 'lf');
    assert.equal(detectLineEnding('a\r\nb\r\n'), 'crlf');
    assert.equal(detectLineEnding('a\r\nb\n'), 'mixed');
    assert.equal(detectLineEnding('abc'), 'none');
    assert.equal(detectLineEnding('\n'), 'lf');
  });
});
