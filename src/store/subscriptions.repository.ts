import { sql } from 'kysely';
import { sqlState, UNIQUE_VIOLATION, type Executor } from './database.js';

/**
 * Subscriptions: an order's term, and the sweeps that find what is due in it (successors, reminders).
 * Every time compared is the application's clock, passed in (DESIGN.md: never the database's now()).
 */

/** Starts the term once, with the first certificate; later calls change nothing. */
export async function startTerm(db: Executor, orderId: string, term: { startsAt: Date; endsAt: Date }): Promise<void> {
  await db.updateTable('orders').set({ term_starts_at: term.startsAt, term_ends_at: term.endsAt }).where('id', '=', orderId).where('term_starts_at', 'is', null).execute();
}

export async function findTerm(db: Executor, orderId: string): Promise<{ startsAt: Date; endsAt: Date } | undefined> {
  const row = await db.selectFrom('orders').select(['term_starts_at', 'term_ends_at']).where('id', '=', orderId).executeTakeFirst();
  return row?.term_starts_at && row.term_ends_at ? { startsAt: row.term_starts_at, endsAt: row.term_ends_at } : undefined;
}

/** The renewal order of an order and the order it renews, if any. */
export async function renewalLinks(db: Executor, orderId: string): Promise<{ renews: string | null; renewedBy: string | null }> {
  const own = await db.selectFrom('orders').select('renews_order_id').where('id', '=', orderId).executeTakeFirst();
  const next = await db.selectFrom('orders').select('id').where('renews_order_id', '=', orderId).where('status', 'not in', ['rejected', 'cancelled', 'cancelled_by_supplier']).executeTakeFirst();
  return { renews: own?.renews_order_id ?? null, renewedBy: next?.id ?? null };
}

/** Links a new order to the one it renews; false when that order has a renewal already (unique index). */
export async function linkRenewal(db: Executor, orderId: string, renewsOrderId: string): Promise<boolean> {
  try {
    await db.updateTable('orders').set({ renews_order_id: renewsOrderId }).where('id', '=', orderId).execute();
  } catch (error) {
    // Another order renews it already (perhaps placed at the same moment): the unique index decides.
    if (sqlState(error) === UNIQUE_VIOLATION) return false;
    throw error;
  }
  return true;
}

/** An issued order's certificate in use: its newest, unless that one's revocation (other than superseded) ended the subscription. */
export interface CurrentCertificate {
  readonly orderId: string;
  readonly resellerId: string;
  readonly certificateId: string;
  readonly requestId: string;
  readonly serialNumber: string;
  readonly notAfter: Date;
  readonly termEndsAt: Date;
}

/**
 * Issued orders whose newest certificate is in use (not revoked for a reason that ends the
 * subscription), whose term runs past it by at least a day, that expires before `before`, and that has
 * no successor under way: what the renewal sweep starts successors for. A renewal that failed is not
 * started again on its own (it would fail the same way): the reseller sends a new CSR. Oldest expiry first.
 */
export async function certificatesDue(db: Executor, q: { expiringBefore: Date; now: Date; limit: number; withoutRenewal: boolean }): Promise<CurrentCertificate[]> {
  let query = db
    .selectFrom('orders as o')
    .innerJoin(
      (eb) =>
        eb
          .selectFrom('certificates')
          .distinctOn('order_id')
          .select(['order_id', 'id', 'request_id', 'serial_number', 'not_after', 'revocation_reason'])
          .orderBy('order_id')
          .orderBy('seq', 'desc')
          .as('c'),
      (join) => join.onRef('c.order_id', '=', 'o.id'),
    )
    .select(['o.id as order_id', 'o.reseller_id', 'o.term_ends_at', 'c.id as certificate_id', 'c.request_id', 'c.serial_number', 'c.not_after'])
    .where('o.status', '=', 'issued')
    .where('o.term_ends_at', 'is not', null)
    .where('o.term_ends_at', '>', q.now)
    .where('c.not_after', '<=', q.expiringBefore)
    .where((eb) => eb.or([eb('c.revocation_reason', 'is', null), eb('c.revocation_reason', '=', 'superseded')]))
    .where(sql<boolean>`o.term_ends_at - c.not_after >= interval '1 day'`);
  if (q.withoutRenewal) {
    query = query.where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('certificate_requests as r').select('r.id').whereRef('r.follows_certificate_id', '=', 'c.id').where('r.status', '<>', 'cancelled'))),
    );
  }
  const rows = await query.orderBy('c.not_after').limit(q.limit).execute();
  return rows.map((r) => ({
    orderId: r.order_id,
    resellerId: r.reseller_id,
    certificateId: r.certificate_id,
    requestId: r.request_id,
    serialNumber: r.serial_number,
    notAfter: r.not_after,
    termEndsAt: r.term_ends_at as Date,
  }));
}

/** Issued orders whose term ends between `now` and `before` and that no live order renews. */
export async function termsEnding(db: Executor, q: { now: Date; before: Date; limit: number }): Promise<{ orderId: string; termEndsAt: Date }[]> {
  const rows = await db
    .selectFrom('orders as o')
    .select(['o.id', 'o.term_ends_at'])
    .where('o.status', '=', 'issued')
    .where('o.term_ends_at', '>', q.now)
    .where('o.term_ends_at', '<=', q.before)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('orders as n').select('n.id').whereRef('n.renews_order_id', '=', 'o.id').where('n.status', 'not in', ['rejected', 'cancelled', 'cancelled_by_supplier']))),
    )
    .orderBy('o.term_ends_at')
    .limit(q.limit)
    .execute();
  return rows.map((r) => ({ orderId: r.id, termEndsAt: r.term_ends_at as Date }));
}

/** Records a reminder as sent; false when it was sent already (the caller then sends nothing). */
export async function recordReminder(db: Executor, r: { orderId: string; kind: 'certificate_expiring' | 'term_ending'; key: string; daysBefore: number; at: Date }): Promise<boolean> {
  const row = await db
    .insertInto('subscription_reminders')
    .values({ order_id: r.orderId, kind: r.kind, key: r.key, days_before: r.daysBefore, sent_at: r.at })
    .onConflict((oc) => oc.doNothing())
    .returning('order_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Replaces an order's names with those a reissue changed them to, in the caller's transaction. */
export async function replaceDomains(db: Executor, orderId: string, domains: readonly { name: string; unicode: string; dcv: { method: string; email?: string } }[]): Promise<void> {
  await db.deleteFrom('order_domains').where('order_id', '=', orderId).execute();
  await db
    .insertInto('order_domains')
    .values(domains.map((d, position) => ({ order_id: orderId, position, name: d.name, unicode: d.unicode, dcv_method: d.dcv.method, dcv_email: d.dcv.method === 'email' ? (d.dcv.email ?? null) : null })))
    .execute();
}
