import type { FieldError } from '../domain/errors.js';

/** The public key of a CSR, as far as the Baseline Requirements care (BR 6.1.5). */
export type CsrKey =
  | { readonly type: 'rsa'; readonly bits: number; readonly exponent: number }
  | { readonly type: 'ec'; readonly curve: 'P-256' | 'P-384'; readonly bits: 256 | 384 };

/** Subject attributes of a CSR that later steps show or compare; all optional in a CSR. */
export interface CsrSubject {
  readonly commonName?: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  readonly locality?: string;
  readonly state?: string;
  readonly country?: string;
  readonly email?: string;
}

/** What a valid CSR contains, after every check passed. */
export interface DecodedCsr {
  /** The CSR as PEM, re-encoded from the DER (normalised line length), for storage and for suppliers. */
  readonly pem: string;
  /** Lower-case hex SHA-256 of the DER: the CSR's identity (cache key, duplicate detection). */
  readonly sha256: string;
  readonly subject: CsrSubject;
  /** All names the CSR asks for, lower-cased, in order: the CN first when it is not also a SAN, then the SANs (DNS names and IP addresses). */
  readonly names: readonly string[];
  /** The subjectAltName dNSName and iPAddress entries only, in CSR order. */
  readonly subjectAltNames: readonly string[];
  readonly key: CsrKey;
  /** e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256`. */
  readonly signatureAlgorithm: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lower-case hex (the key's identity, for reuse and blocklists). */
  readonly spkiSha256: string;
}

/** Either a value or the field errors that prevented it. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly FieldError[] };

/**
 * Seam for the Debian weak-key blocklist (openssl-blacklist / openssh-blacklist, CVE-2008-0166, BR 6.1.1.3).
 * The lists cannot be obtained on the build machines, so the default is empty; production wires a real one.
 */
export interface WeakKeyBlocklist {
  /** Whether the RSA modulus (big-endian bytes, no leading zero) is a known Debian weak key. */
  isBlocked(modulus: Uint8Array): boolean;
}
