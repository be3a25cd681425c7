/**
 * The embedded CA as a supplier: it accepts orders, runs domain control validation through its own
 * site and the platform's mail port, and issues certificates from its own intermediate. Everything it
 * knows lives in its own tables; everything it tells the platform goes through the outbox.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { PRODUCTS, isProductCode } from '../../domain/products.js';
import { isRevocationReason, revocationReasonCode } from '../../domain/revocation.js';
import { dcvReusable, dcvReuseDays, maxCertificateValidityDays } from '../../domain/validity.js';
import { approverEmailsFor } from '../../validation/approver.js';
import { decodeCsr } from '../../validation/csr.js';
import { compareWithCsr, validateNames } from '../../validation/domains.js';
import type { DecodedCsr } from '../../validation/types.js';
import type { DocumentKind } from '../../domain/documents.js';
import {
  SupplierError,
  type ApprovalCapability,
  type CancelCapability,
  type DeskCapability,
  type DeskDocument,
  type DeskOrder,
  type DocumentsCapability,
  type ReissueCapability,
  type DcvMethod,
  type ReissueRequest,
  type RevokeCapability,
  type RevokeRequest,
  type SubmittedDocument,
  type ValidationDeskCapability,
  type SqlPort,
  type SubmitRequest,
  type SubmitResponse,
  type Supplier,
  type SupplierOrderState,
} from '../supplier.js';
import { TOKEN_LIFETIME_MS, newApprovalCode, newToken, normalizeApprovalCode } from './dcv.js';
import type { CrlPublisher } from './crl.js';
import { issueRequest, type CertificateIssuer } from './issuance.js';
import { approvalEmailEntry, type ApprovalEmail, type Outbox } from './outbox.js';
import { eventEntry } from '../shared/outbox.js';
import { subscriberAttributes } from './profiles.js';
import {
  enqueue,
  findCertificate,
  findCertificateBySerial,
  findOrder,
  findRequest,
  findSupplierOrderId,
  insertDomains,
  insertOrder,
  insertRequest,
  insertRevocation,
  keyCompromised,
  latestCertificate,
  listDomains,
  listWaitingRequests,
  nextApprovalSequence,
  reassignApprover,
  replaceApprovals,
  restartDomains,
  setOrderState,
  supersedePendingEmails,
  type ApprovalRow,
  type DomainRow,
  type OrderRow,
} from './repository.js';
import { fromPem, readCertificate, serialHex } from './x509.js';
import type { KeyVault } from './vault.js';
import type { OrganizationDesk } from './organization.js';
import type { ValidationSite } from './site.js';

/** A refusal that retrying cannot change. */
function refused(code: string, message: string): SupplierError {
  return new SupplierError(code, message, { retryable: false });
}

function notFound(supplierOrderId: string): SupplierError {
  return refused('not_found', `local-ca has no order ${supplierOrderId}.`);
}

function csrOrRefusal(csrPem: string): DecodedCsr {
  const decoded = decodeCsr(csrPem);
  if (!decoded.ok) throw refused('csr_invalid', `The CSR was refused: ${decoded.errors.map((error) => error.message).join(' ')}`);
  return decoded.value;
}

/** BR 6.1.1.3: a key the CA knows to be compromised is refused in every request. */
async function refuseCompromisedKey(sql: SqlPort, spkiSha256: string): Promise<void> {
  if (await keyCompromised(sql, spkiSha256)) {
    throw refused('key_compromised', 'The CSR\'s public key belongs to a certificate revoked for key compromise; it cannot be certified again (BR 6.1.1.3). Generate a new key pair and CSR.');
  }
}

/**
 * One name of a request with the way its control is to be proven, checked as a CA must (BR 3.2.2.4,
 * 3.2.2.5), as a row that waits for validation.
 * @throws SupplierError (`dcv_not_allowed`) when the method cannot validate the name.
 */
