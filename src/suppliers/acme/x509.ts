/**
 * Just enough of X.509 (RFC 5280) and PKCS #10 (RFC 2986) to check what a CA returns: the serial,
 * validity, subject common name, subjectAltName entries and public key of a certificate, and the public
 * key of a request. Read with the repository's strict DER reader; nothing here trusts a signature.
 */
export { csrPublicKeyInfo, toPem } from '../shared/der.js';
import { DerCursor, DerError, Tag, expectTag, parseDer, readChildren, readInteger, readOid, readString, valueOf, type DerElement } from '../../validation/der.js';

const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
/** Context tags of TBSCertificate (RFC 5280 4.1): [0] version, [1]/[2] unique ids, [3] extensions. */
const VERSION_TAG = 0xa0;
const ISSUER_UID_TAG = 0x81;
const SUBJECT_UID_TAG = 0x82;
const EXTENSIONS_TAG = 0xa3;
/** GeneralName choices (RFC 5280 4.2.1.6): [2] dNSName, [7] iPAddress, both primitive. */
const DNS_NAME_TAG = 0x82;
const IP_ADDRESS_TAG = 0x87;
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_COMMON_NAME = '2.5.4.3';

/** The DER of every PEM block with `label`, in order (RFC 7468). */
export function pemBlocks(text: string, label: string): Buffer[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*?)-----END ${label}-----`, 'g');
  return [...text.matchAll(pattern)].map((match) => Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64'));
}

/** What the compliance checks read of a certificate. */
export interface CertificateFacts {
  /** Lower-case hex, two digits per octet. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly commonName: string | undefined;
  /** dNSName entries as written, then iPAddress entries as text, in certificate order per kind. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** SubjectPublicKeyInfo DER, a copy. */
  readonly spki: Buffer;
}

function readTime(element: DerElement): Date {
  const text = Buffer.from(valueOf(element)).toString('latin1');
  const match = element.tag === UTC_TIME ? /^(\d{2})(\d{10})Z$/.exec(text) : element.tag === GENERALIZED_TIME ? /^(\d{4})(\d{10})Z$/.exec(text) : null;
  if (match === null) throw new DerError(`certificate time ${JSON.stringify(text)} is not in the RFC 5280 4.1.2.5 form`);
  const year = match[1]!.length === 4 ? Number(match[1]) : Number(match[1]) < 50 ? 2000 + Number(match[1]) : 1900 + Number(match[1]);
  const [month, day, hour, minute, second] = match[2]!.match(/\d{2}/g)!.map(Number) as [number, number, number, number, number];
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    return groups.join(':');
  }
  throw new DerError(`an iPAddress of ${bytes.length} octets is neither IPv4 nor IPv6`);
}

function commonNameOf(name: DerElement): string | undefined {
  for (const rdn of readChildren(name, 'subject')) {
    for (const attribute of readChildren(rdn, 'RelativeDistinguishedName')) {
      const fields = new DerCursor(attribute, 'AttributeTypeAndValue');
      if (readOid(fields.next(Tag.OID, 'type')) === OID_COMMON_NAME) {
        const value = fields.nextAny();
        if (value === undefined) throw new DerError('commonName has no value');
        return readString(value, 'commonName');
      }
    }
  }
  return undefined;
}

function subjectAltNames(extensions: DerElement | undefined): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  if (extensions === undefined) return { dnsNames, ipAddresses };
  const [list] = readChildren(extensions, 'extensions');
  if (list === undefined) return { dnsNames, ipAddresses };
  for (const extension of readChildren(list, 'Extensions')) {
    const fields = new DerCursor(extension, 'Extension');
    const oid = readOid(fields.next(Tag.OID, 'extnID'));
    fields.optional(Tag.BOOLEAN);
    const value = fields.next(Tag.OCTET_STRING, 'extnValue');
    if (oid !== OID_SUBJECT_ALT_NAME) continue;
    const names = parseDer(valueOf(value));
    expectTag(names, Tag.SEQUENCE, 'GeneralNames');
    for (const general of readChildren(names, 'GeneralNames')) {
      if (general.tag === DNS_NAME_TAG) dnsNames.push(Buffer.from(valueOf(general)).toString('latin1'));
      else if (general.tag === IP_ADDRESS_TAG) ipAddresses.push(ipText(valueOf(general)));
    }
  }
  return { dnsNames, ipAddresses };
}

/**
 * Reads the facts of a certificate.
 * @throws DerError when the DER is not a certificate.
 */
export function readCertificate(der: Uint8Array): CertificateFacts {
  const certificate = parseDer(der);
  expectTag(certificate, Tag.SEQUENCE, 'certificate');
  const tbs = new DerCursor(certificate, 'certificate').next(Tag.SEQUENCE, 'tbsCertificate');
  const fields = new DerCursor(tbs, 'tbsCertificate');
  fields.optional(VERSION_TAG);
  const serial = readInteger(fields.next(Tag.INTEGER, 'serialNumber'), 'serialNumber');
  fields.next(Tag.SEQUENCE, 'signature');
  fields.next(Tag.SEQUENCE, 'issuer');
  const [notBefore, notAfter] = readChildren(fields.next(Tag.SEQUENCE, 'validity'), 'validity');
  if (notBefore === undefined || notAfter === undefined) throw new DerError('certificate validity lacks a time');
  const subject = fields.next(Tag.SEQUENCE, 'subject');
  const spki = fields.next(Tag.SEQUENCE, 'subjectPublicKeyInfo');
  fields.optional(ISSUER_UID_TAG);
  fields.optional(SUBJECT_UID_TAG);
  const { dnsNames, ipAddresses } = subjectAltNames(fields.optional(EXTENSIONS_TAG));
  const hex = serial.toString(16);
  return {
    serialNumber: hex.length % 2 === 0 ? hex : `0${hex}`,
    notBefore: readTime(notBefore),
    notAfter: readTime(notAfter),
    commonName: commonNameOf(subject),
    dnsNames,
    ipAddresses,
    spki: Buffer.from(der.subarray(spki.start, spki.end)),
  };
}
