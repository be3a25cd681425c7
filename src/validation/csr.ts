/**
 * Decoding and checking of PKCS #10 certificate signing requests (RFC 2986) against the CA/Browser Forum
 * Baseline Requirements (BR). Pure: the only dependency is node:crypto, for hashes and the signature check.
 *
 * This runs on every keystroke of the order form, so the work is ordered by cost: a strict DER walk, cheap
 * integer arithmetic on the RSA modulus, and only then the one expensive call, the signature check.
 */
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { FieldError } from '../domain/errors.js';
import {
  DerCursor,
  DerError,
  STRING_TAGS,
  Tag,
  expectTag,
  parseDer,
  readBitString,
  readBoolean,
  readChildren,
  readInteger,
  readNull,
  readOid,
  readSmallInteger,
  readString,
  readUnsignedBytes,
  valueOf,
  type DerElement,
} from './der.js';
import type { Checked, CsrKey, CsrSubject, DecodedCsr, WeakKeyBlocklist } from './types.js';

/** Options of {@link decodeCsr}. */
export interface CsrDecodeOptions {
  /** Known weak keys (Debian, CVE-2008-0166); none by default, since the lists are not available at build time. */
  readonly blocklist?: WeakKeyBlocklist;
}

/** Options of {@link createCsrDecoder}. */
export interface CsrDecoderOptions extends CsrDecodeOptions {
  /** How many decoded CSRs to remember, least recently used first out; default 1000, 0 disables the cache. */
  readonly cacheSize?: number;
}

/** Decodes and checks one CSR given as PEM, DER bytes or unarmoured base64. */
export type CsrDecoder = (input: string | Uint8Array) => Checked<DecodedCsr>;

const PATH = 'csr';

function fieldError(code: string, message: string): FieldError {
  return Object.freeze({ path: PATH, code, message });
}

function refused(...errors: FieldError[]): { readonly ok: false; readonly errors: readonly FieldError[] } {
  return Object.freeze({ ok: false as const, errors: Object.freeze(errors) });
}

/** Quotes text taken from the request for a message, short enough to read. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

// ---- input: PEM, DER or bare base64 -------------------------------------------------------------

const PEM_LABELS: ReadonlySet<string> = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
const PEM_BEGIN = '-----BEGIN ';
const PEM_DASHES = '-----';
/** RFC 7468 section 3: base64 with whitespace anywhere, padding only at the end. */
const BASE64_BODY = /^[A-Za-z0-9+/\s]*(?:=\s*){0,2}$/;
const HOW_TO_PASTE = 'paste the whole block from -----BEGIN CERTIFICATE REQUEST----- to -----END CERTIFICATE REQUEST-----';

const REQUIRED = refused(fieldError('csr.required', `A certificate signing request (CSR) is required: ${HOW_TO_PASTE}.`));

function notPem(reason: string): ReturnType<typeof refused> {
  return refused(fieldError('csr.not_pem', `${reason}; ${HOW_TO_PASTE}.`));
}

function wrongPemBlock(label: string): ReturnType<typeof refused> {
  if (label.includes('PRIVATE KEY')) {
    return notPem('This is a private key, which must stay secret: create a new key, since this one was shared, and send the CSR made from it');
  }
  if (label === 'CERTIFICATE') return notPem('This is a certificate, not a certificate signing request (CSR)');
  const name = /^[A-Z0-9 ]{1,40}$/.test(label) ? `a PEM "${label}" block` : 'a PEM block of another kind';
  return notPem(`This is ${name}, not a certificate signing request (CSR)`);
}

function decodeBase64(body: string, what: string): Checked<Buffer> {
  if (!BASE64_BODY.test(body)) return notPem(`The ${what} is not valid base64`);
  const der = Buffer.from(body, 'base64');
  if (der.length === 0) return notPem(`The ${what} is empty`);
  return { ok: true, value: der };
}

function textToDer(text: string): Checked<Buffer> {
  const begin = text.indexOf(PEM_BEGIN);
  if (begin === -1) {
    const body = text.trim();
    if (body === '') return REQUIRED;
    const der = decodeBase64(body, 'text');
    if (!der.ok || der.value[0] === Tag.SEQUENCE) return der;
    return notPem('The text is not a certificate signing request (CSR)');
  }
  const labelStart = begin + PEM_BEGIN.length;
  const labelEnd = text.indexOf(PEM_DASHES, labelStart);
  if (labelEnd === -1) return notPem('The -----BEGIN line is incomplete');
  const label = text.slice(labelStart, labelEnd);
  if (!PEM_LABELS.has(label)) return wrongPemBlock(label);
  const bodyStart = labelEnd + PEM_DASHES.length;
  const footer = text.indexOf(`-----END ${label}-----`, bodyStart);
  if (footer === -1) return notPem(`The -----END ${label}----- line is missing`);
  return decodeBase64(text.slice(bodyStart, footer), 'PEM block');
}

/** Turns any accepted input form into DER bytes, without copying bytes that are DER already. */
function toDer(input: string | Uint8Array): Checked<Buffer> {
  if (typeof input === 'string') return textToDer(input);
  if (input.length === 0) return REQUIRED;
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.length);
  // A DER request starts with a SEQUENCE; anything else is taken to be the bytes of a PEM file.
  return bytes[0] === Tag.SEQUENCE ? { ok: true, value: bytes } : textToDer(bytes.toString('latin1'));
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** PEM with 64-character lines (RFC 7468 section 2), the form suppliers and `openssl req` expect. */
function toPem(der: Buffer): string {
  const base64 = der.toString('base64');
  let pem = '-----BEGIN CERTIFICATE REQUEST-----\n';
  for (let i = 0; i < base64.length; i += 64) pem += `${base64.slice(i, i + 64)}\n`;
  return `${pem}-----END CERTIFICATE REQUEST-----\n`;
}

// ---- object identifiers -------------------------------------------------------------------------

const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  sha1: '1.3.14.3.2.26',
} as const;

