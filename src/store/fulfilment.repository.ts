import type { Actor, Hold, OrderStatus } from '../domain/order.js';
import type { Executor } from './database.js';
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

export async function insertCertificateRequest(db: Executor, r: { id: string; orderId: string; kind: 'initial' | 'reissue'; csrPem: string; at: Date }): Promise<boolean> {
  const row = await db
    .insertInto('certificate_requests')
    .values({ id: r.id, order_id: r.orderId, kind: r.kind, csr_pem: r.csrPem, status: 'pending', created_at: r.at })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function findCertificateRequest(db: Executor, id: string): Promise<{ id: string; orderId: string; kind: 'initial' | 'reissue'; status: string } | undefined> {
  const row = await db.selectFrom('certificate_requests').select(['id', 'order_id', 'kind', 'status']).where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, orderId: row.order_id, kind: row.kind as 'initial' | 'reissue', status: row.status };
}

export async function countReissues(db: Executor, orderId: string): Promise<number> {
  const rows = await db.selectFrom('certificate_requests').select('id').where('order_id', '=', orderId).where('kind', '=', 'reissue').execute();
  return rows.length;
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
  await db.updateTable('certificate_requests').set({ status: 'issued' }).where('id', '=', c.requestId).execute();
  return true;
}

/** The order's newest certificate (a reissue replaces the previous one once it is issued). */
export async function latestCertificate(db: Executor, orderId: string): Promise<StoredCertificate | undefined> {
  const row = await db
    .selectFrom('certificates')
    .select(['id', 'request_id', 'serial_number', 'certificate_pem', 'chain_pem', 'root_pem', 'not_before', 'not_after', 'issued_at'])
    .where('order_id', '=', orderId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      requestId: row.request_id,
      serialNumber: row.serial_number,
      certificatePem: row.certificate_pem,
      chainPem: row.chain_pem,
      rootPem: row.root_pem,
      notBefore: row.not_before,
      notAfter: row.not_after,
      issuedAt: row.issued_at,
    }
  );
}
