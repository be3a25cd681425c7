import { sql, type Selectable } from 'kysely';
import type { Actor, DcvChoice, Hold, OrderStatus } from '../domain/order.js';
import type { Executor } from './database.js';
import type { RevocationReason } from '../domain/revocation.js';
import type { CertificateRequestTable, CertificateTable } from './schema.js';
import { appendEvent } from './orders.repository.js';

/**
 * Moves an order from one of `from` to `to` and writes the timeline row, in the caller's transaction.
 * The conditional update decides races (an issuance and a cancellation cannot both win): returns false,
 * writing nothing, when the order was no longer in one of `from`.
 */
export async function transitionOrder(
  db: Executor,
  t: {
    orderId: string;
    from: readonly OrderStatus[];
    to: OrderStatus;
    at: Date;
    actor: Actor;
    type: string;
    note?: string;
    data?: Record<string, unknown>;
    /** Set once, on acceptance by a supplier; never moved afterwards. */
    releasedAt?: Date;
  },
): Promise<boolean> {
  // The row lock makes this transaction the one that decides; a concurrent transition waits and then sees the new status.
  const current = await db.selectFrom('orders').select('status').where('id', '=', t.orderId).forUpdate().executeTakeFirst();
  if (!current || !t.from.includes(current.status as OrderStatus)) return false;
  await db
    .updateTable('orders')
    .set((eb) => ({
      status: t.to,
      updated_at: t.at,
      ...(t.releasedAt !== undefined && { released_at: eb.fn.coalesce('released_at', eb.val(t.releasedAt)) }),
    }))
    .where('id', '=', t.orderId)
    .execute();
  await appendEvent(db, {
    orderId: t.orderId,
    at: t.at,
    type: t.type,
    fromStatus: current.status as OrderStatus,
    toStatus: t.to,
    actor: t.actor,
    ...(t.note !== undefined && { note: t.note }),
    ...(t.data !== undefined && { data: t.data }),
  });
  return true;
}

/** Sets or clears the hold flag of an order (a supplier's hold never changes its status). */
export async function setHold(db: Executor, orderId: string, hold: Hold | null, at: Date): Promise<void> {
  await db
    .updateTable('orders')
    .set({ hold: hold === null ? null : JSON.stringify({ by: hold.by, since: hold.since.toISOString() }), updated_at: at })
    .where('id', '=', orderId)
    .execute();
}

export async function recordSupplierOrder(db: Executor, s: { orderId: string; supplier: string; supplierOrderId: string; at: Date }): Promise<void> {
  await db
    .insertInto('supplier_orders')
    .values({ order_id: s.orderId, supplier: s.supplier, supplier_order_id: s.supplierOrderId, accepted_at: s.at })
    .onConflict((oc) => oc.column('order_id').doNothing())
    .execute();
}

export async function findSupplierOrder(db: Executor, orderId: string): Promise<{ supplier: string; supplierOrderId: string } | undefined> {
  const row = await db.selectFrom('supplier_orders').select(['supplier', 'supplier_order_id']).where('order_id', '=', orderId).executeTakeFirst();
  return row && { supplier: row.supplier, supplierOrderId: row.supplier_order_id };
}

/** The id of an order's first certificate request. */
export const initialRequestId = (orderId: string) => `${orderId}/initial`;

export type CertificateRequestKind = 'initial' | 'reissue' | 'renewal';
export type CertificateRequestStatus = 'awaiting_csr' | 'pending' | 'issued' | 'failed' | 'cancelled';

/** The names a request changes the order to, each with how it proves control. */
export type RequestedDomain = { readonly name: string; readonly unicode: string; readonly dcv: DcvChoice };

