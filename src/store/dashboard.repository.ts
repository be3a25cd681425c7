import { sql } from 'kysely';
import type { Executor } from './database.js';

/** What the staff console's dashboard shows: orders by status and the queues waiting for staff. */
export interface DashboardCounts {
  readonly ordersByStatus: Readonly<Record<string, number>>;
  readonly holdsWaiting: number;
  readonly oldestHoldSince: Date | null;
  readonly refundsWaiting: number;
  readonly oldestRefundSince: Date | null;
}

export async function dashboardCounts(db: Executor): Promise<DashboardCounts> {
  const [byStatus, holds, refunds] = await Promise.all([
    db.selectFrom('orders').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute(),
    db
      .selectFrom('order_screenings')
      .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('screened_at').as('oldest')])
      .where('held', '=', true)
      .where('decision', 'is', null)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('refund_requests')
      .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('created_at').as('oldest')])
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow(),
  ]);
  return {
    ordersByStatus: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
    holdsWaiting: Number(holds.n),
    oldestHoldSince: holds.oldest === null ? null : new Date(holds.oldest),
    refundsWaiting: Number(refunds.n),
    oldestRefundSince: refunds.oldest === null ? null : new Date(refunds.oldest),
  };
}

/** One order in the staff search: enough to find it and open it, across every reseller. */
export interface StaffOrderHit {
  readonly id: string;
  readonly reseller: { readonly id: string; readonly name: string };
  readonly status: string;
  readonly product: string;
  readonly domains: readonly string[];
  readonly price: { readonly amount: number; readonly currency: string };
  readonly createdAt: Date;
}

/**
 * Orders of every reseller, newest first, optionally narrowed to a status and to a text that is an
 * order id, part of a domain (A-label or Unicode) or part of a reseller's name.
 */
export async function searchOrders(
  db: Executor,
  page: { limit: number; q?: string; status?: string; after?: { createdAt: Date; id: string } },
): Promise<StaffOrderHit[]> {
  let query = db
    .selectFrom('orders')
    .innerJoin('resellers', 'resellers.id', 'orders.reseller_id')
    .select(['orders.id', 'orders.reseller_id', 'resellers.name as reseller_name', 'orders.status', 'orders.product', 'orders.price_amount', 'orders.currency', 'orders.created_at']);
  if (page.status !== undefined) query = query.where('orders.status', '=', page.status);
  if (page.q !== undefined) {
    const text = page.q.toLowerCase();
    const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('orders.id', '=', page.q as string),
        eb(eb.fn('lower', ['resellers.name']), 'like', like),
        eb.exists(
          eb
            .selectFrom('order_domains')
            .select('order_domains.order_id')
            .whereRef('order_domains.order_id', '=', 'orders.id')
            .where((d) => d.or([d('order_domains.name', 'like', like), d(d.fn('lower', ['order_domains.unicode']), 'like', like)])),
        ),
      ]),
    );
  }
  if (page.after !== undefined) {
    const { createdAt, id } = page.after;
    query = query.where((eb) => eb.or([eb('orders.created_at', '<', createdAt), eb.and([eb('orders.created_at', '=', createdAt), eb('orders.id', '<', id)])]));
  }
  const rows = await query.orderBy('orders.created_at', 'desc').orderBy('orders.id', 'desc').limit(page.limit).execute();
  if (rows.length === 0) return [];
  const domains = await db
    .selectFrom('order_domains')
    .select(['order_id', 'position', 'name'])
    .where(
      'order_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('position')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    reseller: { id: r.reseller_id, name: r.reseller_name },
    status: r.status,
    product: r.product,
    domains: domains.filter((d) => d.order_id === r.id).map((d) => d.name),
    price: { amount: r.price_amount, currency: r.currency },
    createdAt: r.created_at,
  }));
}

/** The time series behind the dashboard's charts, from a given instant on. */
export interface DashboardSeries {
  /** Orders placed per UTC day and status. */
  readonly ordersPerDay: readonly { readonly day: string; readonly status: string; readonly count: number }[];
  /** Seconds from placement to the first issuance, one per order issued from `from` on. */
  readonly issuanceSeconds: readonly number[];
  /** Since when each waiting hold and refund has waited. */
  readonly holdsSince: readonly Date[];
  readonly refundsSince: readonly Date[];
}

export async function dashboardSeries(db: Executor, from: Date): Promise<DashboardSeries> {
  const day = sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`;
  const [perDay, issued, holds, refunds] = await Promise.all([
    db
      .selectFrom('orders')
      .select([day.as('day'), 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('created_at', '>=', from)
      .groupBy([day, 'status'])
      .execute(),
    db
      .selectFrom('orders')
      .innerJoin('order_events', 'order_events.order_id', 'orders.id')
      .select(['orders.id', 'orders.created_at', (eb) => eb.fn.min('order_events.at').as('issued_at')])
      .where('order_events.to_status', '=', 'issued')
      .where('order_events.at', '>=', from)
      .groupBy(['orders.id', 'orders.created_at'])
      .execute(),
    db.selectFrom('order_screenings').select('screened_at').where('held', '=', true).where('decision', 'is', null).execute(),
    db.selectFrom('refund_requests').select('created_at').where('status', '=', 'open').execute(),
  ]);
  return {
    ordersPerDay: perDay.map((r) => ({ day: r.day, status: r.status, count: Number(r.n) })),
    issuanceSeconds: issued.map((r) => Math.max(0, Math.round((new Date(r.issued_at as Date).getTime() - new Date(r.created_at).getTime()) / 1000))),
    holdsSince: holds.map((r) => new Date(r.screened_at)),
    refundsSince: refunds.map((r) => new Date(r.created_at)),
  };
}