function pendingDomain(name: string, position: number, dcv: DcvMethod, now: Date): DomainRow {
  if (isIP(name) !== 0 && dcv.method !== 'http') {
    throw refused('dcv_not_allowed', `${name} is an IP address: its control is validated on the website (BR 3.2.2.5), not by ${dcv.method}.`);
  }
  if (name.startsWith('*.') && dcv.method === 'http') {
    throw refused('dcv_not_allowed', `${name} is a wildcard name, which the website method cannot validate (BR 3.2.2.4.18); use dns or email.`);
  }
  if (dcv.method === 'email') {
    const address = dcv.email.trim().toLowerCase();
    if (!approverEmailsFor(name).includes(address)) {
      throw refused('dcv_not_allowed', `${address} is not a constructed approver address of ${name} (admin@, administrator@, webmaster@, hostmaster@ or postmaster@ at the name or a parent domain, BR 3.2.2.4.4).`);
    }
    return { name, position, method: 'email', approverEmail: address, token: null, tokenExpiresAt: null, validatedAt: null };
  }
  return { name, position, method: dcv.method, approverEmail: null, token: newToken(), tokenExpiresAt: new Date(now.getTime() + TOKEN_LIFETIME_MS), validatedAt: null };
}

/** A serial number as the CA keeps it (`serialHex`), from hex with or without colons; undefined for anything else. */
function normalizeSerial(text: string): string | undefined {
  const hex = text.replaceAll(':', '').trim();
  return /^[0-9a-fA-F]{1,40}$/.test(hex) ? serialHex(BigInt(`0x${hex}`)) : undefined;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === a.length && a.length === b.length && b.every((name) => set.has(name));
}

/** Everything an accepted submission writes, prepared before the transaction. */
interface PreparedOrder {
  readonly order: OrderRow;
  readonly domains: readonly DomainRow[];
  readonly approvals: readonly Omit<ApprovalRow, 'usedAt'>[];
  readonly emails: readonly ApprovalEmail[];
  readonly detail: string;
  /** The CSR key's identity (SHA-256 of its SubjectPublicKeyInfo). */
  readonly spkiSha256: string;
}

/** What the supplier needs, built by the factory. */
export interface LocalCaDependencies {
  readonly sql: SqlPort;
  readonly clock: { now(): Date };
  readonly vault: KeyVault;
  readonly outbox: Outbox;
  readonly issuer: CertificateIssuer;
  /** The CRLs of the issuing CAs, signed anew by each revocation. */
  readonly crls: CrlPublisher;
  readonly site: ValidationSite;
  /** The organisation-validation desk of OV/EV orders. */
  readonly desk: OrganizationDesk;
  readonly approvalCodeTtlMs: number;
  /** The validation site's base URL, as put into approval emails. */
  readonly siteUrl: string;
}