const SUBJECT_ATTRIBUTES: ReadonlyMap<string, { readonly field: keyof CsrSubject; readonly name: string }> = new Map([
  ['2.5.4.3', { field: 'commonName', name: 'common name (CN)' }],
  ['2.5.4.10', { field: 'organization', name: 'organisation (O)' }],
  ['2.5.4.11', { field: 'organizationalUnit', name: 'organisational unit (OU)' }],
  ['2.5.4.7', { field: 'locality', name: 'locality (L)' }],
  ['2.5.4.8', { field: 'state', name: 'state or province (ST)' }],
  ['2.5.4.6', { field: 'country', name: 'country (C)' }],
  ['1.2.840.113549.1.9.1', { field: 'email', name: 'email address' }],
] as const);

type Hash = 'sha256' | 'sha384' | 'sha512';

const HASHES: ReadonlyMap<string, Hash> = new Map([
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
] as const);

interface SignatureScheme {
  readonly name: string;
  readonly hash: Hash;
  readonly keyType: 'rsa' | 'ec';
  /** Set for RSASSA-PSS only. */
  readonly pssSaltLength?: number;
}

const SIGNATURE_SCHEMES: ReadonlyMap<string, SignatureScheme> = new Map([
  ['1.2.840.113549.1.1.11', { name: 'sha256WithRSAEncryption', hash: 'sha256', keyType: 'rsa' }],
  ['1.2.840.113549.1.1.12', { name: 'sha384WithRSAEncryption', hash: 'sha384', keyType: 'rsa' }],
  ['1.2.840.113549.1.1.13', { name: 'sha512WithRSAEncryption', hash: 'sha512', keyType: 'rsa' }],
  ['1.2.840.10045.4.3.2', { name: 'ecdsa-with-SHA256', hash: 'sha256', keyType: 'ec' }],
  ['1.2.840.10045.4.3.3', { name: 'ecdsa-with-SHA384', hash: 'sha384', keyType: 'ec' }],
  ['1.2.840.10045.4.3.4', { name: 'ecdsa-with-SHA512', hash: 'sha512', keyType: 'ec' }],
] as const);

/** Signature algorithms over hashes with practical collisions or below the BR's SHA-256 floor. */
const WEAK_SIGNATURE_ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
  ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
  ['1.2.840.113549.1.1.5', 'sha1WithRSAEncryption'],
  ['1.3.14.3.2.29', 'sha1WithRSAEncryption'],
  ['1.2.840.113549.1.1.14', 'sha224WithRSAEncryption'],
  ['1.2.840.10045.4.1', 'ecdsa-with-SHA1'],
  ['1.2.840.10045.4.3.1', 'ecdsa-with-SHA224'],
] as const);

const CURVES: ReadonlyMap<string, { readonly curve: 'P-256' | 'P-384'; readonly bits: 256 | 384 }> = new Map([
  ['1.2.840.10045.3.1.7', { curve: 'P-256', bits: 256 }],
  ['1.3.132.0.34', { curve: 'P-384', bits: 384 }],
] as const);

const REFUSED_CURVE_NAMES: ReadonlyMap<string, string> = new Map([
  ['1.3.132.0.35', 'P-521'],
  ['1.3.132.0.10', 'secp256k1'],
  ['1.3.132.0.33', 'P-224'],
  ['1.2.840.10045.3.1.1', 'P-192'],
  ['1.3.36.3.3.2.8.1.1.7', 'brainpoolP256r1'],
  ['1.3.36.3.3.2.8.1.1.11', 'brainpoolP384r1'],
  ['1.3.36.3.3.2.8.1.1.13', 'brainpoolP512r1'],
]);

const OTHER_KEY_NAMES: ReadonlyMap<string, string> = new Map([
  ['1.2.840.10040.4.1', 'DSA'],
  ['1.3.101.112', 'Ed25519'],
  ['1.3.101.113', 'Ed448'],
  ['1.3.101.110', 'X25519'],
  ['1.3.101.111', 'X448'],
  ['1.2.840.113549.1.1.10', 'RSASSA-PSS (id-RSASSA-PSS)'],
  ['1.3.132.1.12', 'ECDH (id-ecDH)'],
]);

/** GeneralName choices a TLS server certificate cannot carry, by their context tag (RFC 5280 4.2.1.6). */
const OTHER_GENERAL_NAMES: ReadonlyMap<number, string> = new Map([
  [0xa0, 'an otherName'],
  [0x81, 'an email address (rfc822Name)'],
  [0xa3, 'an X.400 address'],
  [0xa4, 'a directory name'],
  [0xa5, 'an EDI party name'],
  [0x86, 'a URI'],
  [0x88, 'a registered ID'],
]);

const DNS_NAME_TAG = 0x82;
const IP_ADDRESS_TAG = 0x87;
const ATTRIBUTES_TAG = 0xa0;

// ---- structure ----------------------------------------------------------------------------------

type ParsedKey =
  | { readonly type: 'rsa'; readonly modulus: Uint8Array; readonly exponent: bigint; readonly pkcs1: Buffer }
  | { readonly type: 'ec'; readonly curveOid: string | undefined; readonly point: Uint8Array }
  | { readonly type: 'other'; readonly oid: string };

type SubjectAltName =
  | { readonly kind: 'dns'; readonly value: string }
  | { readonly kind: 'ip'; readonly value: string }
  | { readonly kind: 'other'; readonly description: string };

interface ParsedRequest {
  readonly version: number;
  /** The signed part, certificationRequestInfo, as encoded. */
  readonly tbs: Buffer;
  readonly spki: Buffer;
  readonly key: ParsedKey;
  readonly signatureOid: string;
  readonly signatureParameters: DerElement | undefined;
  readonly signature: Buffer;
  /** Values of the subject attributes this module knows, in order of appearance. */
  readonly subject: ReadonlyMap<keyof CsrSubject, readonly string[]>;
  readonly subjectAltNames: readonly SubjectAltName[];
}

