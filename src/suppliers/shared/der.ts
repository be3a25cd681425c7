/**
 * PEM and the one piece of a PKCS #10 request both adapters read themselves: the requested key, byte
 * for byte, which an issued certificate must carry exactly.
 */
import { DerCursor, Tag, expectTag, parseDer } from '../../validation/der.js';

/** PEM with 64-character lines (RFC 7468 section 2). */
export function toPem(der: Uint8Array, label: string): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * The SubjectPublicKeyInfo of a PKCS #10 request, byte for byte (RFC 2986 section 4.1).
 * @throws DerError when the DER is not a request.
 */
export function csrPublicKeyInfo(der: Uint8Array): Buffer {
  const request = parseDer(der);
  expectTag(request, Tag.SEQUENCE, 'certification request');
  const info = new DerCursor(request, 'certification request').next(Tag.SEQUENCE, 'certificationRequestInfo');
  const fields = new DerCursor(info, 'certificationRequestInfo');
  fields.next(Tag.INTEGER, 'version');
  fields.next(Tag.SEQUENCE, 'subject');
  const spki = fields.next(Tag.SEQUENCE, 'subjectPKInfo');
  return Buffer.from(der.subarray(spki.start, spki.end));
}
