import type { Executor } from './database.js';

/** A refund waiting for, or decided by, staff. */
export interface RefundRequest {
  readonly id: string;
  readonly orderId: string;
  readonly resellerId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string;
  readonly status: 'open' | 'approved' | 'declined';
  readonly createdAt: Date;
  readonly decidedAt: Date | null;
  readonly decidedBy: string | null;
  readonly note: string | null;
}

const COLUMNS = ['id', 'order_id', 'reseller_id', 'amount', 'currency', 'reason', 'status', 'created_at', 'decided_at', 'decided_by', 'note'] as const;

function toRefund(r: {
  id: string;
  order_id: string;
  reseller_id: string;
  amount: number;
  currency: string;
  reason: string;
  status: string;
  created_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  note: string | null;
}): RefundRequest {
  return {
    id: r.id,
    orderId: r.order_id,
    resellerId: r.reseller_id,
    amount: r.amount,
    currency: r.currency,
    reason: r.reason,
    status: r.status as RefundRequest['status'],
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    note: r.note,
  };
}

/** Opens a refund request for an order once; false when one already exists. */
export async function openRefundRequest(db: Executor, r: { id: string; orderId: string; resellerId: string; amount: number; currency: string; reason: string; at: Date }): Promise<boolean> {
  const row = await db
    .insertInto('refund_requests')
    .values({ id: r.id, order_id: r.orderId, reseller_id: r.resellerId, amount: r.amount, currency: r.currency, reason: r.reason, status: 'open', created_at: r.at })
    .onConflict((oc) => oc.column('order_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Open requests oldest first (the queue), or decided ones newest first. */
export async function listRefundRequests(db: Executor, filter: { status: RefundRequest['status']; limit: number }): Promise<RefundRequest[]> {
  const rows = await db
    .selectFrom('refund_requests')
    .select(COLUMNS)
    .where('status', '=', filter.status)
    .orderBy('created_at', filter.status === 'open' ? 'asc' : 'desc')
    .orderBy('id')
    .limit(filter.limit)
    .execute();
  return rows.map(toRefund);
}

export async function findRefundRequest(db: Executor, id: string, options: { lock?: boolean } = {}): Promise<RefundRequest | undefined> {
  let query = db.selectFrom('refund_requests').select(COLUMNS).where('id', '=', id);
  if (options.lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row && toRefund(row);
}

export async function decideRefundRequest(db: Executor, id: string, d: { status: 'approved' | 'declined'; at: Date; by: string; note: string | null }): Promise<void> {
  await db.updateTable('refund_requests').set({ status: d.status, decided_at: d.at, decided_by: d.by, note: d.note }).where('id', '=', id).where('status', '=', 'open').execute();
}

/** What was debited for an order and what of it was refunded, in minor units (both ≥ 0). */
export async function orderMoney(db: Executor, orderId: string): Promise<{ debited: number; refunded: number }> {
  const rows = await db.selectFrom('ledger_entries').select(['kind', 'amount']).where('order_id', '=', orderId).where('kind', 'in', ['order_debit', 'refund']).execute();
  let debited = 0;
  let refunded = 0;
  for (const r of rows) {
    if (r.kind === 'order_debit') debited += -r.amount;
    else refunded += r.amount;
  }
  return { debited, refunded };
}
