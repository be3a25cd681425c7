import type { DocumentContentType, DocumentKind } from '../domain/documents.js';
import type { Actor } from '../domain/order.js';
import type { Selectable } from 'kysely';
import type { Executor } from './database.js';
import type { OrderDocumentTable } from './schema.js';

/** A supplier's request for documents on an order, as the platform keeps it. */
export interface DocumentRequest {
  readonly id: string;
  readonly orderId: string;
  readonly supplier: string;
  readonly supplierRequestId: string;
  readonly kind: DocumentKind;
  readonly note: string;
  readonly createdAt: Date;
  /** When the first document answering it was uploaded. */
  readonly answeredAt: Date | null;
}

/** An uploaded document without its bytes. */
export interface OrderDocument {
  readonly id: string;
  readonly orderId: string;
  readonly requestId: string;
  readonly type: DocumentKind;
  readonly filename: string;
  readonly contentType: DocumentContentType;
  readonly size: number;
  /** Hex SHA-256 of the content. */
  readonly sha256: string;
  readonly uploadedBy: Actor;
  readonly createdAt: Date;
  /** When the supplier took it. */
  readonly forwardedAt: Date | null;
}

const REQUEST_COLUMNS = ['id', 'order_id', 'supplier', 'supplier_request_id', 'kind', 'note', 'created_at', 'answered_at'] as const;
const DOCUMENT_COLUMNS = ['id', 'order_id', 'request_id', 'type', 'filename', 'content_type', 'size', 'sha256', 'uploaded_by_type', 'uploaded_by_id', 'created_at', 'forwarded_at'] as const;

function toRequest(row: { id: string; order_id: string; supplier: string; supplier_request_id: string; kind: string; note: string; created_at: Date; answered_at: Date | null }): DocumentRequest {
  return {
    id: row.id,
    orderId: row.order_id,
    supplier: row.supplier,
    supplierRequestId: row.supplier_request_id,
    kind: row.kind as DocumentKind,
    note: row.note,
    createdAt: row.created_at,
    answeredAt: row.answered_at,
  };
}

function toDocument(row: Omit<Selectable<OrderDocumentTable>, 'content' | 'seq'>): OrderDocument {
  return {
    id: row.id,
    orderId: row.order_id,
    requestId: row.request_id,
    type: row.type as DocumentKind,
    filename: row.filename,
    contentType: row.content_type as DocumentContentType,
    size: row.size,
    sha256: row.sha256,
    uploadedBy: { type: row.uploaded_by_type, id: row.uploaded_by_id } as Actor,
    createdAt: row.created_at,
    forwardedAt: row.forwarded_at,
  };
}

/** Records a supplier's request once per (order, supplier request id); returns the stored request and whether this call stored it. */
export async function insertDocumentRequest(db: Executor, r: Omit<DocumentRequest, 'answeredAt'>): Promise<{ request: DocumentRequest; created: boolean }> {
  const inserted = await db
    .insertInto('document_requests')
    .values({ id: r.id, order_id: r.orderId, supplier: r.supplier, supplier_request_id: r.supplierRequestId, kind: r.kind, note: r.note, created_at: r.createdAt })
    .onConflict((oc) => oc.constraint('document_requests_once').doNothing())
    .returning(REQUEST_COLUMNS)
    .executeTakeFirst();
  if (inserted) return { request: toRequest(inserted), created: true };
  const existing = await db.selectFrom('document_requests').select(REQUEST_COLUMNS).where('order_id', '=', r.orderId).where('supplier_request_id', '=', r.supplierRequestId).executeTakeFirstOrThrow();
  return { request: toRequest(existing), created: false };
}

/** An order's document requests, in the order they arrived. */
export async function listDocumentRequests(db: Executor, orderId: string): Promise<DocumentRequest[]> {
  const rows = await db.selectFrom('document_requests').select(REQUEST_COLUMNS).where('order_id', '=', orderId).orderBy('seq').execute();
  return rows.map(toRequest);
}

/** Marks a request answered, the first time. */
export async function markRequestAnswered(db: Executor, requestId: string, at: Date): Promise<void> {
  await db.updateTable('document_requests').set({ answered_at: at }).where('id', '=', requestId).where('answered_at', 'is', null).execute();
}

/** Stores an uploaded document with its bytes. */
export async function insertDocument(db: Executor, d: Omit<OrderDocument, 'forwardedAt'> & { readonly content: Buffer }): Promise<void> {
  await db
    .insertInto('order_documents')
    .values({
      id: d.id,
      order_id: d.orderId,
      request_id: d.requestId,
      type: d.type,
      filename: d.filename,
      content_type: d.contentType,
      size: d.size,
      sha256: d.sha256,
      content: d.content,
      uploaded_by_type: d.uploadedBy.type,
      uploaded_by_id: d.uploadedBy.id,
      created_at: d.createdAt,
    })
    .execute();
}

/** An order's documents (metadata only), in the order they were uploaded. */
export async function listDocuments(db: Executor, orderId: string): Promise<OrderDocument[]> {
  const rows = await db.selectFrom('order_documents').select(DOCUMENT_COLUMNS).where('order_id', '=', orderId).orderBy('seq').execute();
  return rows.map(toDocument);
}

/** One document of an order with its bytes; undefined when it is not that order's. */
export async function findDocument(db: Executor, orderId: string, documentId: string): Promise<(OrderDocument & { readonly content: Buffer }) | undefined> {
  const row = await db
    .selectFrom('order_documents')
    .select([...DOCUMENT_COLUMNS, 'content'])
    .where('order_id', '=', orderId)
    .where('id', '=', documentId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { content, ...rest } = row;
  return { ...toDocument(rest), content: Buffer.from(content.buffer, content.byteOffset, content.byteLength) };
}

/** Records that the supplier took the document; false when that was recorded already. */
export async function markForwarded(db: Executor, documentId: string, at: Date): Promise<boolean> {
  const row = await db.updateTable('order_documents').set({ forwarded_at: at }).where('id', '=', documentId).where('forwarded_at', 'is', null).returning('id').executeTakeFirst();
  return row !== undefined;
}
