import { createHash } from 'node:crypto';
import { settingsOf } from '../accounts/accounts.service.js';
import type { Clock } from '../domain/clock.js';
import {
  DOCUMENT_CONTENT_TYPES,
  DOCUMENT_KIND_LABELS,
  DOCUMENT_KINDS,
  MAX_DOCUMENT_BYTES,
  MAX_DOCUMENTS_PER_UPLOAD,
  cleanDocumentName,
  isDocumentKind,
  sniffDocumentType,
  type DocumentContentType,
} from '../domain/documents.js';
import { CertbrokerError, type FieldError } from '../domain/errors.js';
import type { Actor, OrderStatus } from '../domain/order.js';
import { PRODUCTS } from '../domain/products.js';
import type { Job, JobQueue } from '../jobs/queue.js';
import { PermanentJobError } from '../jobs/queue.js';
import type { OutboxEmail } from '../mail/outbox.js';
import { findReseller, type Reseller } from '../store/accounts.repository.js';
import type { Db, Executor } from '../store/database.js';
import * as docs from '../store/documents.repository.js';
import type { DocumentRequest, OrderDocument } from '../store/documents.repository.js';
import * as f from '../store/fulfilment.repository.js';
import { newId } from '../store/ids.js';
import { appendEvent, findOrder, type OrderDetails } from '../store/orders.repository.js';
import { canTakeDocuments, SupplierError, type Supplier, type SupplierEvent } from '../suppliers/supplier.js';
import type { Webhooks } from './webhooks.js';

/** The job that hands one uploaded document to the order's supplier. */
export const DOCUMENTS_FORWARD_JOB = 'documents.forward';

/** Statuses in which a supplier validates an order and so may take documents. */
const VALIDATING: readonly OrderStatus[] = ['released', 'awaiting_validation'];

/** One file of an upload, as the HTTP layer read it (never more than the per-file limit plus one byte). */
export interface UploadedFile {
  /** The form field that carried it: error paths name it. */
  readonly field: string;
  readonly filename: string | undefined;
  readonly declaredType: string;
  readonly content: Buffer;
}

/** The mail port of this service: the outbox's `enqueue`. */
export interface DocumentsMail {
  enqueue(trx: Executor, email: OutboxEmail): Promise<unknown>;
}

function malformed(message: string, fields: readonly FieldError[]): CertbrokerError {
  return new CertbrokerError('malformed', 'document.invalid', message, fields);
}

/**
 * A stable, distinct email sequence per document request: emails are one per (order, template,
 * recipient, sequence), and an order may have several requests, recorded by concurrent jobs.
 */
function emailSequence(requestId: string): number {
  return 1 + Number.parseInt(createHash('sha256').update(requestId).digest('hex').slice(0, 12), 16);
}

/**
 * Document requests of manually validated products (OV/EV, issue 7): a supplier asks, the platform
 * records the request on the order and routes it to the reseller — its account representative's email
 * and the `order.documents_requested` webhook — and to the administrative contact only when the
 * reseller lets the supplier contact its customers (`documentRequestsTo: "customer"`). The reseller
 * uploads documents; they are kept with their checksum, shown to the reseller and staff only, and
 * forwarded to the supplier by a job, once per document.
 */
export class DocumentsService {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #queue: JobQueue;
  readonly #webhooks: Webhooks;
  readonly #mail: DocumentsMail;
  readonly #supplierOf: (order: OrderDetails) => Promise<Supplier>;

  constructor(deps: { db: Db; clock: Clock; queue: JobQueue; webhooks: Webhooks; mail: DocumentsMail; supplierOf: (order: OrderDetails) => Promise<Supplier> }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#queue = deps.queue;
    this.#webhooks = deps.webhooks;
    this.#mail = deps.mail;
    this.#supplierOf = deps.supplierOf;
  }

