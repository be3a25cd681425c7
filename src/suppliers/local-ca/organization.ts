/**
 * The embedded CA's organisation-validation desk (OV/EV): its staff ask for documents, see what
 * arrived, approve or reject the organisation, and hold an order. The CA issues an OV or EV
 * certificate only once the organisation is approved and every name's domain control is validated
 * (BR 3.2.2.1, EV Guidelines 11), and never while it holds the order. Everything it decides reaches
 * the platform as an event through the outbox, written in the same transaction as the decision.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DocumentKind } from '../../domain/documents.js';
import { SupplierError, type DeskDocument, type DeskOrder, type SqlPort, type SubmittedDocument } from '../supplier.js';
import { eventEntry } from '../shared/outbox.js';
import { INITIAL_REQUEST_ID } from '../supplier.js';
import { issueValidatedRequests, type CertificateIssuer } from './issuance.js';
import type { Outbox } from './outbox.js';
import {
  enqueue,
  findOrder,
  findSupplierOrderId,
  insertDocument,
  insertDocumentRequest,
  listDocumentRequests,
  listDocuments,
  listDomains,
  listOrganizationQueue,
  setHold,
  setOrderState,
  setOrderValidated,
  setOrganizationState,
  supersedePendingEmails,
  type OrderRow,
} from './repository.js';

/**
 * Issues the order's first certificate when nothing is left to wait for: every name validated (that
 * moment is recorded once), the organisation approved for OV/EV, and no hold of the desk. Of an issued
 * order, issues the reissues and renewals whose names are all validated now. Call it in a transaction
 * that holds the order's lock.
 * @returns whether a certificate was signed now.
 */
export async function issueWhenReady(tx: SqlPort, issuer: CertificateIssuer, order: OrderRow, now: Date): Promise<boolean> {
  if (order.state === 'issued') return issueValidatedRequests(tx, issuer, order, now);
  if (order.state !== 'awaiting_validation') return false;
  let validatedAt = order.validatedAt;
  if (validatedAt === null) {
    const domains = await listDomains(tx, order.supplierOrderId);
    if (domains.some((domain) => domain.validatedAt === null)) return false;
    validatedAt = now;
    await setOrderValidated(tx, order.supplierOrderId, now);
    await supersedePendingEmails(tx, order.supplierOrderId, now);
  }
  if (order.validation !== 'dv' && order.organizationState !== 'approved') return false;
  if (order.hold !== null) return false;
  return issuer.issue(tx, { ...order, validatedAt }, { requestId: INITIAL_REQUEST_ID, csrPem: order.csrPem, keyType: order.keyType, validityDays: order.validityDays });
}

function refused(code: string, message: string): SupplierError {
  return new SupplierError(code, message, { retryable: false });
}

const QUEUE_LIMIT = 200;
const NOTE_MAX = 1000;

/** What the desk needs. */
export interface OrganizationDeskDependencies {
  readonly sql: SqlPort;
  readonly clock: { now(): Date };
  readonly outbox: Outbox;
  readonly issuer: CertificateIssuer;
}

/** The desk's use cases, by the platform's order id (the id its staff are given). */
export class OrganizationDesk {
  readonly #deps: OrganizationDeskDependencies;

  constructor(deps: OrganizationDeskDependencies) {
    this.#deps = deps;
  }