/** Control characters have no place in a name and hide text from people reading it (the NUL-in-CN attacks). */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function slice(der: Buffer, element: DerElement): Buffer {
  return der.subarray(element.start, element.end);
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } (RFC 5280 4.1.1.2). */
function readAlgorithm(element: DerElement, what: string): { oid: string; parameters: DerElement | undefined } {
  expectTag(element, Tag.SEQUENCE, what);
  const fields = new DerCursor(element, what);
  const oid = readOid(fields.next(Tag.OID, `${what} algorithm`));
  const parameters = fields.nextAny();
  fields.end();
  return { oid, parameters };
}

function readSubject(name: DerElement): Map<keyof CsrSubject, string[]> {
  const subject = new Map<keyof CsrSubject, string[]>();
  for (const rdn of readChildren(name, 'subject')) {
    expectTag(rdn, Tag.SET, 'subject name component');
    const attributes = readChildren(rdn, 'subject name component');
    if (attributes.length === 0) throw new DerError(`subject name component at byte ${rdn.start} is empty`);
    for (const attribute of attributes) {
      expectTag(attribute, Tag.SEQUENCE, 'subject attribute');
      const fields = new DerCursor(attribute, 'subject attribute');
      const known = SUBJECT_ATTRIBUTES.get(readOid(fields.next(Tag.OID, 'subject attribute type')));
      const value = fields.nextAny();
      fields.end();
      if (value === undefined) throw new DerError(`subject attribute at byte ${attribute.start} has no value`);
      if (known === undefined) continue;
      if (!STRING_TAGS.has(value.tag)) throw new DerError(`the subject's ${known.name} is not a character string`);
      const text = readString(value, `the subject's ${known.name}`);
      if (CONTROL_CHARACTER.test(text)) throw new DerError(`the subject's ${known.name} contains a control character`);
      const values = subject.get(known.field);
      if (values === undefined) subject.set(known.field, [text]);
      else values.push(text);
    }
  }
  return subject;
}

function readSubjectPublicKey(der: Buffer, spki: DerElement): ParsedKey {
  const fields = new DerCursor(spki, 'subjectPublicKeyInfo');
  const algorithm = readAlgorithm(fields.next(Tag.SEQUENCE, 'public key algorithm'), 'public key algorithm');
  const bits = readBitString(fields.next(Tag.BIT_STRING, 'subjectPublicKey'), 'subjectPublicKey');
  fields.end();
  if (bits.unusedBits !== 0) throw new DerError('the public key is not a whole number of bytes');
  if (algorithm.oid === OID.rsaEncryption) {
    // BR 7.1.3.1.1: the rsaEncryption AlgorithmIdentifier is encoded with NULL parameters, byte for byte.
    if (algorithm.parameters === undefined) throw new DerError('BR 7.1.3.1.1: the rsaEncryption parameters must be NULL, and they are missing');
    readNull(algorithm.parameters, 'rsaEncryption parameters');
    const rsaPublicKey = parseDer(bits.bytes);
    expectTag(rsaPublicKey, Tag.SEQUENCE, 'RSAPublicKey');
    const numbers = new DerCursor(rsaPublicKey, 'RSAPublicKey');
    const modulus = readUnsignedBytes(numbers.next(Tag.INTEGER, 'RSA modulus'), 'RSA modulus');
    const exponent = readInteger(numbers.next(Tag.INTEGER, 'RSA public exponent'), 'RSA public exponent');
    numbers.end();
    const offset = bits.bytes.byteOffset - der.byteOffset;
    return { type: 'rsa', modulus, exponent, pkcs1: der.subarray(offset, offset + bits.bytes.length) };
  }
  if (algorithm.oid === OID.ecPublicKey) {
    const parameters = algorithm.parameters;
    if (parameters?.tag === Tag.OID) return { type: 'ec', curveOid: readOid(parameters), point: bits.bytes };
    if (parameters?.tag === Tag.SEQUENCE) return { type: 'ec', curveOid: undefined, point: bits.bytes };
    throw new DerError('the EC public key does not name its curve');
  }
  return { type: 'other', oid: algorithm.oid };
}

function readGeneralNames(extensionValue: Uint8Array): SubjectAltName[] {
  const generalNames = parseDer(extensionValue);
  expectTag(generalNames, Tag.SEQUENCE, 'subjectAltName');
  const entries = readChildren(generalNames, 'subjectAltName');
  // RFC 5280 4.2.1.6: GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName.
  if (entries.length === 0) throw new DerError('the subjectAltName extension is empty');
  return entries.map((entry): SubjectAltName => {
    const value = valueOf(entry);
    if (entry.tag === DNS_NAME_TAG) {
      for (const code of value) if (code > 0x7f) throw new DerError('a subjectAltName DNS name has non-ASCII bytes (it must be an IA5String)');
      return { kind: 'dns', value: Buffer.from(value.buffer, value.byteOffset, value.length).toString('latin1') };
    }
    if (entry.tag === IP_ADDRESS_TAG) {
      if (value.length !== 4 && value.length !== 16) throw new DerError('a subjectAltName IP address must be 4 or 16 bytes');
      return { kind: 'ip', value: formatIp(value) };
    }
    const description = OTHER_GENERAL_NAMES.get(entry.tag);
    if (description === undefined) throw new DerError(`subjectAltName entry at byte ${entry.start} has an unknown type`);
    return { kind: 'other', description };
  });
}

