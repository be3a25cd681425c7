/**
 * The certificate revocation lists of the CA (RFC 5280 section 5, BR 7.2): one X.509 v2 CRL per
 * issuing CA, signed by that CA's key and served on the validation site. A revocation signs a new CRL
 * in its own transaction, so once `revoke` returns the published CRL lists the certificate; a CRL is
 * signed again when it grows old, whoever asks for it first.
 */
import { X509Certificate } from 'node:crypto';
import type { SqlPort } from '../supplier.js';
import { encodeContext, encodeInteger, encodeSequence } from '../../validation/der.js';
import type { IssuingCa } from './profiles.js';
import { findCrl, listRevocations, storeCrl, type CrlRow, type RevocationRow } from './repository.js';
import { OID, authorityKeyIdentifier, crlReason, encodeTime, extension, signed, wholeSeconds } from './x509.js';

const HOUR_MS = 3_600_000;
/** BR 4.9.7: nextUpdate no more than ten days after thisUpdate; seven leaves room for a late refresh. */
const CRL_VALIDITY_MS = 7 * 24 * HOUR_MS;
/** BR 4.9.7 asks for a new CRL at least every seven days; one a day keeps relying parties well inside nextUpdate. */
const CRL_REFRESH_MS = 24 * HOUR_MS;
/** RFC 5280 5.3.1: unspecified is said by leaving reasonCode out (BR 7.2.2). */
const UNSPECIFIED = 0;

/** Where an issuing CA's CRL is published on the validation site: by its key identifier, so each CA has its own. */
export function crlPath(issuer: IssuingCa): string {
  return `/crl/${issuer.keyId.toString('hex')}.crl`;
}

/** The fields of one CRL. */
interface CrlFields {
  readonly issuer: IssuingCa;
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly revoked: readonly RevocationRow[];
}

/** One revokedCertificates entry: serial, date, and the reasonCode entry extension unless the reason is unspecified. */
function revokedEntry(revocation: RevocationRow): Buffer {
  const extensions = revocation.reasonCode === UNSPECIFIED ? [] : [encodeSequence(extension(OID.cRLReason, false, crlReason(revocation.reasonCode)))];
  return encodeSequence(encodeInteger(BigInt(`0x${revocation.serialNumber}`)), encodeTime(revocation.revokedAt), ...extensions);
}

/**
 * A signed X.509 v2 CRL (RFC 5280 5.1), DER: the issuer's subject, thisUpdate and nextUpdate, the
 * revoked certificates (absent when there are none, 5.1.2.6), and the Authority Key Identifier and
 * CRL Number extensions (5.2.1, 5.2.3; BR 7.2.2).
 */
function encodeCrl(fields: CrlFields): Buffer {
  const { issuer } = fields;
  const tbs = encodeSequence(
    encodeInteger(1),
    issuer.signer.algorithm,
    issuer.subject,
    encodeTime(fields.thisUpdate),
    encodeTime(fields.nextUpdate),
    ...(fields.revoked.length === 0 ? [] : [encodeSequence(...fields.revoked.map(revokedEntry))]),
    encodeContext(
      0,
      true,
      encodeSequence(extension(OID.authorityKeyIdentifier, false, authorityKeyIdentifier(issuer.keyId)), extension(OID.cRLNumber, false, encodeInteger(fields.crlNumber))),
    ),
  );
  return signed(tbs, issuer.signer);
}

/** Signs, keeps and serves the CRLs of the CA's issuing CAs. */
export class CrlPublisher {
  readonly #sql: SqlPort;
  readonly #clock: { now(): Date };
  /** Issuing CAs by the hex of their key identifier. */
  readonly #issuers: ReadonlyMap<string, { readonly ca: IssuingCa; readonly certificate: X509Certificate }>;

  constructor(deps: { readonly sql: SqlPort; readonly clock: { now(): Date }; readonly issuers: readonly IssuingCa[] }) {
    this.#sql = deps.sql;
    this.#clock = deps.clock;
    this.#issuers = new Map(deps.issuers.map((ca) => [ca.keyId.toString('hex'), { ca, certificate: new X509Certificate(ca.certificatePem) }]));
  }

  /** The key identifier (hex) of the issuing CA that signed a certificate, if it is one of the CA's. */
  issuerOf(certificatePem: string): string | undefined {
    const certificate = new X509Certificate(certificatePem);
    for (const [keyId, issuer] of this.#issuers) if (certificate.checkIssued(issuer.certificate) && certificate.verify(issuer.certificate.publicKey)) return keyId;
    return undefined;
  }

  /** Signs a new CRL of the issuing CA in the caller's transaction, listing every revocation it sees. */
  async publish(tx: SqlPort, issuerKeyId: string): Promise<void> {
    const issuer = this.#issuers.get(issuerKeyId);
    if (issuer === undefined) throw new RangeError(`no issuing CA has the key identifier ${issuerKeyId}`);
    await this.#sign(tx, issuer.ca, await findCrl(tx, issuerKeyId, { lock: true }));
  }

  /** The issuing CA's current CRL, DER, signed anew when it is a day old; undefined for a key identifier of no issuing CA. */
  async current(issuerKeyId: string): Promise<Buffer | undefined> {
    const issuer = this.#issuers.get(issuerKeyId);
    if (issuer === undefined) return undefined;
    const stored = await findCrl(this.#sql, issuerKeyId);
    if (stored !== undefined && this.#fresh(stored)) return stored.der;
    return this.#sql.transaction(async (tx) => {
      // Another request may have signed it while this one waited for the lock.
      const locked = await findCrl(tx, issuerKeyId, { lock: true });
      return locked !== undefined && this.#fresh(locked) ? locked.der : (await this.#sign(tx, issuer.ca, locked)).der;
    });
  }

  #fresh(crl: CrlRow): boolean {
    return this.#clock.now().getTime() < crl.thisUpdate.getTime() + CRL_REFRESH_MS;
  }

  /** Signs the next CRL (RFC 5280 5.2.3: its number one above the last) and keeps it; the caller holds the CRL row's lock. */
  async #sign(tx: SqlPort, issuer: IssuingCa, previous: CrlRow | undefined): Promise<CrlRow> {
    const keyId = issuer.keyId.toString('hex');
    const thisUpdate = wholeSeconds(this.#clock.now());
    const crlNumber = (previous?.crlNumber ?? 0n) + 1n;
    const nextUpdate = new Date(thisUpdate.getTime() + CRL_VALIDITY_MS);
    const der = encodeCrl({ issuer, crlNumber, thisUpdate, nextUpdate, revoked: await listRevocations(tx, keyId) });
    const crl: CrlRow = { crlNumber, thisUpdate, nextUpdate, der };
    await storeCrl(tx, keyId, crl);
    return crl;
  }
}