  /** Orders whose organisation awaits a decision, oldest first. */
  async queue(): Promise<DeskOrder[]> {
    const { sql } = this.#deps;
    return Promise.all((await listOrganizationQueue(sql, QUEUE_LIMIT)).map((order) => this.#deskOrder(sql, order)));
  }

  /** One order as the desk sees it. */
  async order(orderId: string): Promise<DeskOrder> {
    const { sql } = this.#deps;
    return this.#deskOrder(sql, await this.#find(sql, orderId));
  }

  /** Asks for documents; the platform routes the request to the reseller. */
  async requestDocuments(orderId: string, kind: DocumentKind, note: string): Promise<{ requestId: string }> {
    const { sql, clock, outbox } = this.#deps;
    const requestId = `dr_${randomBytes(12).toString('hex')}`;
    await sql.transaction(async (tx) => {
      const order = await this.#find(tx, orderId, { lock: true });
      this.#pendingOrganization(order, 'ask for documents');
      const now = clock.now();
      const text = note.trim().slice(0, NOTE_MAX);
      await insertDocumentRequest(tx, order.supplierOrderId, { requestId, kind, note: text, requestedAt: now });
      await enqueue(tx, eventEntry(order.supplierOrderId, { type: 'documents_requested', eventId: `${order.supplierOrderId}.documents_requested.${requestId}`, orderId, requestId, kind, note: text }), now);
    });
    await outbox.drain();
    return { requestId };
  }

  /** The documents received for an order, with the checksums the CA computed on arrival. */
  async documents(orderId: string): Promise<DeskDocument[]> {
    const { sql } = this.#deps;
    const order = await this.#find(sql, orderId);
    return (await listDocuments(sql, order.supplierOrderId)).map((document) => ({ ...document }));
  }

  /**
   * Keeps documents the platform forwards, each once per document id (a repeat stores nothing). Each
   * must answer one of the order's document requests.
   * @throws SupplierError, not retryable, for an unknown order or request, or an order that no longer awaits validation.
   */
  async receive(supplierOrderId: string, documents: readonly SubmittedDocument[]): Promise<void> {
    const { sql, clock } = this.#deps;
    await sql.transaction(async (tx) => {
      const order = await findOrder(tx, supplierOrderId, { lock: true });
      if (order === undefined) throw refused('not_found', `local-ca has no order ${supplierOrderId}.`);
      if (order.state !== 'awaiting_validation') throw refused('not_awaiting_validation', `Order ${supplierOrderId} is ${order.state.replace('_', ' ')}; it takes no more documents.`);
      const requests = new Set((await listDocumentRequests(tx, supplierOrderId)).map((request) => request.requestId));
      const now = clock.now();
      for (const document of documents) {
        if (!requests.has(document.requestId)) throw refused('request_unknown', `Order ${supplierOrderId} has no document request ${document.requestId}.`);
        const content = Buffer.from(document.content.buffer, document.content.byteOffset, document.content.byteLength);
        await insertDocument(tx, supplierOrderId, {
          documentId: document.id,
          requestId: document.requestId,
          type: document.type,
          name: document.name,
          contentType: document.contentType,
          size: content.byteLength,
          sha256: createHash('sha256').update(content).digest('hex'),
          content,
          receivedAt: now,
        });
      }
    });
  }

  /**
   * Approves the organisation — the certificate follows at once if domain control is validated and no
   * hold is set — or rejects it, which rejects the order (a `rejected` event). Deciding again the same
   * way changes nothing.
   */
  async decide(orderId: string, decision: 'approve' | 'reject', reason: string): Promise<void> {
    const { sql, clock, outbox, issuer } = this.#deps;
    await sql.transaction(async (tx) => {
      const order = await this.#find(tx, orderId, { lock: true });
      const wanted = decision === 'approve' ? 'approved' : 'rejected';
      if (order.organizationState === wanted) return;
      this.#pendingOrganization(order, `${decision} the organisation`);
      const now = clock.now();
      await setOrganizationState(tx, order.supplierOrderId, wanted, now);
      if (decision === 'approve') {
        await issueWhenReady(tx, issuer, { ...order, organizationState: 'approved' }, now);
        return;
      }
      const text = reason.trim() === '' ? 'The organisation could not be validated.' : reason.trim().slice(0, NOTE_MAX);
      await setOrderState(tx, order.supplierOrderId, 'rejected', text, now);
      await supersedePendingEmails(tx, order.supplierOrderId, now);
      await enqueue(tx, eventEntry(order.supplierOrderId, { type: 'rejected', eventId: `${order.supplierOrderId}.rejected`, orderId, reason: text }), now);
    });
    await outbox.drain();
  }

  /**
   * Holds an order that awaits validation (a `hold` event) or lifts the hold (`hold_released`, and the
   * certificate follows if nothing else is left). Holding a held order, or lifting no hold, changes nothing.
   */
  async hold(orderId: string, hold: boolean, reason: string): Promise<void> {
    const { sql, clock, outbox, issuer } = this.#deps;
    await sql.transaction(async (tx) => {
      const order = await this.#find(tx, orderId, { lock: true });
      if ((order.hold !== null) === hold) return;
      if (order.state !== 'awaiting_validation') throw refused('not_awaiting_validation', `Order ${orderId} is ${order.state.replace('_', ' ')} at the CA; only an order awaiting validation can be held.`);
      const now = clock.now();
      if (hold) {
        const text = reason.trim() === '' ? 'Under review by the certificate authority.' : reason.trim().slice(0, NOTE_MAX);
        const sequence = await setHold(tx, order.supplierOrderId, { reason: text }, now);
        await enqueue(tx, eventEntry(order.supplierOrderId, { type: 'hold', eventId: `${order.supplierOrderId}.hold.${sequence}`, orderId, reason: text }), now);
        return;
      }
      const sequence = await setHold(tx, order.supplierOrderId, null, now);
      await enqueue(tx, eventEntry(order.supplierOrderId, { type: 'hold_released', eventId: `${order.supplierOrderId}.hold_released.${sequence}`, orderId }), now);
      await issueWhenReady(tx, issuer, { ...order, hold: null }, now);
    });
    await outbox.drain();
  }

  async #find(sql: SqlPort, orderId: string, options: { lock?: boolean } = {}): Promise<OrderRow> {
    const supplierOrderId = await findSupplierOrderId(sql, orderId);
    const order = supplierOrderId === undefined ? undefined : await findOrder(sql, supplierOrderId, options);
    if (order === undefined) throw refused('not_found', `local-ca has no order ${orderId}.`);
    return order;
  }

  /** Refuses an action on an order whose organisation is not (or no longer) waiting for the desk. */
  #pendingOrganization(order: OrderRow, action: string): void {
    if (order.validation === 'dv') throw refused('not_organization_validated', `Order ${order.orderId} is domain validated (DV): there is no organisation to validate, so the desk cannot ${action}.`);
    if (order.state !== 'awaiting_validation') throw refused('not_awaiting_validation', `Order ${order.orderId} is ${order.state.replace('_', ' ')} at the CA; the desk cannot ${action} any more.`);
    if (order.organizationState !== 'pending') throw refused('organization_decided', `The organisation of order ${order.orderId} was already ${order.organizationState}; the desk cannot ${action} any more.`);
  }

  async #deskOrder(sql: SqlPort, order: OrderRow): Promise<DeskOrder> {
    const [domains, requests] = await Promise.all([listDomains(sql, order.supplierOrderId), listDocumentRequests(sql, order.supplierOrderId)]);
    return {
      orderId: order.orderId,
      supplierOrderId: order.supplierOrderId,
      product: order.product,
      names: order.names,
      organization: order.organization,
      organizationState: order.organizationState,
      domainControlValidated: domains.every((domain) => domain.validatedAt !== null),
      hold: order.hold,
      documentRequests: requests,
    };
  }
}