/** Reads the subjectAltName from the PKCS #9 extensionRequest attribute (RFC 2985 5.4.2), if there is one. */
function readRequestedNames(attributes: DerElement): SubjectAltName[] {
  let subjectAltNames: SubjectAltName[] = [];
  let seenExtensionRequest = false;
  for (const attribute of readChildren(attributes, 'attributes')) {
    expectTag(attribute, Tag.SEQUENCE, 'attribute');
    const fields = new DerCursor(attribute, 'attribute');
    const type = readOid(fields.next(Tag.OID, 'attribute type'));
    const values = readChildren(fields.next(Tag.SET, 'attribute values'), 'attribute values');
    fields.end();
    if (type !== OID.extensionRequest) continue;
    if (seenExtensionRequest) throw new DerError('the CSR has more than one extensionRequest attribute');
    seenExtensionRequest = true;
    const [extensions, ...more] = values;
    if (extensions === undefined || more.length > 0) throw new DerError('the extensionRequest attribute must hold exactly one value');
    expectTag(extensions, Tag.SEQUENCE, 'requested extensions');
    const seen = new Set<string>();
    for (const extension of readChildren(extensions, 'requested extensions')) {
      expectTag(extension, Tag.SEQUENCE, 'requested extension');
      const parts = new DerCursor(extension, 'requested extension');
      const id = readOid(parts.next(Tag.OID, 'extension id'));
      const critical = parts.optional(Tag.BOOLEAN);
      if (critical !== undefined) readBoolean(critical, 'extension criticality');
      const value = parts.next(Tag.OCTET_STRING, 'extension value');
      parts.end();
      // RFC 5280 4.2: a certificate must not include more than one instance of a particular extension.
      if (seen.has(id)) throw new DerError(`the CSR requests extension ${id} more than once`);
      seen.add(id);
      if (id === OID.subjectAltName) subjectAltNames = readGeneralNames(valueOf(value));
    }
  }
  return subjectAltNames;
}

/**
 * CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
 * (RFC 2986 section 4).
 * @throws DerError for anything that is not a well-formed request.
 */
function parseRequest(der: Buffer): ParsedRequest {
  const request = parseDer(der);
  expectTag(request, Tag.SEQUENCE, 'CertificationRequest');
  const outer = new DerCursor(request, 'CertificationRequest');
  const info = outer.next(Tag.SEQUENCE, 'certificationRequestInfo');
  const signatureAlgorithm = readAlgorithm(outer.next(Tag.SEQUENCE, 'signatureAlgorithm'), 'signatureAlgorithm');
  const signature = readBitString(outer.next(Tag.BIT_STRING, 'signature'), 'signature');
  outer.end();
  if (signature.unusedBits !== 0) throw new DerError('the signature is not a whole number of bytes');

  const fields = new DerCursor(info, 'certificationRequestInfo');
  const version = readSmallInteger(fields.next(Tag.INTEGER, 'version'), 'version');
  const subject = readSubject(fields.next(Tag.SEQUENCE, 'subject'));
  const spki = fields.next(Tag.SEQUENCE, 'subjectPKInfo');
  const attributes = fields.next(ATTRIBUTES_TAG, 'attributes');
  fields.end();

  const signatureOffset = signature.bytes.byteOffset - der.byteOffset;
  return {
    version,
    tbs: slice(der, info),
    spki: slice(der, spki),
    key: readSubjectPublicKey(der, spki),
    signatureOid: signatureAlgorithm.oid,
    signatureParameters: signatureAlgorithm.parameters,
    signature: der.subarray(signatureOffset, signatureOffset + signature.bytes.length),
    subject,
    subjectAltNames: readRequestedNames(attributes),
  };
}

// ---- RSA key quality (BR 6.1.1.3, 6.1.5, 6.1.6) ------------------------------------------------

const RSA_MIN_BITS = 2048;
/** OpenSSL refuses to verify with larger moduli (OPENSSL_RSA_MAX_MODULUS_BITS), and so do CAs. */
const RSA_MAX_BITS = 16384;
const EXPONENT_MAX = (1n << 256n) - 1n;

/** Primes below 752: BR 6.1.6 (after NIST SP 800-89 5.3.3) says the modulus should have no factor among them. */
const SMALL_PRIMES: readonly number[] = (() => {
  const composite = new Uint8Array(752);
  const primes: number[] = [];
  for (let i = 2; i < 752; i++) {
    if (composite[i]) continue;
    primes.push(i);
    for (let j = i * i; j < 752; j += i) composite[j] = 1;
  }
  return primes;
})();

/**
 * The primes grouped so that each group's product is below 2^53: one bigint division per group yields a
 * residue that ordinary number arithmetic splits into the residues for each prime.
 */
const PRIME_GROUPS: readonly { readonly product: bigint; readonly first: number; readonly end: number }[] = (() => {
  const groups: { product: bigint; first: number; end: number }[] = [];
  let product = 1;
  let first = 0;
  SMALL_PRIMES.forEach((prime, index) => {
    if (product * prime >= 2 ** 53) {
      groups.push({ product: BigInt(product), first, end: index });
      product = 1;
      first = index;
    }
    product *= prime;
  });
  groups.push({ product: BigInt(product), first, end: SMALL_PRIMES.length });
  return groups;
})();

/**
 * ROCA (CVE-2017-15361): Infineon's RSALib made primes p = k·M + (65537^a mod M), so for every small prime r
 * dividing M, n mod r lies in the subgroup generated by 65537 in (Z/rZ)*. The published detector
 * (Nemec et al., CCS 2017; github.com/crocs-muni/roca) tests the primes 3 to 167; a key passing all 38 tests
 * is vulnerable (false positives about 2^-154). Each table marks the subgroup's members for one prime.
 */
const ROCA_TABLES: readonly { readonly index: number; readonly members: Uint8Array }[] = SMALL_PRIMES.flatMap((prime, index) => {
  if (prime < 3 || prime > 167) return [];
  const members = new Uint8Array(prime);
  let power = 1;
  do {
    members[power] = 1;
    power = (power * 65537) % prime;
  } while (power !== 1);
  return [{ index, members }];
});

/** The product of all {@link SMALL_PRIMES}, about 1080 bits. */
const SMALL_PRIMES_PRODUCT = PRIME_GROUPS.reduce((product, group) => product * group.product, 1n);

/** n mod p for every p in {@link SMALL_PRIMES}, in the same order. */
function smallPrimeResidues(n: bigint): Uint32Array {
  const residues = new Uint32Array(SMALL_PRIMES.length);
  // One division by the whole product first makes the per-group divisions work on half as many digits.
  const reduced = n % SMALL_PRIMES_PRODUCT;
  for (const group of PRIME_GROUPS) {
    const residue = Number(reduced % group.product);
    for (let i = group.first; i < group.end; i++) residues[i] = residue % SMALL_PRIMES[i]!;
  }
  return residues;
}

