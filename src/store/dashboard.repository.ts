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
