/**
 * A minimal, strict DER reader and writer (ITU-T X.690 section 10): exactly what PKCS #10 requests need,
 * without a general ASN.1 library. The reader refuses what DER forbids where it matters for a signed
 * structure — indefinite lengths, non-minimal lengths and integers, truncation, trailing bytes — so two
 * different byte strings never decode to the same request. It never copies: elements are offsets into
 * the caller's buffer.
 */

/** Universal and context tags that certificate requests use (X.680 section 8.4). */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Bit 6 of the identifier octet: the element contains other elements (X.690 section 8.1.2.5). */
const CONSTRUCTED = 0x20;

/** Raised for any byte string that is not valid DER; its message says what and where, for a person. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One DER element: where its identifier, value and end lie in `bytes`. */
export interface DerElement {
  readonly bytes: Uint8Array;
  /** The identifier octet (single-octet tags only: X.509 and PKCS #10 use no tag number above 30). */
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first value octet. */
  readonly valueStart: number;
  /** Offset one past the last value octet. */
  readonly end: number;
}

/**
 * Reads the element that starts at `offset` and must end by `limit`.
 * @throws DerError on truncation, indefinite or non-minimal lengths and multi-octet tags.
 */
export function readElement(bytes: Uint8Array, offset: number, limit: number = bytes.length): DerElement {
  if (offset >= limit) throw new DerError(`expected an element at byte ${offset} but the data ends there`);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at byte ${offset} is not used in a certificate request`);
  let pos = offset + 1;
  if (pos >= limit) throw new DerError(`element at byte ${offset} is cut off before its length`);
  const first = bytes[pos++]!;
  let length = first;
  if (first === 0x80) throw new DerError(`indefinite length at byte ${offset + 1} is not allowed in DER (X.690 10.1)`);
  if (first > 0x80) {
    const count = first & 0x7f;
    // Four length octets already allow 4 GiB; anything longer cannot describe data held in memory.
    if (count > 4) throw new DerError(`length at byte ${offset + 1} uses ${count} octets`);
    if (pos + count > limit) throw new DerError(`element at byte ${offset} is cut off inside its length`);
    if (bytes[pos] === 0) throw new DerError(`length at byte ${offset + 1} has a leading zero octet (X.690 10.1)`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos++]!;
    if (length < 0x80) throw new DerError(`length ${length} at byte ${offset + 1} must use the short form (X.690 10.1)`);
  }
  if (length > limit - pos) {
    throw new DerError(`element at byte ${offset} claims ${length} bytes but only ${limit - pos} remain`);
  }
  return { bytes, tag, start: offset, valueStart: pos, end: pos + length };
}

/**
 * Reads a buffer that must hold exactly one element.
 * @throws DerError when the element is invalid or followed by anything, even whitespace.
 */
export function parseDer(bytes: Uint8Array): DerElement {
  const element = readElement(bytes, 0);
  if (element.end !== bytes.length) {
    throw new DerError(`${bytes.length - element.end} unexpected bytes follow the end of the data at byte ${element.end}`);
  }
  return element;
}

/** Describes a tag for error messages. */
export function tagName(tag: number): string {
  for (const [name, value] of Object.entries(Tag)) if (value === tag) return name.replace('_', ' ');
  return `tag 0x${tag.toString(16).padStart(2, '0')}`;
}

/**
 * Checks an element's tag.
 * @throws DerError naming `what` when the tag differs.
 */
export function expectTag(element: DerElement, tag: number, what: string): void {
  if (element.tag !== tag) {
    throw new DerError(`${what} at byte ${element.start}: expected ${tagName(tag)}, found ${tagName(element.tag)}`);
  }
}

/** The element's value octets, as a view (no copy). */
export function valueOf(element: DerElement): Uint8Array {
  return element.bytes.subarray(element.valueStart, element.end);
}

/**
 * All children of a constructed element, which must exactly fill it.
 * @throws DerError when the element is primitive or a child is invalid.
 */
export function readChildren(element: DerElement, what: string): DerElement[] {
  if ((element.tag & CONSTRUCTED) === 0) throw new DerError(`${what} at byte ${element.start} is not a constructed element`);
  const children: DerElement[] = [];
  for (let pos = element.valueStart; pos < element.end; ) {
    const child = readElement(element.bytes, pos, element.end);
    children.push(child);
    pos = child.end;
  }
  return children;
}

/** Reads the fields of a SEQUENCE in order, with optional fields recognised by their tag. */
export class DerCursor {
  readonly #parent: DerElement;
  readonly #what: string;
  #pos: number;

  /** @throws DerError when `parent` is not constructed. */
  constructor(parent: DerElement, what: string) {
    if ((parent.tag & CONSTRUCTED) === 0) throw new DerError(`${what} at byte ${parent.start} is not a constructed element`);
    this.#parent = parent;
    this.#what = what;
    this.#pos = parent.valueStart;
  }

  /** Whether every field has been read. */
  get done(): boolean {
    return this.#pos >= this.#parent.end;
  }

  /**
   * The next field, which must have `tag`.
   * @throws DerError when it is missing or has another tag.
   */
  next(tag: number, what: string): DerElement {
    if (this.done) throw new DerError(`${this.#what} ends before its ${what}`);
    const element = readElement(this.#parent.bytes, this.#pos, this.#parent.end);
    expectTag(element, tag, what);
    this.#pos = element.end;
    return element;
  }

  /** The next field, whatever its tag (for ANY DEFINED BY), or undefined at the end. */
  nextAny(): DerElement | undefined {
    if (this.done) return undefined;
    const element = readElement(this.#parent.bytes, this.#pos, this.#parent.end);
    this.#pos = element.end;
    return element;
  }

  /** The next field if it has `tag` (an OPTIONAL or DEFAULT field), otherwise undefined and nothing is consumed. */
  optional(tag: number): DerElement | undefined {
    if (this.done || this.#parent.bytes[this.#pos] !== tag) return undefined;
    const element = readElement(this.#parent.bytes, this.#pos, this.#parent.end);
    this.#pos = element.end;
    return element;
  }

  /** @throws DerError when fields remain unread. */
  end(): void {
    if (!this.done) throw new DerError(`${this.#what} has unexpected data at byte ${this.#pos}`);
  }
}

function hexOf(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('hex');
}

/** Checks that an INTEGER is present and in the minimal two's complement form of X.690 8.3.2. */
function integerRange(element: DerElement, what: string): void {
  expectTag(element, Tag.INTEGER, what);
  const { bytes, valueStart, end } = element;
  if (end === valueStart) throw new DerError(`${what} at byte ${element.start} is empty`);
  if (end - valueStart > 1) {
    const first = bytes[valueStart]!;
    const second = bytes[valueStart + 1]!;
    if ((first === 0x00 && second < 0x80) || (first === 0xff && second >= 0x80)) {
      throw new DerError(`${what} at byte ${element.start} is not minimally encoded (X.690 8.3.2)`);
    }
  }
}

/**
 * An INTEGER of any size.
 * @throws DerError when the element is not a minimal INTEGER.
 */
export function readInteger(element: DerElement, what = 'INTEGER'): bigint {
  integerRange(element, what);
  const { bytes, valueStart, end } = element;
  const magnitude = BigInt(`0x${hexOf(bytes, valueStart, end)}`);
  return bytes[valueStart]! >= 0x80 ? magnitude - (1n << BigInt((end - valueStart) * 8)) : magnitude;
}

/**
 * An INTEGER small enough for a number (versions, salt lengths).
 * @throws DerError when it is not a minimal INTEGER or not a safe integer.
 */
export function readSmallInteger(element: DerElement, what = 'INTEGER'): number {
  integerRange(element, what);
  const { bytes, valueStart, end } = element;
  if (end - valueStart > 6) throw new DerError(`${what} at byte ${element.start} is too large`);
  let value = bytes[valueStart]! >= 0x80 ? -1 : 0;
  for (let pos = valueStart; pos < end; pos++) value = value * 256 + bytes[pos]!;
  return value;
}

/**
 * A non-negative INTEGER's big-endian magnitude without the sign octet, as a view: an RSA modulus in the
 * form blocklists and key sizes use.
 * @throws DerError when it is not a minimal INTEGER or is negative.
 */
export function readUnsignedBytes(element: DerElement, what = 'INTEGER'): Uint8Array {
  integerRange(element, what);
  const { bytes, valueStart, end } = element;
  if (bytes[valueStart]! >= 0x80) throw new DerError(`${what} at byte ${element.start} is negative`);
  const skip = bytes[valueStart] === 0 && end - valueStart > 1 ? 1 : 0;
  return bytes.subarray(valueStart + skip, end);
}

/**
 * An OBJECT IDENTIFIER in dotted form, e.g. `1.2.840.113549.1.1.11`.
 * @throws DerError when a sub-identifier is padded (X.690 8.19.2) or cut off.
 */
export function readOid(element: DerElement, what = 'OBJECT IDENTIFIER'): string {
  expectTag(element, Tag.OID, what);
  const { bytes, valueStart, end } = element;
  if (end === valueStart) throw new DerError(`${what} at byte ${element.start} is empty`);
  const arcs: string[] = [];
  let pos = valueStart;
  while (pos < end) {
    if (bytes[pos] === 0x80) throw new DerError(`${what} at byte ${element.start} has a padded sub-identifier (X.690 8.19.2)`);
    let value = 0;
    let big: bigint | undefined;
    for (;;) {
      if (pos >= end) throw new DerError(`${what} at byte ${element.start} ends inside a sub-identifier`);
      const octet = bytes[pos++]!;
      // Numbers stay exact below 2^53; arcs beyond that (UUID arcs under 2.25) continue as bigint.
      if (big === undefined && value < 2 ** 45) value = value * 128 + (octet & 0x7f);
      else big = (big ?? BigInt(value)) * 128n + BigInt(octet & 0x7f);
      if ((octet & 0x80) === 0) break;
    }
    if (arcs.length === 0) {
      // The first sub-identifier packs two arcs as 40 * first + second (X.690 8.19.4).
      if (big !== undefined) arcs.push('2', (big - 80n).toString());
      else if (value < 80) arcs.push(String(Math.floor(value / 40)), String(value % 40));
      else arcs.push('2', String(value - 80));
    } else {
      arcs.push(big !== undefined ? big.toString() : String(value));
    }
  }
  return arcs.join('.');
}

/** A BIT STRING's content. */
export interface BitString {
  /** Number of unused bits in the last octet (0–7). */
  readonly unusedBits: number;
  /** The octets, as a view. */
  readonly bytes: Uint8Array;
}

/**
 * A BIT STRING.
 * @throws DerError when the unused-bit count is out of range or the unused bits are not zero (X.690 11.2.1).
 */
export function readBitString(element: DerElement, what = 'BIT STRING'): BitString {
  expectTag(element, Tag.BIT_STRING, what);
  const { bytes, valueStart, end } = element;
  if (end === valueStart) throw new DerError(`${what} at byte ${element.start} is empty`);
  const unusedBits = bytes[valueStart]!;
  if (unusedBits > 7 || (unusedBits > 0 && end - valueStart === 1)) {
    throw new DerError(`${what} at byte ${element.start} declares ${unusedBits} unused bits`);
  }
  if (unusedBits > 0 && (bytes[end - 1]! & ((1 << unusedBits) - 1)) !== 0) {
    throw new DerError(`${what} at byte ${element.start} has unused bits that are not zero (X.690 11.2.1)`);
  }
  return { unusedBits, bytes: bytes.subarray(valueStart + 1, end) };
}

/**
 * A BOOLEAN.
 * @throws DerError unless it is one octet of 0x00 or 0xFF (X.690 11.1).
 */
export function readBoolean(element: DerElement, what = 'BOOLEAN'): boolean {
  expectTag(element, Tag.BOOLEAN, what);
  const value = element.bytes[element.valueStart];
  if (element.end - element.valueStart !== 1 || (value !== 0x00 && value !== 0xff)) {
    throw new DerError(`${what} at byte ${element.start} must be one octet of 00 or FF (X.690 11.1)`);
  }
  return value === 0xff;
}

/** @throws DerError unless the element is a NULL with no content. */
export function readNull(element: DerElement, what = 'NULL'): void {
  expectTag(element, Tag.NULL, what);
  if (element.end !== element.valueStart) throw new DerError(`${what} at byte ${element.start} must be empty`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * PrintableString's alphabet (X.680 41.4), plus `*` and `&`: certificates and requests in the wild carry
 * wildcard names and company names in PrintableString, and Go's crypto/x509 accepts both for that reason.
 */
function isPrintable(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x27 && code <= 0x3a) || // ' ( ) * + , - . / 0-9 :
    code === 0x20 ||
    code === 0x3d ||
    code === 0x3f ||
    code === 0x26
  );
}

function decodeUtf16be(value: Uint8Array, what: string, start: number): string {
  if (value.length % 2 !== 0) throw new DerError(`${what} at byte ${start} has an odd number of octets`);
  let out = '';
  for (let i = 0; i < value.length; i += 2) {
    const unit = (value[i]! << 8) | value[i + 1]!;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = i + 3 < value.length ? (value[i + 2]! << 8) | value[i + 3]! : 0;
      if (low < 0xdc00 || low > 0xdfff) throw new DerError(`${what} at byte ${start} has an unpaired surrogate`);
      out += String.fromCharCode(unit, low);
      i += 2;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      throw new DerError(`${what} at byte ${start} has an unpaired surrogate`);
    } else {
      out += String.fromCharCode(unit);
    }
  }
  return out;
}

function decodeUtf32be(value: Uint8Array, what: string, start: number): string {
  if (value.length % 4 !== 0) throw new DerError(`${what} at byte ${start} is not a whole number of 4-octet characters`);
  let out = '';
  for (let i = 0; i < value.length; i += 4) {
    const code = ((value[i]! << 24) | (value[i + 1]! << 16) | (value[i + 2]! << 8) | value[i + 3]!) >>> 0;
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      throw new DerError(`${what} at byte ${start} holds an invalid character U+${code.toString(16)}`);
    }
    out += String.fromCodePoint(code);
  }
  return out;
}

/** The string types a Name or a GeneralName may use, by tag. */
export const STRING_TAGS: ReadonlySet<number> = new Set([
  Tag.UTF8_STRING,
  Tag.PRINTABLE_STRING,
  Tag.T61_STRING,
  Tag.IA5_STRING,
  Tag.UNIVERSAL_STRING,
  Tag.BMP_STRING,
]);

/**
 * A character string of any of the {@link STRING_TAGS} types. TeletexString is read as ISO 8859-1, as
 * OpenSSL, Go and browsers do: T.61's own repertoire is never what encoders meant.
 * @throws DerError for another tag or for octets the type does not allow.
 */
export function readString(element: DerElement, what = 'string'): string {
  const value = valueOf(element);
  switch (element.tag) {
    case Tag.UTF8_STRING:
      try {
        return utf8.decode(value);
      } catch {
        throw new DerError(`${what} at byte ${element.start} is not valid UTF-8`);
      }
    case Tag.PRINTABLE_STRING:
      for (const code of value) {
        if (!isPrintable(code)) throw new DerError(`${what} at byte ${element.start} has a character PrintableString does not allow`);
      }
      return Buffer.from(value.buffer, value.byteOffset, value.length).toString('latin1');
    case Tag.IA5_STRING:
      for (const code of value) {
        if (code > 0x7f) throw new DerError(`${what} at byte ${element.start} has a non-ASCII octet, which IA5String does not allow`);
      }
      return Buffer.from(value.buffer, value.byteOffset, value.length).toString('latin1');
    case Tag.T61_STRING:
      return Buffer.from(value.buffer, value.byteOffset, value.length).toString('latin1');
    case Tag.BMP_STRING:
      return decodeUtf16be(value, what, element.start);
    case Tag.UNIVERSAL_STRING:
      return decodeUtf32be(value, what, element.start);
    default:
      throw new DerError(`${what} at byte ${element.start} is a ${tagName(element.tag)}, not a character string`);
  }
}

// ---- writer -------------------------------------------------------------------------------------

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** Encodes one element from its identifier octet and the concatenation of `contents`. */
export function encode(tag: number, ...contents: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of contents) length += part.length;
  return Buffer.concat([Uint8Array.of(tag), encodeLength(length), ...contents]);
}

/** A SEQUENCE of already encoded elements. */
export function encodeSequence(...elements: readonly Uint8Array[]): Buffer {
  return encode(Tag.SEQUENCE, ...elements);
}

/** A SET of already encoded elements, sorted by encoding as DER requires for SET OF (X.690 11.6). */
export function encodeSet(...elements: readonly Uint8Array[]): Buffer {
  return encode(Tag.SET, ...[...elements].sort((a, b) => Buffer.compare(a, b)));
}

/** A context-specific tag `[number]`; `constructed` for EXPLICIT tags and IMPLICIT constructed types. */
export function encodeContext(number: number, constructed: boolean, ...contents: readonly Uint8Array[]): Buffer {
  return encode(0x80 | (constructed ? CONSTRUCTED : 0) | number, ...contents);
}

/** A minimal two's complement INTEGER. */
export function encodeInteger(value: bigint | number): Buffer {
  let n = BigInt(value);
  if (n >= 0n) {
    let hex = n.toString(16);
    if (hex.length % 2 === 1) hex = `0${hex}`;
    if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
    return encode(Tag.INTEGER, Buffer.from(hex, 'hex'));
  }
  let octets = 1;
  while (n < -(1n << BigInt(octets * 8 - 1))) octets++;
  n += 1n << BigInt(octets * 8);
  return encode(Tag.INTEGER, Buffer.from(n.toString(16).padStart(octets * 2, '0'), 'hex'));
}

function base128(value: bigint): number[] {
  const out = [Number(value & 0x7fn)];
  for (let rest = value >> 7n; rest > 0n; rest >>= 7n) out.unshift(Number(rest & 0x7fn) | 0x80);
  return out;
}

/** An OBJECT IDENTIFIER from its dotted form. */
export function encodeOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined) throw new RangeError(`OID ${dotted} needs at least two arcs`);
  const octets = [...base128(first * 40n + second)];
  for (const arc of rest) octets.push(...base128(arc));
  return encode(Tag.OID, Uint8Array.from(octets));
}

