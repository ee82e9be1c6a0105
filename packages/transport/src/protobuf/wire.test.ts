import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtobufError, ProtoWriter, readFields, readVarint, varintSize, WireType } from './wire.js';

const hex = (buf: Uint8Array): string => Buffer.from(buf).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

function refused(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProtobufError, `expected a ProtobufError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('varints', () => {
  // Each value with its encoding worked out by hand: 7 bits a byte, least significant group first.
  const vectors: Array<[number, string]> = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [2 ** 32 - 1, 'ffffffff0f'],
    [2 ** 32, '8080808010'],
    [2 ** 53 - 1, 'ffffffffffffff0f'],
  ];

  for (const [value, encoded] of vectors) {
    it(`${value} is ${encoded} both ways`, () => {
      const written = new ProtoWriter().varintField(1, value).finish();
      assert.equal(hex(written), `08${encoded}`);
      assert.equal(varintSize(value), encoded.length / 2);
      assert.deepEqual(readVarint(bytes(encoded), 0), [value, encoded.length / 2]);
    });
  }

  it('refuses to write what is not a non-negative safe integer', () => {
    for (const value of [-1, 1.5, 2 ** 53, Number.NaN]) {
      assert.throws(() => new ProtoWriter().varintField(1, value), refused(/non-negative safe integer/));
    }
  });

  it('refuses to read 2^53 and more rather than round it', () => {
    assert.throws(() => readVarint(bytes('80808080808080 10'), 0), refused(/larger than 2\^53 - 1/));
    assert.throws(() => readVarint(bytes('ffffffffffffffffff 01'), 0), refused(/larger than 2\^53 - 1/));
  });

  it('refuses a varint cut short or longer than 10 bytes', () => {
    assert.throws(() => readVarint(bytes('ff'), 0), refused(/cut short/));
    assert.throws(() => readVarint(bytes(''), 0), refused(/cut short/));
    assert.throws(() => readVarint(bytes('80'.repeat(10) + '00'), 0), refused(/longer than 10 bytes/));
  });

  it('reads a non-canonical (padded) varint as its value', () => {
    assert.deepEqual(readVarint(bytes('8180 00'), 0), [1, 3]);
  });
});

describe('ProtoWriter and readFields', () => {
  it('writes strings, bytes, bools and nested messages as the wire format has them', () => {
    const frame = new ProtoWriter()
      .stringField(1, 'hé')
      .bytesField(2, Uint8Array.from([0, 255]))
      .boolField(4, true)
      .messageField(5, (m) => m.varintField(1, 150))
      .finish();
    // 0a = field 1 length-delimited, "hé" is 68 c3 a9; 12 = field 2; 20 = field 4 varint; 2a = field 5 length-delimited.
    assert.equal(hex(frame), '0a0368c3a9' + '120200ff' + '2001' + '2a03089601');
    const fields = [...readFields(frame)];
    assert.deepEqual(
      fields.map((f) => [f.field, f.wireType, f.wireType === WireType.Varint ? f.value : hex(f.bytes)]),
      [
        [1, WireType.LengthDelimited, '68c3a9'],
        [2, WireType.LengthDelimited, '00ff'],
        [4, WireType.Varint, 1],
        [5, WireType.LengthDelimited, '089601'],
      ],
    );
  });

  it('keeps a bytes field by reference until finish, and reads length-delimited fields as views of the frame', () => {
    const payload = Buffer.from([1, 2, 3]);
    const w = new ProtoWriter().bytesField(1, payload);
    payload[0] = 9;
    const frame = w.finish();
    assert.equal(hex(frame), '0a03090203');
    const [field] = [...readFields(frame)];
    assert.equal(field!.bytes.buffer, frame.buffer);
    assert.equal(field!.bytes.byteOffset, frame.byteOffset + 2);
  });

  it('writes a bytes field given in pieces as the one field they make, and can hand its parts over unjoined', () => {
    const pieces = [Buffer.from([1, 2]), Buffer.alloc(0), Buffer.from([3])];
    assert.equal(hex(new ProtoWriter().bytesField(1, pieces).finish()), hex(new ProtoWriter().bytesField(1, Buffer.from([1, 2, 3])).finish()));
    const { parts, length } = new ProtoWriter().varintField(2, 1).bytesField(1, pieces).unjoined();
    assert.equal(length, 7);
    assert.ok(parts.includes(pieces[0]!), 'the pieces are kept by reference, not copied');
    assert.equal(hex(Buffer.concat(parts)), '1001' + '0a03010203');
  });

  it('writes an empty nested message as its tag and a zero length', () => {
    assert.equal(hex(new ProtoWriter().messageField(9, () => {}).finish()), '4a00');
  });

  it('skips fixed64 and fixed32 fields it does not need', () => {
    const frame = bytes('09 0102030405060708  15 01020304  0801');
    assert.deepEqual(
      [...readFields(frame)].map((f) => [f.field, f.value]),
      [[1, 1]],
    );
  });

  it('refuses malformed frames with a message that says what is wrong', () => {
    assert.throws(() => [...readFields(bytes('0a05 0102'))], refused(/says 5 bytes but the frame ends 2 bytes later/));
    assert.throws(() => [...readFields(bytes('0a'))], refused(/cut short/));
    assert.throws(() => [...readFields(bytes('09 0102'))], refused(/field 1 is cut short/));
    assert.throws(() => [...readFields(bytes('15 01'))], refused(/field 2 is cut short/));
    assert.throws(() => [...readFields(bytes('0001'))], refused(/field number 0 is not valid/));
    assert.throws(() => [...readFields(bytes('0b'))], refused(/wire type 3, which proto3 does not use/));
    assert.throws(() => [...readFields(bytes('8080808010 01'))], refused(/field number 536870912 is not valid/));
  });
});
