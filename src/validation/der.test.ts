import { describe, expect, it } from 'vitest';
import {
  DerCursor,
  DerError,
  Tag,
  encode,
  encodeBitString,
  encodeBoolean,
  encodeContext,
  encodeInteger,
  encodeNull,
  encodeOid,
  encodeSequence,
  encodeSet,
  encodeString,
  expectTag,
  parseDer,
  readBitString,
  readBoolean,
  readChildren,
  readElement,
  readInteger,
  readNull,
  readOid,
  readSmallInteger,
  readString,
  readUnsignedBytes,
  tagName,
} from './der.js';

const bytes = (hex: string): Buffer => Buffer.from(hex.replace(/\s/g, ''), 'hex');

describe('readElement', () => {
  it('reads short and long form lengths', () => {
    const short = readElement(bytes('0403 aabbcc'), 0);
    expect(short).toMatchObject({ tag: 0x04, start: 0, valueStart: 2, end: 5 });
    const value = Buffer.alloc(200, 7);
    const long = readElement(encode(Tag.OCTET_STRING, value), 0);
    expect(long).toMatchObject({ valueStart: 3, end: 203 });
    expect(encode(Tag.OCTET_STRING, value).subarray(0, 3)).toEqual(bytes('0481c8'));
    expect(encode(Tag.OCTET_STRING, Buffer.alloc(300)).subarray(0, 4)).toEqual(bytes('0482012c'));
  });

  it('refuses indefinite lengths', () => {
    expect(() => readElement(bytes('3080 0500 0000'), 0)).toThrow(/indefinite length/);
  });

  it('refuses non-minimal lengths', () => {
    expect(() => readElement(bytes('04 8103 aabbcc'), 0)).toThrow(/short form/);
    expect(() => readElement(bytes('04 820003 aabbcc'), 0)).toThrow(/leading zero/);
  });

  it('refuses truncation at every point', () => {
    expect(() => readElement(bytes(''), 0)).toThrow(DerError);
    expect(() => readElement(bytes('04'), 0)).toThrow(/before its length/);
    expect(() => readElement(bytes('04 82 01'), 0)).toThrow(/inside its length/);
    expect(() => readElement(bytes('04 05 aabb'), 0)).toThrow(/claims 5 bytes but only 2 remain/);
  });

  it('respects a limit inside the buffer', () => {
    expect(() => readElement(bytes('3003 0401 aa 00'), 2, 4)).toThrow(/claims 1 bytes but only 0 remain/);
  });

  it('refuses multi-byte tags and absurd length sizes', () => {
    expect(() => readElement(bytes('1f 81 00 00'), 0)).toThrow(/multi-byte tag/);
    expect(() => readElement(bytes('04 85 0000000001 aa'), 0)).toThrow(/uses 5 octets/);
  });
});

describe('parseDer', () => {
  it('accepts exactly one element', () => {
    expect(parseDer(bytes('0500'))).toMatchObject({ tag: Tag.NULL, end: 2 });
  });

  it('refuses trailing bytes', () => {
    expect(() => parseDer(bytes('0500 00'))).toThrow(/1 unexpected bytes follow/);
  });
});

