import { sql } from 'kysely';
import type { Executor } from './database.js';

export interface ScreeningHit {
  readonly rule: string;
  readonly score: number;
  readonly reason: string;
}

export interface Screening {
  readonly orderId: string;
  readonly score: number;
  readonly hits: readonly ScreeningHit[];
  readonly held: boolean;
  readonly screenedAt: Date;
  readonly decision: 'released' | 'rejected' | null;
  readonly decidedAt: Date | null;
  readonly decidedBy: string | null;
  readonly note: string | null;
}

const COLUMNS = ['order_id', 'score', 'hits', 'held', 'screened_at', 'decision', 'decided_at', 'decided_by', 'note'] as const;

function toScreening(r: {
  order_id: string;
  score: number;
  hits: ScreeningHit[];
  held: boolean;
  screened_at: Date;
  decision: string | null;
  decided_at: Date | null;
  decided_by: string | null;
  note: string | null;
}): Screening {
  return {
    orderId: r.order_id,
    score: r.score,
    hits: r.hits,
    held: r.held,
    screenedAt: r.screened_at,
    decision: r.decision as Screening['decision'],
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    note: r.note,
  };
}

/** Records the screen's verdict once (a job that runs twice keeps the first). */
export async function saveScreening(db: Executor, s: { orderId: string; score: number; hits: readonly ScreeningHit[]; held: boolean; at: Date }): Promise<void> {
  await db
    .insertInto('order_screenings')
    .values({ order_id: s.orderId, score: s.score, hits: JSON.stringify(s.hits), held: s.held, screened_at: s.at })
    .onConflict((oc) => oc.column('order_id').doNothing())
    .execute();
}

export async function findScreening(db: Executor, orderId: string, options: { lock?: boolean } = {}): Promise<Screening | undefined> {
  let query = db.selectFrom('order_screenings').select(COLUMNS).where('order_id', '=', orderId);
  if (options.lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row && toScreening(row);
}

/** Held orders no one has decided yet, oldest first (the staff hold queue). */
export async function listOpenHolds(db: Executor, limit: number): Promise<Screening[]> {
  const rows = await db.selectFrom('order_screenings').select(COLUMNS).where('held', '=', true).where('decision', 'is', null).orderBy('screened_at').orderBy('order_id').limit(limit).execute();
  return rows.map(toScreening);
}

export async function decideHold(db: Executor, orderId: string, d: { decision: 'released' | 'rejected'; at: Date; by: string; note: string }): Promise<boolean> {
  const row = await db
    .updateTable('order_screenings')
    .set({ decision: d.decision, decided_at: d.at, decided_by: d.by, note: d.note })
    .where('order_id', '=', orderId)
    .where('decision', 'is', null)
    .returning('order_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** What the velocity and history rules need to know, as of `now`. */
export async function screeningHistory(
  db: Executor,
  q: { resellerId: string; orderId: string; registrableDomains: readonly string[]; now: Date },
): Promise<{ resellerOrdersLastHour: number; resellerOrdersLastDay: number; domainOrdersLastDay: number; sameDomainOtherResellerRecently: boolean; ordersPlaced: number; totalSpent: number }> {
  const hour = new Date(q.now.getTime() - 3_600_000);
  const day = new Date(q.now.getTime() - 86_400_000);
  const month = new Date(q.now.getTime() - 30 * 86_400_000);
  const counts = await sql<{ last_hour: string; last_day: string; placed: string; spent: string }>`
    select count(*) filter (where created_at > ${hour} and id <> ${q.orderId})::text as last_hour,
           count(*) filter (where created_at > ${day} and id <> ${q.orderId})::text as last_day,
           count(*) filter (where id <> ${q.orderId})::text as placed,
           coalesce(sum(price_amount) filter (where id <> ${q.orderId}), 0)::text as spent
    from orders where reseller_id = ${q.resellerId}`.execute(db);
  let domainOrdersLastDay = 0;
  let sameDomainOtherResellerRecently = false;
  if (q.registrableDomains.length > 0) {
    const matches = sql.join(q.registrableDomains.map((d) => sql`(d.name = ${d} or d.name like ${`%.${d}`})`), sql` or `);
    const domain = await sql<{ last_day: string; others: string }>`
      select count(distinct o.id) filter (where o.created_at > ${day})::text as last_day,
             count(distinct o.id) filter (where o.reseller_id <> ${q.resellerId} and o.created_at > ${month})::text as others
      from orders o join order_domains d on d.order_id = o.id
      where o.id <> ${q.orderId} and (${matches})`.execute(db);
    domainOrdersLastDay = Number(domain.rows[0]?.last_day ?? 0);
    sameDomainOtherResellerRecently = Number(domain.rows[0]?.others ?? 0) > 0;
  }
  const row = counts.rows[0];
  return {
    resellerOrdersLastHour: Number(row?.last_hour ?? 0),
    resellerOrdersLastDay: Number(row?.last_day ?? 0),
    domainOrdersLastDay,
    sameDomainOtherResellerRecently,
    ordersPlaced: Number(row?.placed ?? 0),
    totalSpent: Number(row?.spent ?? 0),
  };
}