export interface CertificateRequest {
  readonly id: string;
  readonly orderId: string;
  readonly kind: CertificateRequestKind;
  readonly status: CertificateRequestStatus;
  /** Null while a renewal waits for the reseller's CSR. */
  readonly csrPem: string | null;
  /** 0 for the first request of an order, then counting up: tells the emails of each request apart. */
  readonly sequence: number;
  readonly followsCertificateId: string | null;
  readonly domains: readonly RequestedDomain[] | null;
  readonly revalidate: boolean;
  readonly idempotencyKey: string | null;
  readonly requestHash: string | null;
  readonly createdAt: Date;
}

/**
 * Adds a certificate request with the order's next sequence number. Callers that may race for the
 * same order (reissues, renewals) hold the order's row lock; the unique indexes stand behind them.
 * Returns false, adding nothing, when the request (or the order's only initial request) exists.
 */
export async function insertCertificateRequest(
  db: Executor,
  r: {
    id: string;
    orderId: string;
    kind: CertificateRequestKind;
    csrPem: string | null;
    at: Date;
    status?: 'pending' | 'awaiting_csr';
    followsCertificateId?: string;
    domains?: readonly RequestedDomain[];
    idempotencyKey?: string;
    requestHash?: string;
  },
): Promise<boolean> {
  const row = await db
    .insertInto('certificate_requests')
    .values((eb) => ({
      id: r.id,
      order_id: r.orderId,
      kind: r.kind,
      csr_pem: r.csrPem,
      status: r.status ?? 'pending',
      created_at: r.at,
      sequence:
        r.kind === 'initial'
          ? eb.val(0)
          : eb.selectFrom('certificate_requests').select(sql<number>`coalesce(max(sequence), 0) + 1`.as('next')).where('order_id', '=', r.orderId),
      follows_certificate_id: r.followsCertificateId ?? null,
      domains: r.domains === undefined ? null : JSON.stringify(r.domains),
      idempotency_key: r.idempotencyKey ?? null,
      request_hash: r.requestHash ?? null,
    }))
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

const REQUEST_COLUMNS = ['id', 'order_id', 'kind', 'status', 'csr_pem', 'sequence', 'follows_certificate_id', 'domains', 'revalidate', 'idempotency_key', 'request_hash', 'created_at'] as const;

function toRequest(row: Pick<Selectable<CertificateRequestTable>, (typeof REQUEST_COLUMNS)[number]>): CertificateRequest {
  return {
    id: row.id,
    orderId: row.order_id,
    kind: row.kind as CertificateRequestKind,
    status: row.status as CertificateRequestStatus,
    csrPem: row.csr_pem,
    sequence: row.sequence,
    followsCertificateId: row.follows_certificate_id,
    domains: row.domains as RequestedDomain[] | null,
    revalidate: row.revalidate,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    createdAt: row.created_at,
  };
}

export async function findCertificateRequest(db: Executor, id: string): Promise<CertificateRequest | undefined> {
  const row = await db.selectFrom('certificate_requests').select(REQUEST_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && toRequest(row);
}

/** An order's requests, oldest first. */
export async function listCertificateRequests(db: Executor, orderId: string): Promise<CertificateRequest[]> {
  const rows = await db.selectFrom('certificate_requests').select(REQUEST_COLUMNS).where('order_id', '=', orderId).orderBy('sequence').execute();
  return rows.map(toRequest);
}

/** The request an order's Idempotency-Key already made, if any. */
export async function findRequestByIdempotencyKey(db: Executor, orderId: string, key: string): Promise<CertificateRequest | undefined> {
  const row = await db.selectFrom('certificate_requests').select(REQUEST_COLUMNS).where('order_id', '=', orderId).where('idempotency_key', '=', key).executeTakeFirst();
  return row && toRequest(row);
}

/** Moves a request on from one of `from`; false when it was no longer in one of them. */
export async function updateCertificateRequest(
  db: Executor,
  id: string,
  from: readonly CertificateRequestStatus[],
  set: { status: CertificateRequestStatus; csrPem?: string; revalidate?: boolean; at: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('certificate_requests')
    .set({ status: set.status, updated_at: set.at, ...(set.csrPem !== undefined && { csr_pem: set.csrPem }), ...(set.revalidate !== undefined && { revalidate: set.revalidate }) })
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** A certificate as stored: the leaf, its intermediates and the root. */
export interface StoredCertificate {
  readonly id: string;
  readonly requestId: string;
  readonly serialNumber: string;
  readonly certificatePem: string;
  readonly chainPem: readonly string[];
  readonly rootPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly issuedAt: Date;
}

/** A certificate with its revocation, as the subscription shows it. */
export interface OrderCertificate extends StoredCertificate {
  readonly revocationReason: RevocationReason | null;
  readonly revocationRequestedAt: Date | null;
  readonly revokedAt: Date | null;
}

/** Stores a certificate once per request; false when that request already has one. */
export async function insertCertificate(db: Executor, orderId: string, c: StoredCertificate): Promise<boolean> {
  const row = await db
    .insertInto('certificates')
    .values({
      id: c.id,
      order_id: orderId,
      request_id: c.requestId,
      serial_number: c.serialNumber,
      certificate_pem: c.certificatePem,
      chain_pem: JSON.stringify(c.chainPem),
      root_pem: c.rootPem,
      not_before: c.notBefore,
      not_after: c.notAfter,
      issued_at: c.issuedAt,
    })
    .onConflict((oc) => oc.column('request_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return false;
  await db.updateTable('certificate_requests').set({ status: 'issued', updated_at: c.issuedAt }).where('id', '=', c.requestId).execute();
  return true;
}

const CERTIFICATE_COLUMNS = [
  'id',
  'request_id',
  'serial_number',
  'certificate_pem',
  'chain_pem',
  'root_pem',
  'not_before',
  'not_after',
  'issued_at',
  'revocation_reason',
  'revocation_requested_at',
  'revoked_at',
] as const;

function toCertificate(row: Pick<Selectable<CertificateTable>, (typeof CERTIFICATE_COLUMNS)[number]>): OrderCertificate {
  return {
    id: row.id,
    requestId: row.request_id,
    serialNumber: row.serial_number,
    certificatePem: row.certificate_pem,
    chainPem: row.chain_pem,
    rootPem: row.root_pem,
    notBefore: row.not_before,
    notAfter: row.not_after,
    issuedAt: row.issued_at,
    revocationReason: row.revocation_reason as RevocationReason | null,
    revocationRequestedAt: row.revocation_requested_at,
    revokedAt: row.revoked_at,
  };
}

/** The order's newest certificate (a reissue replaces the previous one once it is issued). */
export async function latestCertificate(db: Executor, orderId: string): Promise<OrderCertificate | undefined> {
  const row = await db.selectFrom('certificates').select(CERTIFICATE_COLUMNS).where('order_id', '=', orderId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row && toCertificate(row);
}

/** Every certificate of an order, oldest first. */
export async function listCertificates(db: Executor, orderId: string): Promise<OrderCertificate[]> {
  const rows = await db.selectFrom('certificates').select(CERTIFICATE_COLUMNS).where('order_id', '=', orderId).orderBy('seq').execute();
  return rows.map(toCertificate);
}

export async function findCertificate(db: Executor, id: string): Promise<(OrderCertificate & { orderId: string }) | undefined> {
  const row = await db.selectFrom('certificates').select([...CERTIFICATE_COLUMNS, 'order_id']).where('id', '=', id).executeTakeFirst();
  return row && { ...toCertificate(row), orderId: row.order_id };
}

/** Records that a certificate is to be revoked, once: false when its revocation was asked for already. */
export async function requestRevocation(db: Executor, certificateId: string, reason: RevocationReason, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('certificates')
    .set({ revocation_reason: reason, revocation_requested_at: at })
    .where('id', '=', certificateId)
    .where('revocation_requested_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Records the supplier's revocation, once: false when it was recorded already. */
export async function markRevoked(db: Executor, certificateId: string, at: Date): Promise<boolean> {
  const result = await db.updateTable('certificates').set({ revoked_at: at }).where('id', '=', certificateId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
