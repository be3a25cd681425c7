import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The fraud screen's verdict per order and the staff decision on a hold (issue: fraud screening).
  await db.schema
    .createTable('order_screenings')
    .addColumn('order_id', 'text', (c) => c.primaryKey().references('orders.id'))
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('hits', 'jsonb', (c) => c.notNull())
    .addColumn('held', 'boolean', (c) => c.notNull())
    .addColumn('screened_at', 'timestamptz', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.check(sql`decision in ('released', 'rejected')`))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decided_by', 'text')
    .addColumn('note', 'text')
    .addCheckConstraint('order_screenings_decision_noted', sql`(decision is null) = (decided_at is null) and (decision is null or note is not null)`)
    .execute();
  await sql`create index order_screenings_open_holds on order_screenings (screened_at) where held and decision is null`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive; restore from a backup to go back');
}