describe('children and cursor', () => {
  const sequence = encodeSequence(encodeInteger(1), encodeBoolean(true), encodeNull());

  it('lists the children of a constructed element', () => {
    const children = readChildren(parseDer(sequence), 'test');
    expect(children.map((child) => child.tag)).toEqual([Tag.INTEGER, Tag.BOOLEAN, Tag.NULL]);
  });

  it('refuses children that overrun their parent', () => {
    expect(() => readChildren(parseDer(bytes('3003 0402 aa')), 'test')).toThrow(DerError);
    expect(() => readChildren(parseDer(bytes('0401 aa')), 'test')).toThrow(/not a constructed element/);
  });

  it('reads fields in order, optional ones by tag, and insists on the end', () => {
    const cursor = new DerCursor(parseDer(sequence), 'test');
    expect(readSmallInteger(cursor.next(Tag.INTEGER, 'number'))).toBe(1);
    expect(cursor.optional(Tag.OID)).toBeUndefined();
    expect(readBoolean(cursor.optional(Tag.BOOLEAN)!)).toBe(true);
    expect(() => cursor.end()).toThrow(/unexpected data/);
    expect(cursor.nextAny()?.tag).toBe(Tag.NULL);
    expect(cursor.done).toBe(true);
    expect(cursor.nextAny()).toBeUndefined();
    expect(() => cursor.next(Tag.NULL, 'more')).toThrow(/ends before its more/);
  });

  it('names the expected and the found tag', () => {
    expect(() => expectTag(parseDer(encodeNull()), Tag.SEQUENCE, 'thing')).toThrow('thing at byte 0: expected SEQUENCE, found NULL');
    expect(tagName(0xa0)).toBe('tag 0xa0');
  });
});

describe('INTEGER', () => {
  it.each([0n, 1n, 127n, 128n, 255n, 256n, -1n, -128n, -129n, 65537n, (1n << 2048n) - 1n, -(1n << 100n)])('round-trips %s', (value) => {
    expect(readInteger(parseDer(encodeInteger(value)))).toBe(value);
  });

  it('encodes minimally', () => {
    expect(encodeInteger(128)).toEqual(bytes('0202 0080'));
    expect(encodeInteger(-128)).toEqual(bytes('0201 80'));
    expect(encodeInteger(-129)).toEqual(bytes('0202 ff7f'));
  });

  it('refuses padded and empty integers', () => {
    expect(() => readInteger(parseDer(bytes('0202 0001')))).toThrow(/not minimally encoded/);
    expect(() => readInteger(parseDer(bytes('0202 ff80')))).toThrow(/not minimally encoded/);
    expect(() => readInteger(parseDer(bytes('0200')))).toThrow(/empty/);
  });

  it('reads small integers as numbers, including negative ones', () => {
    expect(readSmallInteger(parseDer(encodeInteger(-129)))).toBe(-129);
    expect(readSmallInteger(parseDer(encodeInteger(2 ** 40)))).toBe(2 ** 40);
    expect(() => readSmallInteger(parseDer(encodeInteger(1n << 60n)))).toThrow(/too large/);
  });

  it('gives unsigned magnitudes without the sign octet and refuses negatives', () => {
    expect(readUnsignedBytes(parseDer(encodeInteger(0x80ff)))).toEqual(bytes('80ff'));
    expect(readUnsignedBytes(parseDer(encodeInteger(0)))).toEqual(bytes('00'));
    expect(() => readUnsignedBytes(parseDer(encodeInteger(-5)))).toThrow(/negative/);
  });
});

describe('OBJECT IDENTIFIER', () => {
  it.each(['1.2.840.113549.1.1.11', '2.5.29.17', '0.9.2342.19200300.100.1.25', '2.999.3', '2.25.329800735698586629295641978511506172918', '1.3.6.1.4.1.311.2.1.14'])('round-trips %s', (oid) => {
    expect(readOid(parseDer(encodeOid(oid)))).toBe(oid);
  });

  it('matches the well-known encoding', () => {
    expect(encodeOid('1.2.840.113549.1.1.11')).toEqual(bytes('0609 2a864886f70d01010b'));
  });

  it('refuses padded, cut-off and empty identifiers', () => {
    expect(() => readOid(parseDer(bytes('0603 2a8001')))).toThrow(/padded/);
    expect(() => readOid(parseDer(bytes('0602 2a86')))).toThrow(/ends inside/);
    expect(() => readOid(parseDer(bytes('0600')))).toThrow(/empty/);
  });
});