/** The embedded CA: a {@link Supplier} that can cancel, resend approval emails, reissue, revoke, take documents, and has its own desk. */
export class LocalCa
  implements Supplier, CancelCapability, ApprovalCapability, ReissueCapability, RevokeCapability, DocumentsCapability, DeskCapability, ValidationDeskCapability
{
  readonly name = 'local-ca';
  /** The validation site's base URL (approval links are `<siteUrl>/approve/<supplierOrderId>`). */
  readonly siteUrl: string;
  readonly #deps: LocalCaDependencies;
  #closed: Promise<void> | undefined;

  constructor(deps: LocalCaDependencies) {
    this.#deps = deps;
    this.siteUrl = deps.siteUrl;
  }

  /**
   * Accepts an order once: checks the CSR (RFC 2986, BR 6.1.5, 7.1.4), its names against the order, the
   * validation method of every name, the validity and the organisation; records the order, its
   * approval codes (as digests) and the approval emails to send. A repeated call — also from another
   * process — returns the first call's supplier order.
   * @throws SupplierError, not retryable, when the order cannot be accepted as it is.
   */
  async submit(request: SubmitRequest): Promise<SubmitResponse> {
    const { sql, clock, vault, outbox } = this.#deps;
    const existing = await findSupplierOrderId(sql, request.orderId);
    if (existing !== undefined) return { supplierOrderId: existing };

    const prepared = this.#prepare(request);
    await refuseCompromisedKey(sql, prepared.spkiSha256);
    const { supplierOrderId } = prepared.order;
    const inserted = await sql.transaction(async (tx) => {
      if (!(await insertOrder(tx, prepared.order))) return false;
      const now = clock.now();
      await insertDomains(tx, supplierOrderId, prepared.domains);
      await replaceApprovals(tx, supplierOrderId, prepared.approvals);
      await enqueue(
        tx,
        eventEntry(supplierOrderId, { type: 'validation_started', eventId: `${supplierOrderId}.validation_started`, orderId: request.orderId, supplierOrderId, detail: prepared.detail }),
        now,
      );
      for (const email of prepared.emails) await enqueue(tx, approvalEmailEntry(vault, supplierOrderId, email), now);
      return true;
    });
    if (!inserted) {
      // Another call for the same order committed first: its order is the one.
      const winner = await findSupplierOrderId(sql, request.orderId);
      if (winner === undefined) throw new SupplierError('conflict', `local-ca could not record order ${request.orderId}; try again.`, { retryable: true });
      return { supplierOrderId: winner };
    }
    await outbox.drain();
    return { supplierOrderId };
  }

  /** The order's state; for an issued order, its most recent certificate. */
  async status(supplierOrderId: string): Promise<SupplierOrderState> {
    const order = await findOrder(this.#deps.sql, supplierOrderId);
    if (order === undefined) throw notFound(supplierOrderId);
    switch (order.state) {
      case 'awaiting_validation':
        return { state: 'awaiting_validation' };
      case 'cancelled':
      case 'rejected':
        return { state: order.state, reason: order.stateReason ?? '' };
      case 'issued': {
        const certificate = await latestCertificate(this.#deps.sql, supplierOrderId);
        if (certificate === undefined) throw new SupplierError('ca_damaged', `local-ca: order ${supplierOrderId} is issued but has no certificate.`, { retryable: false });
        return { state: 'issued', certificate: this.#deps.issuer.issued(certificate) };
      }
    }
  }

  /**
   * Cancels an order that awaits validation: its codes stop working and pending emails are dropped.
   * Cancelling an ended order again changes nothing; an issued order cannot be cancelled.
   * The platform asked for this, so no `cancelled` event is sent back (that event means the CA cancelled).
   */
  async cancel(request: { readonly supplierOrderId: string; readonly reason: string }): Promise<void> {
    const { sql, clock } = this.#deps;
    await sql.transaction(async (tx) => {
      const order = await findOrder(tx, request.supplierOrderId, { lock: true });
      if (order === undefined) throw notFound(request.supplierOrderId);
      if (order.state === 'cancelled' || order.state === 'rejected') return;
      if (order.state === 'issued') throw refused('already_issued', `Order ${request.supplierOrderId} has its certificate already; it can be revoked, not cancelled.`);
      const now = clock.now();
      await setOrderState(tx, request.supplierOrderId, 'cancelled', request.reason, now);
      await supersedePendingEmails(tx, request.supplierOrderId, now);
    });
  }

  /**
   * The CA's own desk cancels an order (a supplier-side decision, e.g. a compliance finding): like
   * `cancel`, but the platform is told through a `cancelled` event, which opens a manual refund there.
   * Cancelling an ended order again changes nothing.
   */
  async deskCancel(request: { readonly orderId: string; readonly reason: string }): Promise<void> {
    const { sql, clock, outbox } = this.#deps;
    const supplierOrderId = await findSupplierOrderId(sql, request.orderId);
    if (supplierOrderId === undefined) throw notFound(request.orderId);
    await sql.transaction(async (tx) => {
      const order = await findOrder(tx, supplierOrderId, { lock: true });
      if (order === undefined) throw notFound(supplierOrderId);
      if (order.state === 'cancelled' || order.state === 'rejected') return;
      if (order.state === 'issued') throw refused('already_issued', `Order ${supplierOrderId} has its certificate already; it can be revoked, not cancelled.`);
      const now = clock.now();
      await setOrderState(tx, supplierOrderId, 'cancelled', request.reason, now);
      await supersedePendingEmails(tx, supplierOrderId, now);
      await enqueue(tx, eventEntry(supplierOrderId, { type: 'cancelled', eventId: `${supplierOrderId}.cancelled`, orderId: request.orderId, reason: request.reason }), now);
    });
    await outbox.drain();
  }

  /**
   * Sends every approver of a name still awaiting email approval a new code, in a new round (sequence
   * + 1); all earlier codes stop working and unsent earlier emails are dropped. With `approverEmail`,
   * the names for which that address is a constructed approver address (BR 3.2.2.4.4) move to it first.
   * @throws SupplierError, not retryable, when the order does not await email approval or the address fits none of its names.
   */
  async resendApproval(request: { readonly supplierOrderId: string; readonly approverEmail?: string }): Promise<void> {
    const { sql, outbox } = this.#deps;
    const { supplierOrderId } = request;
    await sql.transaction(async (tx) => {
      const order = await findOrder(tx, supplierOrderId, { lock: true });
      if (order === undefined) throw notFound(supplierOrderId);
      // An issued order awaits validation again while a reissue or renewal waits for its names.
      if (order.state !== 'awaiting_validation' && !(order.state === 'issued' && (await listWaitingRequests(tx, supplierOrderId)).length > 0)) {
        throw refused('not_awaiting_validation', `Order ${supplierOrderId} is ${order.state.replace('_', ' ')}; there is nothing to approve.`);
      }
      const waiting = (await listDomains(tx, supplierOrderId)).filter((domain) => domain.method === 'email' && domain.validatedAt === null).map((domain) => domain.name);
      if (waiting.length === 0) throw refused('nothing_to_approve', `No name of order ${supplierOrderId} awaits an approval email; names on the DNS or website method are checked on the validation page.`);
      if (request.approverEmail !== undefined) {
        const address = request.approverEmail.trim().toLowerCase();
        const fits = waiting.filter((name) => approverEmailsFor(name).includes(address));
        if (fits.length === 0) {
          throw refused('approver_not_allowed', `${address} is not a constructed approver address (admin@, administrator@, webmaster@, hostmaster@ or postmaster@, BR 3.2.2.4.4) of any name awaiting approval: ${waiting.join(', ')}.`);
        }
        await reassignApprover(tx, supplierOrderId, fits, address);
      }
      await this.#startApprovalRound(tx, order, this.#deps.clock.now());
    });
    await outbox.drain();
  }

  /**
   * Issues a further certificate of an issued order — a reissue or a renewal, once per `requestId` —
   * for the request's CSR (the order's key again too, unless it was revoked for key compromise) and
   * names. Names validated for the order are reused while BR 4.2.1 allows it; names added, and with
   * `revalidate` every name, are validated first by the method given (approval emails in a new round,
   * DNS or website on the validation site), and the certificate follows once the last one is. The order
   * stays issued meanwhile.
   * @throws SupplierError, not retryable, when the order is not issued, the CSR or names are refused,
   *   or a name's validation is too old to reuse and `revalidate` is not set (`validation_expired`).
   */
  async reissue(request: ReissueRequest): Promise<void> {
    const { sql, clock, issuer, outbox } = this.#deps;
    const { supplierOrderId, requestId } = request;
    if (await this.#requestKnown(sql, supplierOrderId, requestId)) return;
    const csr = csrOrRefusal(request.csrPem);
    const now = clock.now();
    this.#checkValidityDays(request.validityDays, now);
    await refuseCompromisedKey(sql, csr.spkiSha256);
    await sql.transaction(async (tx) => {
      const order = await findOrder(tx, supplierOrderId, { lock: true });
      if (order === undefined) throw notFound(supplierOrderId);
      if (order.state !== 'issued') throw refused('not_issued', `Order ${supplierOrderId} is ${order.state.replace('_', ' ')}; only an issued order can be reissued or renewed.`);
      // A concurrent call for the same request committed while this one waited for the lock.
      if (await this.#requestKnown(tx, supplierOrderId, requestId)) return;
      const known = new Map((await listDomains(tx, supplierOrderId)).map((domain) => [domain.name, domain]));
      const wanted = this.#reissueNames(order, csr, request, known);
      const restart: DomainRow[] = [];
      for (const [position, { name, dcv }] of wanted.entries()) {
        const validatedAt = known.get(name)?.validatedAt ?? null;
        if (request.revalidate === true || validatedAt === null) restart.push(pendingDomain(name, position, dcv(), now));
        else if (!dcvReusable(validatedAt, now)) {
          throw refused(
            'validation_expired',
            `The domain validation of ${name} dates from ${validatedAt.toISOString()} and may be reused for ${dcvReuseDays(now)} days only (BR 4.2.1); the names must be validated again.`,
          );
        }
      }
      const certificate = { requestId, csrPem: csr.pem, keyType: csr.key.type, names: wanted.map((domain) => domain.name), validityDays: request.validityDays };
      if (restart.length === 0) {
        await issueRequest(tx, issuer, order, certificate, now);
        return;
      }
      await insertRequest(tx, supplierOrderId, { ...certificate, kind: request.kind ?? 'reissue', state: 'awaiting_validation', createdAt: now });
      await restartDomains(tx, supplierOrderId, restart);
      const language = request.language ?? order.language;
      if (restart.some((domain) => domain.method === 'email')) await this.#startApprovalRound(tx, { ...order, language }, now);
      const detail = describeValidation(restart);
      await enqueue(tx, eventEntry(supplierOrderId, { type: 'validation_started', eventId: `${supplierOrderId}.validation_started.${requestId}`, orderId: order.orderId, supplierOrderId, detail }), now);
    });
    await outbox.drain();
  }

  /**
   * Revokes one certificate of the order (RFC 5280 5.3.1 reason, BR 4.9) and signs its issuing CA's
   * CRL anew in the same transaction, so the published CRL lists it once this returns. Revoking again
   * succeeds and keeps the first time and reason. A key revoked for key compromise is refused in every
   * later request (BR 6.1.1.3).
   * @throws SupplierError (`not_found`, not retryable) when the serial is not a certificate of this order.
   */
  async revoke(request: RevokeRequest): Promise<void> {
    const { sql, clock, crls } = this.#deps;
    const { supplierOrderId } = request;
    if (!isRevocationReason(request.reason)) throw refused('reason_not_allowed', `${String(request.reason)} is not a revocation reason a subscriber may give (RFC 5280 5.3.1, BR 7.2.2).`);
    const serialNumber = normalizeSerial(request.serialNumber);
    await sql.transaction(async (tx) => {
      const order = await findOrder(tx, supplierOrderId, { lock: true });
      if (order === undefined) throw notFound(supplierOrderId);
      const certificate = serialNumber === undefined ? undefined : await findCertificateBySerial(tx, supplierOrderId, serialNumber);
      if (certificate === undefined) throw refused('not_found', `Order ${supplierOrderId} has no certificate with the serial number ${request.serialNumber}.`);
      const issuerKeyId = crls.issuerOf(certificate.certificatePem);
      if (issuerKeyId === undefined) throw new SupplierError('ca_damaged', `local-ca: no issuing CA of this CA signed certificate ${certificate.serialNumber}.`, { retryable: false });
      const spki = readCertificate(fromPem(certificate.certificatePem, 'CERTIFICATE')).spki;
      const recorded = await insertRevocation(tx, supplierOrderId, {
        serialNumber: certificate.serialNumber,
        reasonCode: revocationReasonCode(request.reason),
        revokedAt: clock.now(),
        issuerKeyId,
        spkiSha256: createHash('sha256').update(spki).digest('hex'),
      });
      if (recorded) await crls.publish(tx, issuerKeyId);
    });
  }

  /**
   * Takes the documents the platform forwards for an order's document requests, each once per
   * document id; the desk reviews them.
   * @throws SupplierError, not retryable, for an unknown order or request, or an order that no longer awaits validation.
   */
  async submitDocuments(request: { readonly supplierOrderId: string; readonly documents: readonly SubmittedDocument[] }): Promise<void> {
    await this.#deps.desk.receive(request.supplierOrderId, request.documents);
  }

  /** See {@link ValidationDeskCapability.deskQueue}. */
  deskQueue(): Promise<DeskOrder[]> {
    return this.#deps.desk.queue();
  }

  /** See {@link ValidationDeskCapability.deskOrder}. */
  deskOrder(request: { readonly orderId: string }): Promise<DeskOrder> {
    return this.#deps.desk.order(request.orderId);
  }

  /** See {@link ValidationDeskCapability.deskRequestDocuments}. */
  deskRequestDocuments(request: { readonly orderId: string; readonly kind: DocumentKind; readonly note: string }): Promise<{ readonly requestId: string }> {
    return this.#deps.desk.requestDocuments(request.orderId, request.kind, request.note);
  }

  /** See {@link ValidationDeskCapability.deskDocuments}. */
  deskDocuments(request: { readonly orderId: string }): Promise<DeskDocument[]> {
    return this.#deps.desk.documents(request.orderId);
  }

  /** See {@link ValidationDeskCapability.deskDecideOrganization}. */
  deskDecideOrganization(request: { readonly orderId: string; readonly decision: 'approve' | 'reject'; readonly reason: string }): Promise<void> {
    return this.#deps.desk.decide(request.orderId, request.decision, request.reason);
  }

  /** See {@link ValidationDeskCapability.deskHold}. */
  deskHold(request: { readonly orderId: string; readonly hold: boolean; readonly reason: string }): Promise<void> {
    return this.#deps.desk.hold(request.orderId, request.hold, request.reason);
  }

  /** Stops the validation site and the outbox timers; a second call waits for the first. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#deps.site.close();
      await this.#deps.outbox.stop();
    })();
    return this.#closed;
  }

  /** BR 6.3.2: a whole number of days, at most the maximum in force now. */
  #checkValidityDays(validityDays: number, now: Date): void {
    const max = maxCertificateValidityDays(now);
    if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > max) {
      throw refused('validity_not_allowed', `A certificate issued now may be valid for 1 to ${max} days (BR 6.3.2); ${String(validityDays)} days were asked for.`);
    }
  }

  /** Checks a submission the way a CA must before accepting it, and prepares its rows. */
  #prepare(request: SubmitRequest): PreparedOrder {
    const now = this.#deps.clock.now();
    if (!isProductCode(request.product)) throw refused('product_unknown', `local-ca does not offer the product ${JSON.stringify(request.product)}.`);
    const product = PRODUCTS[request.product];
    if (product.validation !== request.validation) {
      throw refused('validation_mismatch', `${product.name} is ${product.validation.toUpperCase()}, but the order asks for ${String(request.validation).toUpperCase()} validation.`);
    }
    const csr = csrOrRefusal(request.csrPem);
    const checked = validateNames(product, request.domains.map((domain) => domain.name));
    if (checked.errors.length > 0) throw refused('names_refused', `The names were refused: ${checked.errors.map((error) => error.message).join(' ')}`);
    const names = checked.names.map((name) => name.ascii);
    const mismatch = compareWithCsr(names, csr.names);
    if (mismatch.length > 0) throw refused('names_mismatch', `The order's names and the CSR's names differ: ${mismatch.map((error) => error.message).join(' ')}`);
    this.#checkValidityDays(request.validityDays, now);
    const subjectAttributes = subscriberAttributes(product.validation, request.organization);
    if (typeof subjectAttributes === 'string') throw refused('organization_refused', `The order cannot name its organisation: ${subjectAttributes}.`);

    const domains = request.domains.map((domain, position) => pendingDomain(names[position]!, position, domain.dcv, now));

    const order: OrderRow = {
      supplierOrderId: randomBytes(16).toString('hex'),
      orderId: request.orderId,
      product: request.product,
      validation: product.validation,
      csrPem: csr.pem,
      keyType: csr.key.type,
      names,
      subjectAttributes,
      language: request.language,
      validityDays: request.validityDays,
      state: 'awaiting_validation',
      stateReason: null,
      approvalSequence: 1,
      createdAt: now,
      validatedAt: null,
      organization: product.validation === 'dv' ? null : request.organization,
      organizationState: product.validation === 'dv' ? 'not_required' : 'pending',
      hold: null,
      holdSequence: 0,
    };
    const round = this.#approvalRound(order, domains, 1, now);
    return { order, domains, ...round, detail: describeValidation(domains), spkiSha256: csr.spkiSha256 };
  }

  /** Whether the request has its certificate or waits for validation already. */
  async #requestKnown(sql: SqlPort, supplierOrderId: string, requestId: string): Promise<boolean> {
    return (await findCertificate(sql, supplierOrderId, requestId)) !== undefined || (await findRequest(sql, supplierOrderId, requestId)) !== undefined;
  }

  /**
   * The names of a reissue, each with how its control would be proven: the request's `domains` (checked
   * like a submission's, and against the CSR), or else the order's names, validated as before (by
   * email to the request's approver if it names one), which the CSR must repeat.
   */
  #reissueNames(order: OrderRow, csr: DecodedCsr, request: ReissueRequest, known: ReadonlyMap<string, DomainRow>): { readonly name: string; readonly dcv: () => DcvMethod }[] {
    if (request.domains === undefined) {
      if (!sameNames(order.names, csr.names)) {
        throw refused(
          'names_changed',
          `The new CSR names ${csr.names.join(', ')}, but the order's certificate names ${order.names.join(', ')}; to change the names, list the new ones in the request's domains.`,
        );
      }
      return order.names.map((name) => ({
        name,
        dcv: (): DcvMethod => {
          const domain = known.get(name)!;
          return domain.method === 'email' ? { method: 'email', email: request.approverEmail ?? domain.approverEmail! } : { method: domain.method };
        },
      }));
    }
    const product = isProductCode(order.product) ? PRODUCTS[order.product] : null;
    const checked = validateNames(product, request.domains.map((domain) => domain.name));
    if (checked.errors.length > 0) throw refused('names_refused', `The names were refused: ${checked.errors.map((error) => error.message).join(' ')}`);
    const names = checked.names.map((name) => name.ascii);
    const mismatch = compareWithCsr(names, csr.names);
    if (mismatch.length > 0) throw refused('names_mismatch', `The request's names and the CSR's names differ: ${mismatch.map((error) => error.message).join(' ')}`);
    return request.domains.map((domain, position) => ({ name: names[position]!, dcv: () => domain.dcv }));
  }

  /**
   * A new round of approval emails (sequence + 1) for every name still awaiting email approval: earlier
   * codes stop working and unsent earlier emails are dropped.
   */
  async #startApprovalRound(tx: SqlPort, order: OrderRow, now: Date): Promise<void> {
    const { supplierOrderId } = order;
    const sequence = await nextApprovalSequence(tx, supplierOrderId, now);
    await supersedePendingEmails(tx, supplierOrderId, now);
    const domains = (await listDomains(tx, supplierOrderId)).filter((domain) => domain.method === 'email' && domain.validatedAt === null);
    const round = this.#approvalRound(order, domains, sequence, now);
    await replaceApprovals(tx, supplierOrderId, round.approvals);
    for (const email of round.emails) await enqueue(tx, approvalEmailEntry(this.#deps.vault, supplierOrderId, email), now);
  }

  /** One code per distinct approver address, covering that approver's names, and the email that carries it. */
  #approvalRound(order: OrderRow, domains: readonly DomainRow[], sequence: number, now: Date): { approvals: Omit<ApprovalRow, 'usedAt'>[]; emails: ApprovalEmail[] } {
    const byApprover = new Map<string, string[]>();
    for (const domain of domains) {
      if (domain.method !== 'email' || domain.approverEmail === null || domain.validatedAt !== null) continue;
      byApprover.set(domain.approverEmail, [...(byApprover.get(domain.approverEmail) ?? []), domain.name]);
    }
    const expiresAt = new Date(now.getTime() + this.#deps.approvalCodeTtlMs);
    const approvals: Omit<ApprovalRow, 'usedAt'>[] = [];
    const emails: ApprovalEmail[] = [];
    for (const [to, names] of byApprover) {
      const code = newApprovalCode();
      approvals.push({ approverEmail: to, codeDigest: this.#deps.vault.codeDigest(order.supplierOrderId, normalizeApprovalCode(code)!), sequence, expiresAt });
      emails.push({ orderId: order.orderId, to, domains: names, language: order.language, sequence, expiresAt, code });
    }
    return { approvals, emails };
  }
}

/** The `validation_started` detail: which names wait on which method, without addresses or codes. */
function describeValidation(domains: readonly DomainRow[]): string {
  const group = (method: DomainRow['method']) => domains.filter((domain) => domain.method === method).map((domain) => domain.name);
  const parts = [
    ['approval email', group('email')],
    ['DNS TXT record', group('dns')],
    ['website file', group('http')],
  ] as const;
  const listed = parts.filter(([, names]) => names.length > 0).map(([method, names]) => `${method} for ${names.join(', ')}`);
  return `Domain control validation started: ${listed.join('; ')}.`;
}