/** NULL. */
export function encodeNull(): Buffer {
  return encode(Tag.NULL);
}

/** A BOOLEAN in its DER form. */
export function encodeBoolean(value: boolean): Buffer {
  return encode(Tag.BOOLEAN, Uint8Array.of(value ? 0xff : 0x00));
}

/** A BIT STRING of whole octets. */
export function encodeBitString(bytes: Uint8Array): Buffer {
  return encode(Tag.BIT_STRING, Uint8Array.of(0), bytes);
}

/** An OCTET STRING. */
export function encodeOctetString(bytes: Uint8Array): Buffer {
  return encode(Tag.OCTET_STRING, bytes);
}

/** A character string of the given type; the caller chooses a type that can hold `text`. */
export function encodeString(tag: number, text: string): Buffer {
  switch (tag) {
    case Tag.UTF8_STRING:
      return encode(tag, Buffer.from(text, 'utf8'));
    case Tag.BMP_STRING:
      return encode(tag, Buffer.from(text, 'utf16le').swap16());
    case Tag.UNIVERSAL_STRING: {
      const codes = [...text].map((char) => char.codePointAt(0) ?? 0);
      const out = Buffer.alloc(codes.length * 4);
      codes.forEach((code, i) => out.writeUInt32BE(code, i * 4));
      return encode(tag, out);
    }
    default:
      return encode(tag, Buffer.from(text, 'latin1'));
  }
}