function hasRocaFingerprint(residues: Uint32Array): boolean {
  for (const { index, members } of ROCA_TABLES) if (members[residues[index]!] === 0) return false;
  return true;
}

/** Whether `n` carries the ROCA fingerprint (CVE-2017-15361) of keys made by Infineon's RSALib. */
export function isRocaVulnerable(n: bigint): boolean {
  return hasRocaFingerprint(smallPrimeResidues(n));
}

/** The number of bits of a positive bigint. */
function bitLengthOf(n: bigint): number {
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(hex[0] ?? '0', 16)));
}

/**
 * floor(sqrt(n)) for n of `bits` bits: the root of the top half, shifted, is within a factor 1 + 2^-(bits/4)
 * above the root; one Newton step then lands within a few units above it, and at most a few decrements finish.
 */
function isqrt(n: bigint, bits: number): bigint {
  if (bits <= 52) {
    // Exact as a double, but the rounded square root can land on the next integer: correct it.
    let root = BigInt(Math.floor(Math.sqrt(Number(n))));
    while (root * root > n) root -= 1n;
    while ((root + 1n) * (root + 1n) <= n) root += 1n;
    return root;
  }
  const shift = bits >> 2;
  const big = BigInt(shift);
  let root = (isqrt(n >> (2n * big), bits - 2 * shift) + 1n) << big;
  // From above, an integer Newton step never drops below floor(sqrt(n)).
  root = (root + n / root) >> 1n;
  while (root * root > n) root -= 1n;
  return root;
}

/** Which residues are squares modulo m: most non-squares fail one of these tables before any square root. */
function squaresModulo(modulus: number): Uint8Array {
  const squares = new Uint8Array(modulus);
  for (let x = 0; x < modulus; x++) squares[(x * x) % modulus] = 1;
  return squares;
}
const SQUARES_64 = squaresModulo(64);
const SQUARES_63 = squaresModulo(63);
const SQUARES_65 = squaresModulo(65);
const SQUARES_11 = squaresModulo(11);
/** Their product (2 882 880), small enough to track a² - n modulo it in plain numbers. */
const FILTER_MODULUS = 64 * 63 * 65 * 11;

/**
 * Fermat's factorisation for `rounds` rounds (BR 6.1.1.3 asks for 100): finds n = (a - b)(a + b) when the
 * two primes are close. a starts at ceil(sqrt(n)); a² - n is tracked modulo 64·63·65·11 in plain numbers, and
 * a candidate is confirmed with one exact square root only when it is a square modulo all four.
 * @returns the two factors, or undefined when none is found within `rounds`.
 */
export function fermatFactor(n: bigint, rounds = 100): readonly [bigint, bigint] | undefined {
  if (n < 1n) return undefined;
  let a = isqrt(n, bitLengthOf(n));
  if (a * a < n) a += 1n;
  const start = a * a - n;
  let residue = Number(start % BigInt(FILTER_MODULUS));
  let step = Number((2n * a + 1n) % BigInt(FILTER_MODULUS));
  for (let round = 0; round < rounds; round++) {
    if (SQUARES_64[residue & 63] && SQUARES_63[residue % 63] && SQUARES_65[residue % 65] && SQUARES_11[residue % 11]) {
      const ai = a + BigInt(round);
      const b2 = ai * ai - n;
      const b = isqrt(b2, bitLengthOf(b2));
      if (b * b === b2) return [ai - b, ai + b];
    }
    // (a + 1)² - n = (a² - n) + 2a + 1, and 2a + 1 grows by 2 per round.
    residue += step;
    if (residue >= FILTER_MODULUS) residue -= FILTER_MODULUS;
    step += 2;
    if (step >= FILTER_MODULUS) step -= FILTER_MODULUS;
  }
  return undefined;
}

function bitLength(bytes: Uint8Array): number {
  const first = bytes[0] ?? 0;
  return first === 0 ? 0 : (bytes.length - 1) * 8 + (32 - Math.clz32(first));
}

/**
 * Checks an RSA public key against the Baseline Requirements and returns every rule it breaks:
 * size (BR 6.1.5), exponent and small factors (BR 6.1.6), ROCA, close primes and known weak keys (BR 6.1.1.3).
 * @param modulus big-endian, without a leading zero byte.
 */
export function checkRsaKey(modulus: Uint8Array, exponent: bigint, blocklist?: WeakKeyBlocklist): FieldError[] {
  const bits = bitLength(modulus);
  if (bits > RSA_MAX_BITS) {
    return [fieldError('csr.rsa_too_large', `RSA keys larger than ${RSA_MAX_BITS} bits cannot be verified or certified; this key has ${bits} bits.`)];
  }
  const errors: FieldError[] = [];
  if (bits < RSA_MIN_BITS) {
    errors.push(fieldError('csr.rsa_too_small', `BR 6.1.5: RSA keys must be at least ${RSA_MIN_BITS} bits; this key has ${bits} bits.`));
  }
  if (bits % 8 !== 0) {
    errors.push(fieldError('csr.rsa_modulus_not_multiple_of_8', `BR 6.1.5: the RSA modulus size in bits must be divisible by 8; this key has ${bits} bits.`));
  }
  // BR 6.1.6 requires an odd exponent of 3 or more; its recommended ceiling of 2^256 - 1 (NIST SP 800-89 5.3.3)
  // is enforced too, since no key generator exceeds it and huge exponents only make verification slow.
  if (exponent < 3n || (exponent & 1n) === 0n || exponent > EXPONENT_MAX) {
    const shown = exponent > EXPONENT_MAX ? 'larger than 2^256 - 1' : exponent.toString();
    errors.push(fieldError('csr.rsa_bad_exponent', `BR 6.1.6: the RSA public exponent must be an odd number from 3 to 2^256 - 1 (NIST SP 800-89 5.3.3); this key's is ${shown}.`));
  }
  const n = BigInt(`0x${Buffer.from(modulus.buffer, modulus.byteOffset, modulus.length).toString('hex') || '0'}`);
  const residues = smallPrimeResidues(n);
  if (residues.includes(0)) {
    errors.push(fieldError('csr.rsa_small_factor', 'BR 6.1.6: the RSA modulus must be odd and have no prime factor below 752 (NIST SP 800-89 5.3.3); this key is broken.'));
  } else {
    if (hasRocaFingerprint(residues)) {
      errors.push(fieldError('csr.roca_vulnerable', 'BR 6.1.1.3: this key was made by a vulnerable Infineon library (ROCA, CVE-2017-15361), so its private key can be computed from the public key; make a new key with unaffected software or hardware.'));
    }
    if (fermatFactor(n) !== undefined) {
      errors.push(fieldError('csr.close_primes', "BR 6.1.1.3: the key's two primes are so close that Fermat's factorisation finds them within 100 rounds, so the key is broken; make a new key."));
    }
  }
  if (blocklist?.isBlocked(modulus)) {
    errors.push(fieldError('csr.weak_key_blocklisted', 'BR 6.1.1.3: this is a known weak key (Debian OpenSSL, CVE-2008-0166); make a new key.'));
  }
  return errors;
}