describe('BIT STRING, BOOLEAN, NULL', () => {
  it('reads a bit string with its unused bit count', () => {
    expect(readBitString(parseDer(encodeBitString(bytes('abcd'))))).toEqual({ unusedBits: 0, bytes: bytes('abcd') });
    expect(readBitString(parseDer(bytes('0302 04f0'))).unusedBits).toBe(4);
  });

  it('refuses bad unused bit counts and set unused bits', () => {
    expect(() => readBitString(parseDer(bytes('0302 08ff')))).toThrow(/unused bits/);
    expect(() => readBitString(parseDer(bytes('0301 01')))).toThrow(/unused bits/);
    expect(() => readBitString(parseDer(bytes('0302 04f1')))).toThrow(/not zero/);
    expect(() => readBitString(parseDer(bytes('0300')))).toThrow(/empty/);
  });

  it('accepts only DER booleans', () => {
    expect(readBoolean(parseDer(bytes('0101 00')))).toBe(false);
    expect(() => readBoolean(parseDer(bytes('0101 01')))).toThrow(/00 or FF/);
  });

  it('accepts only an empty NULL', () => {
    expect(() => readNull(parseDer(encodeNull()))).not.toThrow();
    expect(() => readNull(parseDer(bytes('0501 00')))).toThrow(/empty/);
  });
});

describe('strings', () => {
  const read = (tag: number, value: Uint8Array) => readString(parseDer(encode(tag, value)));

  it('round-trips every string type', () => {
    for (const [tag, text] of [
      [Tag.UTF8_STRING, 'Bücher GmbH – 東京'],
      [Tag.PRINTABLE_STRING, 'Example Ltd. (UK)'],
      [Tag.IA5_STRING, 'ops@example.com'],
      [Tag.T61_STRING, 'Zürich'],
      [Tag.BMP_STRING, 'Ærø 😀'],
      [Tag.UNIVERSAL_STRING, 'Ω 😀'],
    ] as const) {
      expect(readString(parseDer(encodeString(tag, text)))).toBe(text);
    }
  });

  it('refuses invalid UTF-8', () => {
    expect(() => read(Tag.UTF8_STRING, bytes('c328'))).toThrow(/not valid UTF-8/);
  });

  it('keeps PrintableString to its alphabet, with the wildcard and ampersand seen in the wild', () => {
    expect(read(Tag.PRINTABLE_STRING, Buffer.from('*.example.com'))).toBe('*.example.com');
    expect(read(Tag.PRINTABLE_STRING, Buffer.from('A & B'))).toBe('A & B');
    expect(() => read(Tag.PRINTABLE_STRING, Buffer.from('a@b'))).toThrow(/PrintableString/);
  });

  it('keeps IA5String to ASCII and reads TeletexString as Latin-1', () => {
    expect(() => read(Tag.IA5_STRING, bytes('e9'))).toThrow(/non-ASCII/);
    expect(read(Tag.T61_STRING, bytes('e9'))).toBe('é');
  });

  it('refuses broken BMPString and UniversalString encodings', () => {
    expect(() => read(Tag.BMP_STRING, bytes('0041 00'))).toThrow(/odd number/);
    expect(() => read(Tag.BMP_STRING, bytes('d83d 0041'))).toThrow(/unpaired surrogate/);
    expect(() => read(Tag.BMP_STRING, bytes('de00'))).toThrow(/unpaired surrogate/);
    expect(() => read(Tag.UNIVERSAL_STRING, bytes('000041'))).toThrow(/4-octet/);
    expect(() => read(Tag.UNIVERSAL_STRING, bytes('00110000'))).toThrow(/invalid character/);
  });

  it('refuses non-string tags', () => {
    expect(() => readString(parseDer(encodeNull()))).toThrow(/not a character string/);
  });
});

describe('writer', () => {
  it('sorts SET OF members by encoding (X.690 11.6)', () => {
    expect(encodeSet(encodeInteger(2), encodeInteger(1))).toEqual(bytes('3106 020101 020102'));
  });

  it('builds context tags, primitive and constructed', () => {
    expect(encodeContext(2, false, Buffer.from('a'))).toEqual(bytes('8201 61'));
    expect(encodeContext(0, true)).toEqual(bytes('a000'));
  });
});