  /**
   * A supplier's `documents_requested` event: recorded once per supplier request, on the timeline, as a
   * webhook, and as emails — to the account representative always, to the administrative contact too
   * when the reseller allows it. Safe to run twice.
   */
  async recordRequest(order: OrderDetails, event: Extract<SupplierEvent, { type: 'documents_requested' }>, supplierName: string): Promise<void> {
    const reseller = await findReseller(this.#db, order.resellerId);
    if (!reseller) throw new PermanentJobError(`no reseller ${order.resellerId}`);
    await this.#db.transaction().execute(async (trx) => {
      const now = this.#clock.now();
      const { request, created } = await docs.insertDocumentRequest(trx, {
        id: newId('drq'),
        orderId: order.id,
        supplier: supplierName,
        supplierRequestId: event.requestId,
        kind: event.kind,
        note: event.note,
        createdAt: now,
      });
      if (!created) return;
      await appendEvent(trx, {
        orderId: order.id,
        at: now,
        type: 'documents.requested',
        fromStatus: null,
        toStatus: null,
        actor: { type: 'system', id: supplierName },
        note: `The certificate authority needs ${DOCUMENT_KIND_LABELS.en[request.kind]} (request ${request.id})${request.note === '' ? '' : `: ${request.note}`}`,
        data: { requestId: request.id, kind: request.kind },
      });
      await this.#webhooks.recordOrderEvent(trx, order, 'order.documents_requested', { requestId: request.id, kind: request.kind, note: request.note }, `documents_requested:${request.id}`);
      await this.#notices(trx, order, reseller, request);
    });
  }

  /** The request's emails: the representative always; the administrative contact when the reseller allows it (white-label, generic). */
  async #notices(trx: Executor, order: OrderDetails, reseller: Reseller, request: DocumentRequest): Promise<void> {
    const domains = order.domains.map((d) => d.unicode);
    const sequence = emailSequence(request.id);
    const common = { orderId: order.id, resellerId: reseller.id, sequence };
    await this.#mail.enqueue(trx, {
      ...common,
      to: reseller.repEmail,
      language: settingsOf(reseller).defaultLanguage,
      template: 'reseller-notice',
      data: { kind: 'documents-requested', orderId: order.id, domains, note: request.note === '' ? null : request.note, request: { id: request.id, kind: request.kind } },
    });
    if (settingsOf(reseller).documentRequestsTo !== 'customer') return;
    await this.#mail.enqueue(trx, {
      ...common,
      to: order.adminContact.email,
      language: order.language,
      template: 'documents-request',
      data: { orderId: order.id, domains, kind: request.kind, note: request.note },
    });
  }

  /** An order's document requests and uploaded documents (metadata and checksums), for its reseller (`resellerId`) or staff (null). */
  async list(resellerId: string | null, orderId: string): Promise<{ requests: DocumentRequest[]; documents: OrderDocument[] }> {
    const order = await this.#order(resellerId, orderId);
    const [requests, documents] = await Promise.all([docs.listDocumentRequests(this.#db, order.id), docs.listDocuments(this.#db, order.id)]);
    return { requests, documents };
  }

  /** One document with its bytes, for the order's reseller or staff; another reseller's is not found. */
  async download(resellerId: string | null, orderId: string, documentId: string): Promise<OrderDocument & { readonly content: Buffer }> {
    const order = await this.#order(resellerId, orderId);
    const document = await docs.findDocument(this.#db, order.id, documentId);
    if (!document) throw new CertbrokerError('not_found', 'document.not_found', 'No such document.');
    return document;
  }

  /**
   * `POST /v1/orders/{id}/documents`: keeps each file with its SHA-256 checksum, answers the named
   * request, writes the timeline, and queues the forwarding to the supplier — all in one transaction.
   * Checks before anything is stored: the order is OV/EV, being validated and has a document request;
   * `requestId` names one of them and `type` is a document kind; every file is a PDF, PNG or JPEG by its
   * first bytes as well as by its declared type, not empty, and at most 10 MiB.
   */
  async upload(actor: Actor & { type: 'reseller' }, orderId: string, input: { readonly requestId: unknown; readonly type: unknown; readonly files: readonly UploadedFile[] }): Promise<OrderDocument[]> {
    const order = await this.#order(actor.id, orderId);
    if (PRODUCTS[order.product].validation === 'dv') {
      throw new CertbrokerError('conflict', 'documents.not_required', `Order ${order.id} is a domain-validated (DV) certificate: only OV and EV orders take documents.`);
    }
    if (!VALIDATING.includes(order.status)) {
      throw new CertbrokerError('conflict', 'documents.not_validating', `Documents are taken while the order awaits validation; this order is ${order.status}.`);
    }
    const requests = await docs.listDocumentRequests(this.#db, order.id);
    if (requests.length === 0) {
      throw new CertbrokerError(
        'conflict',
        'documents.no_open_request',
        'The certificate authority has not asked for documents for this order, so there is nothing to answer yet; the order.documents_requested webhook and the order’s timeline say when it does.',
      );
    }
    const request = this.#checkForm(input, requests);
    const type = input.type as DocumentRequest['kind'];
    const files = input.files.map((file) => ({ ...file, contentType: this.#checkFile(file) }));

    const stored = await this.#db.transaction().execute(async (trx) => {
      const now = this.#clock.now();
      const out: OrderDocument[] = [];
      for (const file of files) {
        const document: OrderDocument = {
          id: newId('doc'),
          orderId: order.id,
          requestId: request.id,
          type,
          filename: cleanDocumentName(file.filename, `document.${file.contentType.split('/')[1]}`),
          contentType: file.contentType,
          size: file.content.byteLength,
          sha256: createHash('sha256').update(file.content).digest('hex'),
          uploadedBy: { type: actor.type, id: actor.id },
          createdAt: now,
          forwardedAt: null,
        };
        await docs.insertDocument(trx, { ...document, content: file.content });
        await appendEvent(trx, {
          orderId: order.id,
          at: now,
          type: 'documents.uploaded',
          fromStatus: null,
          toStatus: null,
          actor,
          note: `${document.filename} (${DOCUMENT_KIND_LABELS.en[type]}, ${document.size} bytes, SHA-256 ${document.sha256}) answers request ${request.id}.`,
          data: { documentId: document.id, requestId: request.id, sha256: document.sha256 },
        });
        await this.#queue.enqueue(trx, { name: DOCUMENTS_FORWARD_JOB, payload: { documentId: document.id, orderId: order.id }, dedupeKey: `${DOCUMENTS_FORWARD_JOB}:${document.id}` });
        out.push(document);
      }
      await docs.markRequestAnswered(trx, request.id, now);
      return out;
    });
    return stored;
  }

  /**
   * `documents.forward`: hands one document to the order's supplier (idempotent there per document id)
   * and records that it did, once. A supplier that takes no documents, or refuses them for good, is
   * written on the timeline for staff; a passing failure is retried by the queue.
   */
  async forwardJob(job: Job): Promise<void> {
    const orderId = String(job.payload.orderId);
    const documentId = String(job.payload.documentId);
    const order = await findOrder(this.#db, null, orderId);
    const document = order && (await docs.findDocument(this.#db, order.id, documentId));
    if (!order || !document) throw new PermanentJobError(`no document ${documentId} of order ${orderId}`);
    if (document.forwardedAt !== null) return;
    const supplier = await this.#supplierOf(order);
    const supplierOrder = await f.findSupplierOrder(this.#db, order.id);
    const request = (await docs.listDocumentRequests(this.#db, order.id)).find((r) => r.id === document.requestId);
    if (!supplierOrder || !request) throw new PermanentJobError(`document ${documentId}: order ${orderId} has no supplier order or request`);
    const failed = (note: string) =>
      appendEvent(this.#db, { orderId: order.id, at: this.#clock.now(), type: 'documents.forward_failed', fromStatus: null, toStatus: null, actor: { type: 'system', id: supplier.name }, note });
    if (!canTakeDocuments(supplier)) {
      await failed(`${supplier.name} does not take documents; ${document.filename} stays with the order for staff.`);
      return;
    }
    try {
      await supplier.submitDocuments({
        supplierOrderId: supplierOrder.supplierOrderId,
        documents: [{ id: document.id, requestId: request.supplierRequestId, type: document.type, name: document.filename, contentType: document.contentType, content: document.content }],
      });
    } catch (error) {
      if (error instanceof SupplierError && !error.retryable) {
        await failed(`${supplier.name} did not take ${document.filename}: ${error.message}`);
        return;
      }
      throw error;
    }
    await this.#db.transaction().execute(async (trx) => {
      const now = this.#clock.now();
      if (!(await docs.markForwarded(trx, document.id, now))) return;
      await appendEvent(trx, {
        orderId: order.id,
        at: now,
        type: 'documents.forwarded',
        fromStatus: null,
        toStatus: null,
        actor: { type: 'system', id: supplier.name },
        note: `${document.filename} (SHA-256 ${document.sha256}) handed to ${supplier.name}.`,
        data: { documentId: document.id },
      });
    });
  }

  /** The request the form answers; `requestId` and `type` must be there and valid, and at least one file. */
  #checkForm(input: { readonly requestId: unknown; readonly type: unknown; readonly files: readonly UploadedFile[] }, requests: readonly DocumentRequest[]): DocumentRequest {
    const errors: FieldError[] = [];
    const request = requests.find((r) => r.id === input.requestId);
    if (typeof input.requestId !== 'string' || input.requestId === '') {
      errors.push({ path: 'requestId', code: 'document.request_required', message: `requestId must name the document request this upload answers: ${requests.map((r) => r.id).join(', ')}.` });
    } else if (request === undefined) {
      errors.push({ path: 'requestId', code: 'document.request_unknown', message: `requestId must be one of this order's document requests: ${requests.map((r) => r.id).join(', ')}.` });
    }
    if (!isDocumentKind(input.type)) {
      errors.push({ path: 'type', code: 'document.type_unknown', message: `type must be one of ${DOCUMENT_KINDS.join(', ')}.` });
    }
    if (input.files.length === 0) {
      errors.push({ path: 'file', code: 'document.file_required', message: 'Send one or more files (PDF, PNG or JPEG) as multipart/form-data file parts.' });
    } else if (input.files.length > MAX_DOCUMENTS_PER_UPLOAD) {
      errors.push({ path: 'file', code: 'document.too_many_files', message: `Send at most ${MAX_DOCUMENTS_PER_UPLOAD} files in one upload.` });
    }
    if (errors.length > 0 || request === undefined) throw malformed('The upload form has invalid fields.', errors);
    return request;
  }

  /** The file's type, proven by its first bytes and matching its declared type; throws 400 or 413 naming the field otherwise. */
  #checkFile(file: UploadedFile): DocumentContentType {
    const path = file.field;
    const name = file.filename === undefined ? path : `${path} (${cleanDocumentName(file.filename, 'unnamed')})`;
    if (file.content.byteLength > MAX_DOCUMENT_BYTES) {
      throw new CertbrokerError('payload_too_large', 'document.too_large', `${name} is larger than 10 MiB, the limit per file.`, [
        { path, code: 'document.too_large', message: `${name} may be at most 10 MiB (${MAX_DOCUMENT_BYTES} bytes).` },
      ]);
    }
    const declared = file.declaredType.split(';')[0]?.trim().toLowerCase() ?? '';
    const allowed = DOCUMENT_CONTENT_TYPES as readonly string[];
    const fail = (code: string, message: string) => malformed(`${name} is not accepted: ${message}`, [{ path, code, message }]);
    if (file.content.byteLength === 0) throw fail('document.empty', `${name} is empty.`);
    if (!allowed.includes(declared)) throw fail('document.type_not_allowed', `${name} is declared as ${declared || 'no type'}; documents must be PDF (application/pdf), PNG (image/png) or JPEG (image/jpeg).`);
    const sniffed = sniffDocumentType(file.content);
    if (sniffed !== declared) {
      throw fail(
        'document.content_mismatch',
        `${name} is declared as ${declared}, but its content is ${sniffed === undefined ? 'not a PDF, PNG or JPEG file' : `a ${sniffed} file`}: the file's first bytes must match its declared type.`,
      );
    }
    return sniffed;
  }

  /** Throws the 404 of an order the reseller does not own: checked before an upload's body is read. */
  async assertOwned(resellerId: string, orderId: string): Promise<void> {
    await this.#order(resellerId, orderId);
  }

  async #order(resellerId: string | null, orderId: string): Promise<OrderDetails> {
    const order = await findOrder(this.#db, resellerId, orderId);
    if (!order) throw new CertbrokerError('not_found', 'order.not_found', 'No such order.');
    return order;
  }
}