// ---- public key and signature -------------------------------------------------------------------

const KEY_RULE = 'The key must be RSA of 2048 bits or more (BR 6.1.5) or ECDSA on P-256 or P-384 (BR 6.1.5, Mozilla Root Store Policy 5.1)';

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

interface CheckedKey {
  readonly key: CsrKey | undefined;
  /** Imports the key into node:crypto; undefined when the key is of a refused type or curve. */
  readonly publicKey: (() => KeyObject) | undefined;
  readonly errors: FieldError[];
}

function checkKey(parsed: ParsedKey, blocklist: WeakKeyBlocklist | undefined): CheckedKey {
  if (parsed.type === 'rsa') {
    const errors = checkRsaKey(parsed.modulus, parsed.exponent, blocklist);
    const key: CsrKey = Object.freeze({ type: 'rsa', bits: bitLength(parsed.modulus), exponent: Number(parsed.exponent) });
    // The RSAPublicKey inside the SPKI, checked above, imports as PKCS #1 about 30 times faster than the SPKI
    // itself imports through OpenSSL 3's generic decoder; the key is the same.
    return { key, errors, publicKey: () => createPublicKey({ key: parsed.pkcs1, format: 'der', type: 'pkcs1' }) };
  }
  if (parsed.type === 'ec') {
    const curve = parsed.curveOid === undefined ? undefined : CURVES.get(parsed.curveOid);
    if (curve === undefined) {
      const name =
        parsed.curveOid === undefined
          ? 'explicit curve parameters (BR 7.1.3.1.2 requires a named curve)'
          : (REFUSED_CURVE_NAMES.get(parsed.curveOid) ?? `the curve ${parsed.curveOid}`);
      const message = `${KEY_RULE}; this key uses ${name}.`;
      return { key: undefined, publicKey: undefined, errors: [fieldError('csr.ec_curve_not_allowed', message)] };
    }
    const size = curve.bits / 8;
    const { point } = parsed;
    if (point.length === 1 + size && (point[0] === 0x02 || point[0] === 0x03)) {
      const message = "ECDSA keys must carry their point uncompressed (RFC 5480 2.2 makes the compressed form optional, and CAs refuse it); this key's point is compressed.";
      return { key: undefined, publicKey: undefined, errors: [fieldError('csr.unsupported_key', message)] };
    }
    if (point.length !== 1 + 2 * size || point[0] !== 0x04) throw new DerError(`the ${curve.curve} public key is not a valid point encoding`);
    const key: CsrKey = Object.freeze({ type: 'ec', curve: curve.curve, bits: curve.bits });
    // A JWK imports faster than an SPKI through OpenSSL 3's generic decoder, and is checked to lie on the curve.
    const jwk = { kty: 'EC', crv: curve.curve, x: base64url(point.subarray(1, 1 + size)), y: base64url(point.subarray(1 + size)) };
    return { key, errors: [], publicKey: () => createPublicKey({ key: jwk, format: 'jwk' }) };
  }
  const name = OTHER_KEY_NAMES.get(parsed.oid) ?? `an unknown kind (${parsed.oid})`;
  return { key: undefined, publicKey: undefined, errors: [fieldError('csr.unsupported_key', `${KEY_RULE}; this key is ${name}.`)] };
}

const SIGNATURE_RULE = 'sign the CSR with SHA-256, SHA-384 or SHA-512, the hashes BR 7.1.3.2 allows';

function unsupportedSignature(what: string): FieldError {
  return fieldError('csr.unsupported_signature_algorithm', `The CSR is signed with ${what}, which is refused; ${SIGNATURE_RULE}.`);
}

/** Parameters of the PKCS #1 v1.5 and ECDSA algorithms are NULL or absent; encoders differ, and neither changes the meaning. */
function checkNoParameters(parameters: DerElement | undefined): void {
  if (parameters !== undefined) readNull(parameters, 'signature algorithm parameters');
}

function readHashAlgorithm(element: DerElement, what: string): string {
  const algorithm = readAlgorithm(element, what);
  checkNoParameters(algorithm.parameters);
  return algorithm.oid;
}

/** The content of an EXPLICIT [n] tag, which holds exactly one element. */
function explicit(element: DerElement, what: string): DerElement {
  const inner = new DerCursor(element, what);
  const content = inner.nextAny();
  inner.end();
  if (content === undefined) throw new DerError(`${what} is empty`);
  return content;
}

