import { CertbrokerError } from '../domain/errors.js';
import { DOCUMENT_KINDS, isDocumentKind } from '../domain/documents.js';
import { findOrder, type OrderDetails } from '../store/orders.repository.js';
import type { Db } from '../store/database.js';
import { hasValidationDesk, SupplierError, type DeskDocument, type DeskOrder, type Supplier, type ValidationDeskCapability } from '../suppliers/supplier.js';

const TEXT_MAX = 1000;

/** A supplier's refusal, in the API's one error shape: it did not know the order, or the order is past this step. */
function fromSupplier(error: unknown): never {
  if (error instanceof SupplierError) {
    if (error.code === 'not_found') throw new CertbrokerError('not_found', 'order.not_found', 'The certificate authority has no such order.');
    if (!error.retryable) throw new CertbrokerError('conflict', `ca_desk.${error.code}`, error.message);
  }
  throw error;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim().slice(0, TEXT_MAX) : '';
}

function required(value: unknown, path: string, what: string): string {
  const given = text(value);
  if (given.length < 3) throw new CertbrokerError('invalid', 'request.invalid', 'The request has invalid fields.', [{ path, code: 'text.required', message: `${path} must say ${what}, in a few words.` }]);
  return given;
}

/**
 * The staff API onto suppliers' own validation desks (issue 7; the embedded CA has one): list the
 * orders whose organisation awaits validation, ask for documents, see what arrived, approve or reject
 * the organisation, hold an order and lift the hold. The desk is the supplier's: everything it decides
 * comes back to the platform as supplier events, exactly as from a CA elsewhere.
 */
export class CaDeskService {
  readonly #db: Db;
  readonly #suppliers: ReadonlyMap<string, Supplier>;
  readonly #supplierOf: (order: OrderDetails) => Promise<Supplier>;

  constructor(deps: { db: Db; suppliers: ReadonlyMap<string, Supplier>; supplierOf: (order: OrderDetails) => Promise<Supplier> }) {
    this.#db = deps.db;
    this.#suppliers = deps.suppliers;
    this.#supplierOf = deps.supplierOf;
  }

  /** Every desk's orders awaiting organisation validation, oldest first within each supplier. */
  async queue(): Promise<(DeskOrder & { readonly supplier: string })[]> {
    const desks = [...this.#suppliers.values()].filter(hasValidationDesk);
    const queues = await Promise.all(desks.map(async (desk) => (await desk.deskQueue()).map((order) => ({ ...order, supplier: desk.name }))));
    return queues.flat();
  }

  /** One order at its supplier's desk. */
  async order(orderId: string): Promise<DeskOrder & { readonly supplier: string }> {
    const desk = await this.#desk(orderId);
    return { ...(await desk.deskOrder({ orderId }).catch(fromSupplier)), supplier: desk.name };
  }

  /** The desk asks for documents (`kind`, with a note saying exactly what). */
  async requestDocuments(orderId: string, input: { kind?: unknown; note?: unknown }): Promise<{ requestId: string }> {
    if (!isDocumentKind(input.kind)) {
      throw new CertbrokerError('invalid', 'request.invalid', 'The request has invalid fields.', [{ path: 'kind', code: 'document.kind_unknown', message: `kind must be one of ${DOCUMENT_KINDS.join(', ')}.` }]);
    }
    const note = input.kind === 'other' ? required(input.note, 'note', 'which documents are needed') : text(input.note);
    const desk = await this.#desk(orderId);
    const { requestId } = await desk.deskRequestDocuments({ orderId, kind: input.kind, note }).catch(fromSupplier);
    return { requestId };
  }

  /** What the desk received, with the checksums it computed itself. */
  async documents(orderId: string): Promise<DeskDocument[]> {
    const desk = await this.#desk(orderId);
    return desk.deskDocuments({ orderId }).catch(fromSupplier);
  }

  /** Approves the organisation (issuance follows once domain control is validated), or rejects it with a reason (the order is rejected by the supplier). */
  async decideOrganization(orderId: string, decision: 'approve' | 'reject', input: { reason?: unknown }): Promise<void> {
    const reason = decision === 'reject' ? required(input.reason, 'reason', 'why the organisation could not be validated') : text(input.reason);
    const desk = await this.#desk(orderId);
    await desk.deskDecideOrganization({ orderId, decision, reason }).catch(fromSupplier);
  }

  /** Puts the order on the supplier's hold, or lifts it. */
  async hold(orderId: string, hold: boolean, input: { reason?: unknown }): Promise<void> {
    const desk = await this.#desk(orderId);
    await desk.deskHold({ orderId, hold, reason: text(input.reason) }).catch(fromSupplier);
  }

  async #desk(orderId: string): Promise<Supplier & ValidationDeskCapability> {
    const order = await findOrder(this.#db, null, orderId);
    if (!order) throw new CertbrokerError('not_found', 'order.not_found', 'No such order.');
    const supplier = await this.#supplierOf(order);
    if (!hasValidationDesk(supplier)) throw new CertbrokerError('conflict', 'supplier.unsupported', `${supplier.name} has no validation desk here; its staff work on their own systems.`);
    return supplier;
  }
}
