/**
 * Just enough X.509 (RFC 5280) to issue certificates with the repository's DER writer and node:crypto:
 * names, times, extensions, the TBSCertificate and its signature, and a reader for the few fields the CA
 * needs back from its own certificates and from a CSR.
 */
export { csrPublicKeyInfo, toPem } from '../shared/der.js';
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import {
  DerCursor,
  DerError,
  Tag,
  encode,
  encodeBitString,
  encodeBoolean,
  encodeContext,
  encodeInteger,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeSet,
  encodeString,
  expectTag,
  parseDer,
  readBitString,
  readChildren,
  valueOf,
  type DerElement,
} from '../../validation/der.js';

/** Object identifiers used by the CA's certificate profiles. */
export const OID = {
  countryName: '2.5.4.6',
  stateOrProvinceName: '2.5.4.8',
  localityName: '2.5.4.7',
  organizationName: '2.5.4.10',
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  businessCategory: '2.5.4.15',
  jurisdictionLocalityName: '1.3.6.1.4.1.311.60.2.1.1',
  jurisdictionStateOrProvinceName: '1.3.6.1.4.1.311.60.2.1.2',
  jurisdictionCountryName: '1.3.6.1.4.1.311.60.2.1.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  cRLNumber: '2.5.29.20',
  cRLReason: '2.5.29.21',
  cRLDistributionPoints: '2.5.29.31',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

const UTC_TIME = 0x17;
const ENUMERATED = 0x0a;
const GENERALIZED_TIME = 0x18;

/** One attribute of a distinguished name. */
export interface NameAttribute {
  readonly type: string;
  readonly value: string;
  /** PrintableString instead of UTF8String: BR 7.1.4.1 wants countryName (and jurisdictionCountryName) as PrintableString. */
  readonly printable?: boolean;
}

/** A Name whose every RelativeDistinguishedName holds exactly one attribute (BR 7.1.4.1), in the given order. */
export function encodeName(attributes: readonly NameAttribute[]): Buffer {
  return encodeSequence(
    ...attributes.map((attribute) =>
      encodeSet(encodeSequence(encodeOid(attribute.type), encodeString(attribute.printable ? Tag.PRINTABLE_STRING : Tag.UTF8_STRING, attribute.value))),
    ),
  );
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, in Zulu time with whole seconds. */
export function encodeTime(date: Date): Buffer {
  const digits = date.toISOString().slice(0, 19).replace(/[-:T]/g, '');
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return encode(UTC_TIME, Buffer.from(`${digits.slice(2)}Z`, 'latin1'));
  return encode(GENERALIZED_TIME, Buffer.from(`${digits}Z`, 'latin1'));
}

/** The instant truncated to whole seconds, the precision certificate times carry. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/**
 * A serial number of 16 CSPRNG bytes, positive, with bit 126 set so that it always takes 16 octets:
 * 126 random bits, well over BR 7.1's 64, and within RFC 5280 4.1.2.2's 20 octets.
 */
export function randomSerial(): bigint {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return BigInt(`0x${bytes.toString('hex')}`);
}

/** Lower-case hex of a serial number, two digits per octet. */
export function serialHex(serial: bigint): string {
  const hex = serial.toString(16);
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

/**
 * A key identifier by RFC 7093 section 2 method 1: the leftmost 160 bits of the SHA-256 of the
 * subjectPublicKey BIT STRING's value.
 */
export function keyIdentifier(spki: Uint8Array): Buffer {
  const info = parseDer(spki);
  expectTag(info, Tag.SEQUENCE, 'subjectPublicKeyInfo');
  const fields = new DerCursor(info, 'subjectPublicKeyInfo');
  fields.next(Tag.SEQUENCE, 'algorithm');
  const key = readBitString(fields.next(Tag.BIT_STRING, 'subjectPublicKey'));
  fields.end();
  return createHash('sha256').update(key.bytes).digest().subarray(0, 20);
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }; DER omits a FALSE default. */
export function extension(oid: string, critical: boolean, value: Uint8Array): Buffer {
  return encodeSequence(encodeOid(oid), ...(critical ? [encodeBoolean(true)] : []), encodeOctetString(value));
}

/** Bit positions of KeyUsage (RFC 5280 4.2.1.3). */
export const KeyUsageBit = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** The KeyUsage BIT STRING; a named bit list drops its trailing zero bits in DER (X.690 11.2.2). */
export function keyUsage(bits: readonly number[]): Buffer {
  let octet = 0;
  for (const bit of bits) octet |= 0x80 >> bit;
  const last = Math.max(...bits);
  return encode(Tag.BIT_STRING, Uint8Array.of(7 - last, octet));
}

/** BasicConstraints (RFC 5280 4.2.1.9): an empty SEQUENCE for an end entity, cA TRUE and an optional pathLenConstraint for a CA. */
export function basicConstraints(ca: boolean, pathLength?: number): Buffer {
  if (!ca) return encodeSequence();
  return encodeSequence(encodeBoolean(true), ...(pathLength === undefined ? [] : [encodeInteger(pathLength)]));
}

/** AuthorityKeyIdentifier with only the keyIdentifier [0] field (RFC 5280 4.2.1.1). */
export function authorityKeyIdentifier(keyId: Uint8Array): Buffer {
  return encodeSequence(encodeContext(0, false, keyId));
}

/** ExtKeyUsageSyntax (RFC 5280 4.2.1.12). */
export function extendedKeyUsage(purposes: readonly string[]): Buffer {
  return encodeSequence(...purposes.map((purpose) => encodeOid(purpose)));
}

/** certificatePolicies with policy identifiers only, no qualifiers (RFC 5280 4.2.1.4; BR 7.1.2.7.9 for subscribers). */
export function certificatePolicies(policies: readonly string[]): Buffer {
  return encodeSequence(...policies.map((policy) => encodeSequence(encodeOid(policy))));
}

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

/**
 * CRLDistributionPoints (RFC 5280 4.2.1.13) with one DistributionPoint whose fullName is the one
 * HTTP URL of the CRL (BR 7.1.2.11.2): distributionPoint [0] { fullName [0] { uniformResourceIdentifier [6] } }.
 */
export function crlDistributionPoints(url: string): Buffer {
  const uri = encodeContext(6, false, Buffer.from(url, 'ascii'));
  return encodeSequence(encodeSequence(encodeContext(0, true, encodeContext(0, true, uri))));
}

/** CRLReason (RFC 5280 5.3.1), an ENUMERATED. */
export function crlReason(code: number): Buffer {
  return encode(ENUMERATED, Uint8Array.of(code));
}

/** Textual IPv6, including `::` and an embedded dotted quad, to its 16 octets. */
function ipv6Bytes(text: string): number[] {
  let body = text;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (quad) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(quad[1]!);
    body = `${body.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = body.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

/** The octets of an IPv4 or IPv6 address for an iPAddress GeneralName (RFC 5280 4.2.1.6). */
export function ipAddressBytes(text: string): Buffer {
  const version = isIP(text);
  if (version === 0) throw new RangeError(`${text} is not an IP address`);
  return Buffer.from(version === 4 ? ipv4Bytes(text) : ipv6Bytes(text));
}

/** SubjectAltName with a dNSName [2] per DNS name and an iPAddress [7] per IP address (RFC 5280 4.2.1.6, BR 7.1.2.7.12). */
export function subjectAltName(names: readonly string[]): Buffer {
  return encodeSequence(
    ...names.map((name) => (isIP(name) === 0 ? encodeContext(2, false, Buffer.from(name, 'ascii')) : encodeContext(7, false, ipAddressBytes(name)))),
  );
}

/** A signing key with the AlgorithmIdentifier and hash that go with it. */
export interface Signer {
  readonly key: KeyObject;
  readonly hash: 'sha256' | 'sha384';
  /** The signature AlgorithmIdentifier, DER. */
  readonly algorithm: Buffer;
}

/**
 * BR 7.1.3.2.2: a P-256 key signs with ecdsa-with-SHA256 and a P-384 key with ecdsa-with-SHA384, the
 * AlgorithmIdentifier without parameters.
 * @throws RangeError for any other key.
 */
export function ecdsaSigner(key: KeyObject): Signer {
  const curve = key.asymmetricKeyType === 'ec' ? key.asymmetricKeyDetails?.namedCurve : undefined;
  if (curve === 'prime256v1') return { key, hash: 'sha256', algorithm: encodeSequence(encodeOid(OID.ecdsaWithSha256)) };
  if (curve === 'secp384r1') return { key, hash: 'sha384', algorithm: encodeSequence(encodeOid(OID.ecdsaWithSha384)) };
  throw new RangeError(`the CA signs with ECDSA P-256 or P-384 keys, not ${key.asymmetricKeyType ?? 'a secret key'} ${curve ?? ''}`.trim());
}

/** The fields of a TBSCertificate (RFC 5280 4.1.2), always version 3. */
export interface CertificateFields {
  readonly serial: bigint;
  /** Encoded Name of the issuer: byte for byte the issuer certificate's subject, so that the chain links (RFC 5280 4.1.2.4). */
  readonly issuer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subject: Uint8Array;
  /** SubjectPublicKeyInfo DER, unchanged. */
  readonly spki: Uint8Array;
  /** Encoded Extension elements. */
  readonly extensions: readonly Uint8Array[];
}

/**
 * A signed structure (RFC 5280 4.1 and 5.1): the to-be-signed part, the algorithm, and the signature
 * over the to-be-signed DER.
 */
export function signed(tbs: Buffer, signer: Signer): Buffer {
  return encodeSequence(tbs, signer.algorithm, encodeBitString(sign(signer.hash, tbs, signer.key)));
}

/** Builds the TBSCertificate and signs it: the certificate's DER. */
export function signCertificate(fields: CertificateFields, signer: Signer): Buffer {
  const tbs = encodeSequence(
    encodeContext(0, true, encodeInteger(2)),
    encodeInteger(fields.serial),
    signer.algorithm,
    fields.issuer,
    encodeSequence(encodeTime(fields.notBefore), encodeTime(fields.notAfter)),
    fields.subject,
    fields.spki,
    encodeContext(3, true, encodeSequence(...fields.extensions)),
  );
  return signed(tbs, signer);
}


/**
 * The DER inside the first PEM block with `label`.
 * @throws DerError when there is none.
 */
export function fromPem(pem: string, label: string): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*)-----END ${label}-----`).exec(pem);
  if (match === null) throw new DerError(`no PEM ${label} block`);
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

function readTime(element: DerElement): Date {
  const text = Buffer.from(valueOf(element)).toString('latin1');
  const match = element.tag === UTC_TIME ? /^(\d{2})(\d{10})Z$/.exec(text) : element.tag === GENERALIZED_TIME ? /^(\d{4})(\d{10})Z$/.exec(text) : null;
  if (match === null) throw new DerError(`certificate time ${JSON.stringify(text)} is not in the RFC 5280 4.1.2.5 form`);
  const shortYear = Number(match[1]);
  const year = match[1]!.length === 4 ? shortYear : shortYear < 50 ? 2000 + shortYear : 1900 + shortYear;
  const [month, day, hour, minute, second] = match[2]!.match(/\d{2}/g)!.map(Number) as [number, number, number, number, number];
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

/** The parts of a certificate the CA reads back from its own certificates. */
export interface CertificateSummary {
  /** Encoded subject Name, a copy. */
  readonly subject: Buffer;
  /** SubjectPublicKeyInfo DER, a copy. */
  readonly spki: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * Reads subject, key and validity of a certificate.
 * @throws DerError when the DER is not a certificate.
 */
export function readCertificate(der: Uint8Array): CertificateSummary {
  const certificate = parseDer(der);
  expectTag(certificate, Tag.SEQUENCE, 'certificate');
  const tbs = new DerCursor(certificate, 'certificate').next(Tag.SEQUENCE, 'tbsCertificate');
  const fields = new DerCursor(tbs, 'tbsCertificate');
  fields.optional(0xa0);
  fields.next(Tag.INTEGER, 'serialNumber');
  fields.next(Tag.SEQUENCE, 'signature');
  fields.next(Tag.SEQUENCE, 'issuer');
  const [notBefore, notAfter] = readChildren(fields.next(Tag.SEQUENCE, 'validity'), 'validity');
  if (notBefore === undefined || notAfter === undefined) throw new DerError('certificate validity lacks a time');
  const subject = fields.next(Tag.SEQUENCE, 'subject');
  const spki = fields.next(Tag.SEQUENCE, 'subjectPublicKeyInfo');
  const copy = (element: DerElement) => Buffer.from(der.subarray(element.start, element.end));
  return { subject: copy(subject), spki: copy(spki), notBefore: readTime(notBefore), notAfter: readTime(notAfter) };
}