/** RSASSA-PSS-params (RFC 8017 A.2.3), whose defaults (SHA-1) are refused: the hash must be given and MGF1 must use it too. */
function pssScheme(parameters: DerElement | undefined): SignatureScheme | FieldError {
  if (parameters === undefined) return unsupportedSignature('RSASSA-PSS using its default hash, SHA-1');
  expectTag(parameters, Tag.SEQUENCE, 'RSASSA-PSS parameters');
  const fields = new DerCursor(parameters, 'RSASSA-PSS parameters');
  const hashField = fields.optional(0xa0);
  const maskField = fields.optional(0xa1);
  const saltField = fields.optional(0xa2);
  const trailerField = fields.optional(0xa3);
  fields.end();
  const hashOid = hashField === undefined ? OID.sha1 : readHashAlgorithm(explicit(hashField, 'PSS hash'), 'PSS hash');
  const hash = HASHES.get(hashOid);
  if (hash === undefined) return unsupportedSignature(`RSASSA-PSS using the hash ${hashOid === OID.sha1 ? 'SHA-1' : hashOid}`);
  const mask = maskField === undefined ? undefined : readAlgorithm(explicit(maskField, 'PSS mask generation'), 'PSS mask generation');
  if (mask?.oid !== OID.mgf1 || mask.parameters === undefined || readHashAlgorithm(mask.parameters, 'MGF1 hash') !== hashOid) {
    return unsupportedSignature('RSASSA-PSS whose mask generation is not MGF1 with the same hash');
  }
  const saltLength = saltField === undefined ? 20 : readSmallInteger(explicit(saltField, 'PSS salt length'), 'PSS salt length');
  const trailer = trailerField === undefined ? 1 : readSmallInteger(explicit(trailerField, 'PSS trailer field'), 'PSS trailer field');
  if (saltLength < 0 || trailer !== 1) return unsupportedSignature('RSASSA-PSS parameters outside RFC 8017');
  return { name: `rsassaPss-${hash.toUpperCase()}`, hash, keyType: 'rsa', pssSaltLength: saltLength };
}

function signatureScheme(oid: string, parameters: DerElement | undefined): SignatureScheme | FieldError {
  const scheme = SIGNATURE_SCHEMES.get(oid);
  if (scheme !== undefined) {
    checkNoParameters(parameters);
    return scheme;
  }
  if (oid === OID.rsassaPss) return pssScheme(parameters);
  const weak = WEAK_SIGNATURE_ALGORITHMS.get(oid);
  return unsupportedSignature(weak ?? `an unsupported algorithm (${oid})`);
}

const BAD_SIGNATURE = fieldError(
  'csr.bad_signature',
  "The CSR's signature does not verify with its own public key (RFC 2986 section 3: the signature proves possession of the private key); it was changed after signing or signed with another key.",
);

function signatureVerifies(scheme: SignatureScheme, publicKey: () => KeyObject, tbs: Buffer, signature: Buffer): boolean {
  let key: KeyObject;
  try {
    key = publicKey();
  } catch {
    throw new DerError('the public key is not valid (for an EC key: not a point on its curve)');
  }
  try {
    if (scheme.pssSaltLength === undefined) return verify(scheme.hash, tbs, key, signature);
    return verify(scheme.hash, tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.pssSaltLength }, signature);
  } catch {
    // OpenSSL throws rather than answers false for some malformed signatures; either way the signature is bad.
    return false;
  }
}

// ---- names --------------------------------------------------------------------------------------

const DNS_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** RFC 5280 4.2.1.6 preferred name syntax (LDH labels; no underscores, BR 7.1.2.7.12), optionally with a leading wildcard label. */
const DNS_NAME = new RegExp(`^(?:\\*\\.)?(?:${DNS_LABEL}\\.)*${DNS_LABEL}$`);
/** An all-numeric last label would make a name look like an IP address (RFC 3696 section 2). */
const NUMERIC_TLD = /(?:^|\.)[0-9]+$/;
const IPV4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** Dotted decimal without leading zeros, which some parsers read as octal. */
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);
const IPV6_GROUP = /^[0-9a-f]{1,4}$/;

function isDnsName(name: string): boolean {
  return name.length <= 253 && DNS_NAME.test(name) && !NUMERIC_TLD.test(name);
}

