import { maxCertificateValidityDays } from '../../domain/validity.js';
import { SupplierError, type IssuedCertificate, type SqlPort } from '../supplier.js';
import type { Authorities } from './authority.js';
import { eventEntry } from '../shared/outbox.js';
import { leafCertificate, type IssuingCa } from './profiles.js';
import {
  endRequests,
  enqueue,
  insertCertificate,
  listDomains,
  listWaitingRequests,
  setOrderNames,
  setOrderState,
  supersedePendingEmails,
  type CertificateRow,
  type OrderRow,
  type RequestRow,
} from './repository.js';
import { csrPublicKeyInfo, fromPem, randomSerial, serialHex, toPem, wholeSeconds } from './x509.js';


/** One certificate to sign for an order. */
export interface IssueRequest {
  readonly requestId: string;
  /** A CSR already checked by `decodeCsr`. */
  readonly csrPem: string;
  readonly keyType: 'rsa' | 'ec';
  readonly validityDays: number;
}

/** Signs subscriber certificates with the intermediate and records them with their `issued` event. */
export class CertificateIssuer {
  readonly #authorities: Authorities;
  readonly #clock: { now(): Date };
  readonly #crlUrl: (issuer: IssuingCa) => string;

  /** `crlUrl` says where an issuing CA's CRL is published (the validation site's URL is known only once it listens). */
  constructor(authorities: Authorities, clock: { now(): Date }, crlUrl: (issuer: IssuingCa) => string) {
    this.#authorities = authorities;
    this.#clock = clock;
    this.#crlUrl = crlUrl;
  }

  /**
   * Signs, stores and queues the `issued` event, all in the caller's transaction (which must hold the
   * order's lock). The CA signs at most one certificate per order and request: a repeat finds the
   * stored one and signs nothing.
   * @returns whether a certificate was signed now.
   * @throws SupplierError when the intermediate would expire before the certificate.
   */
  async issue(tx: SqlPort, order: OrderRow, request: IssueRequest): Promise<boolean> {
    const now = this.#clock.now();
    const notBefore = wholeSeconds(now);
    // BR 6.3.2 in force at the moment of signing, even if the order asked for more when it was placed.
    const days = Math.min(request.validityDays, maxCertificateValidityDays(now));
    // BR 1.6.1 "Validity Period" and RFC 5280 4.1.2.5 count both ends, so notAfter is the period's last second.
    const notAfter = new Date(notBefore.getTime() + days * 86_400_000 - 1000);
    const { intermediate } = this.#authorities;
    if (notAfter > intermediate.notAfter) {
      throw new SupplierError('ca_expiring', `local-ca: the issuing CA expires on ${intermediate.notAfter.toISOString()}, before a certificate issued now would; it needs a new intermediate.`, { retryable: false });
    }
    const serial = randomSerial();
    const der = leafCertificate({
      issuer: intermediate,
      serial,
      subjectAttributes: order.subjectAttributes,
      names: order.names,
      spki: csrPublicKeyInfo(fromPem(request.csrPem, 'CERTIFICATE REQUEST')),
      keyType: request.keyType,
      validation: order.validation,
      notBefore,
      notAfter,
      crlUrl: this.#crlUrl(intermediate),
    });
    const row: CertificateRow = { requestId: request.requestId, serialNumber: serialHex(serial), csrPem: request.csrPem, certificatePem: toPem(der, 'CERTIFICATE'), notBefore, notAfter };
    if (!(await insertCertificate(tx, order.supplierOrderId, row, now))) return false;
    await setOrderState(tx, order.supplierOrderId, 'issued', null, now);
    await enqueue(
      tx,
      eventEntry(order.supplierOrderId, {
        type: 'issued',
        eventId: `${order.supplierOrderId}.issued.${request.requestId}`,
        orderId: order.orderId,
        requestId: request.requestId,
        certificate: this.issued(row),
      }),
      now,
    );
    return true;
  }

  /** A stored certificate with its chain, as the platform receives it. */
  issued(row: CertificateRow): IssuedCertificate {
    return {
      certificatePem: row.certificatePem,
      chainPem: [this.#authorities.intermediate.certificatePem],
      rootPem: this.#authorities.rootPem,
      serialNumber: row.serialNumber,
      notBefore: row.notBefore,
      notAfter: row.notAfter,
    };
  }
}

/**
 * Signs the certificate of a further request of an issued order (a reissue or renewal) with the
 * request's names, which become the order's names, and ends the request if it waited. In the caller's
 * transaction, which holds the order's lock.
 * @returns whether a certificate was signed now.
 */
export async function issueRequest(
  tx: SqlPort,
  issuer: CertificateIssuer,
  order: OrderRow,
  request: Pick<RequestRow, 'requestId' | 'csrPem' | 'keyType' | 'names' | 'validityDays'>,
  now: Date,
): Promise<boolean> {
  const signed = await issuer.issue(tx, { ...order, names: request.names }, request);
  if (signed && request.names.join('\n') !== order.names.join('\n')) await setOrderNames(tx, order.supplierOrderId, request.names, now);
  await endRequests(tx, order.supplierOrderId, request.requestId, 'issued', now);
  return signed;
}

/**
 * Issues each waiting request of an issued order whose every name is now validated, oldest first;
 * once none waits, approval emails still unsent are dropped. In the caller's transaction, which holds
 * the order's lock.
 * @returns whether a certificate was signed now.
 */
export async function issueValidatedRequests(tx: SqlPort, issuer: CertificateIssuer, order: OrderRow, now: Date): Promise<boolean> {
  const waiting = await listWaitingRequests(tx, order.supplierOrderId);
  if (waiting.length === 0) return false;
  const validated = new Set((await listDomains(tx, order.supplierOrderId)).filter((domain) => domain.validatedAt !== null).map((domain) => domain.name));
  let current = order;
  let signed = false;
  for (const request of waiting) {
    if (!request.names.every((name) => validated.has(name))) continue;
    signed = (await issueRequest(tx, issuer, current, request, now)) || signed;
    current = { ...current, names: request.names };
  }
  if ((await listWaitingRequests(tx, order.supplierOrderId)).length === 0) await supersedePendingEmails(tx, order.supplierOrderId, now);
  return signed;
}