/** Textual IPv6 (RFC 4291 2.2) to its 16-bit groups, or undefined. */
function parseIpv6Groups(text: string): number[] | undefined {
  const parts = (part: string, last: boolean): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (last && i === pieces.length - 1 && IPV4.test(piece)) {
        const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
        groups.push((a << 8) | b, (c << 8) | d);
      } else if (IPV6_GROUP.test(piece)) {
        groups.push(Number.parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const gap = text.indexOf('::');
  if (gap === -1) {
    const groups = parts(text, true);
    return groups?.length === 8 ? groups : undefined;
  }
  if (text.indexOf('::', gap + 1) !== -1) return undefined;
  const tail = text.slice(gap + 2);
  const head = parts(text.slice(0, gap), tail === '');
  const rest = parts(tail, true);
  if (head === undefined || rest === undefined || head.length + rest.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
}

/** RFC 5952 section 4: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(groups: readonly number[]): string {
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
    const [high = 0, low = 0] = groups.slice(6);
    return `::ffff:${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  return formatIpv6(groups);
}

/** An IP address in text, in its canonical form, or undefined when `text` is not one. */
function canonicalIp(text: string): string | undefined {
  if (IPV4.test(text)) return text;
  if (!text.includes(':')) return undefined;
  const groups = parseIpv6Groups(text.toLowerCase());
  return groups === undefined ? undefined : formatIpv6(groups);
}

interface Names {
  readonly names: string[];
  readonly subjectAltNames: string[];
  readonly errors: FieldError[];
}

/** BR 7.1.4.3: the common name, if present, repeats one of the names; here it is always one of `names`. */
function collectNames(commonName: string | undefined, requested: readonly SubjectAltName[]): Names {
  const errors: FieldError[] = [];
  const subjectAltNames: string[] = [];
  const sanNames: string[] = [];
  for (const san of requested) {
    if (san.kind === 'other') {
      errors.push(fieldError('csr.unsupported_san_type', `The CSR asks for ${san.description} in its subjectAltName; a TLS server certificate holds only DNS names and IP addresses (BR 7.1.2.7.12).`));
      continue;
    }
    const name = san.value.toLowerCase();
    if (san.kind === 'dns' && !isDnsName(name)) {
      errors.push(fieldError('csr.san_not_dns_name', `The subjectAltName ${quote(san.value)} is not a valid DNS name: labels of letters, digits and hyphens separated by dots (RFC 5280 4.2.1.6, BR 7.1.2.7.12).`));
      continue;
    }
    subjectAltNames.push(san.value);
    sanNames.push(name);
  }
  const names: string[] = [];
  if (commonName !== undefined) {
    const lower = commonName.toLowerCase();
    const name = canonicalIp(lower) ?? (isDnsName(lower) ? lower : undefined);
    if (name === undefined) {
      errors.push(fieldError('csr.cn_not_dns_name', `The common name ${quote(commonName)} is neither a DNS name nor an IP address; it must be one of the certificate's names (BR 7.1.4.3).`));
    } else if (!sanNames.includes(name)) {
      names.push(name);
    }
  }
  for (const name of sanNames) if (!names.includes(name)) names.push(name);
  if (names.length === 0 && errors.length === 0) {
    errors.push(fieldError('csr.no_names', 'The CSR names no domain: it needs a common name or a subjectAltName with a DNS name or an IP address.'));
  }
  return { names, subjectAltNames, errors };
}

// ---- decoding -----------------------------------------------------------------------------------

function malformed(detail: string): FieldError {
  return fieldError('csr.malformed', `The CSR is not a valid PKCS #10 request (RFC 2986): ${detail}.`);
}

function decodeParsed(der: Buffer, sha256: string, request: ParsedRequest, blocklist: WeakKeyBlocklist | undefined): Checked<DecodedCsr> {
  if (request.version !== 0) {
    return refused(fieldError('csr.unsupported_version', `RFC 2986 section 4.1: the CSR version must be 0 (v1); it is ${request.version}.`));
  }
  const checkedKey = checkKey(request.key, blocklist);
  const errors = [...checkedKey.errors];
  let signatureAlgorithm = '';
  if (checkedKey.key !== undefined) {
    const scheme = signatureScheme(request.signatureOid, request.signatureParameters);
    if ('code' in scheme) {
      errors.push(scheme);
    } else if (scheme.keyType !== request.key.type) {
      errors.push(fieldError('csr.bad_signature', `The CSR is signed with ${scheme.name}, which does not match its ${request.key.type === 'rsa' ? 'RSA' : 'EC'} key, so the signature cannot be valid.`));
    } else {
      signatureAlgorithm = scheme.name;
      // A refused key proves nothing by signing, so the signature is checked only when everything else about the key holds.
      if (errors.length === 0 && checkedKey.publicKey !== undefined && !signatureVerifies(scheme, checkedKey.publicKey, request.tbs, request.signature)) {
        errors.push(BAD_SIGNATURE);
      }
    }
  }

  const subject: { -readonly [K in keyof CsrSubject]: string } = {};
  for (const [field, values] of request.subject) {
    if (values.length > 1) {
      const name = [...SUBJECT_ATTRIBUTES.values()].find((attribute) => attribute.field === field)?.name ?? field;
      errors.push(fieldError('csr.duplicate_subject_attribute', `BR 7.1.4.1: a subject holds each attribute at most once; this CSR has ${values.length} of ${name}.`));
    }
    subject[field] = values[0];
  }
  const names = collectNames(request.subject.get('commonName')?.[0], request.subjectAltNames);
  errors.push(...names.errors);

  if (errors.length > 0 || checkedKey.key === undefined) return refused(...errors);
  return Object.freeze({
    ok: true as const,
    value: Object.freeze({
      pem: toPem(der),
      sha256,
      subject: Object.freeze(subject),
      names: Object.freeze(names.names),
      subjectAltNames: Object.freeze(names.subjectAltNames),
      key: checkedKey.key,
      signatureAlgorithm,
      spkiSha256: sha256Hex(request.spki),
    }),
  });
}

function decodeDer(der: Buffer, sha256: string, blocklist: WeakKeyBlocklist | undefined): Checked<DecodedCsr> {
  try {
    return decodeParsed(der, sha256, parseRequest(der), blocklist);
  } catch (error) {
    if (error instanceof DerError) return refused(malformed(error.message));
    throw error;
  }
}

/**
 * Decodes a CSR and checks it against RFC 2986 and the Baseline Requirements: structure, self-signature,
 * key type and quality, subject and requested names. Every problem is a field error on the path `csr`.
 *
 * @param input PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`, any line breaks), DER bytes, or the
 *   base64 of the DER without the armour lines.
 */
export function decodeCsr(input: string | Uint8Array, options: CsrDecodeOptions = {}): Checked<DecodedCsr> {
  const der = toDer(input);
  if (!der.ok) return der;
  return decodeDer(der.value, sha256Hex(der.value), options.blocklist);
}

/**
 * Makes a {@link decodeCsr} with a least-recently-used cache keyed by the SHA-256 of the DER, for forms that
 * re-validate the same CSR on every keystroke. Results, refusals included, are frozen and shared between
 * callers. The blocklist is consulted when a CSR is first decoded, not again on a cache hit.
 * @throws RangeError when `cacheSize` is not a non-negative integer.
 */
export function createCsrDecoder(options: CsrDecoderOptions = {}): CsrDecoder {
  const cacheSize = options.cacheSize ?? 1000;
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) throw new RangeError(`cacheSize must be a non-negative integer, not ${cacheSize}`);
  const { blocklist } = options;
  const cache = new Map<string, Checked<DecodedCsr>>();
  return (input) => {
    const der = toDer(input);
    if (!der.ok) return der;
    const sha256 = sha256Hex(der.value);
    const cached = cache.get(sha256);
    if (cached !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      cache.delete(sha256);
      cache.set(sha256, cached);
      return cached;
    }
    const result = decodeDer(der.value, sha256, blocklist);
    if (cacheSize > 0) {
      cache.set(sha256, result);
      if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
    }
    return result;
  };
}
