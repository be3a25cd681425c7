import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What staff must look at about a supplier (issue: ACME supplier and failover): an outage (its
  // circuit opened) or a certificate withheld by a compliance guard.
  await db.schema
    .createTable('supplier_incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('supplier', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('outage', 'compliance')`))
    .addColumn('order_id', 'text', (c) => c.references('orders.id'))
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('resolved_by', 'text')
    .addColumn('resolution_note', 'text')
    .addCheckConstraint('supplier_incidents_order', sql`(kind = 'compliance') = (order_id is not null)`)
    .addCheckConstraint('supplier_incidents_resolved', sql`(resolved_at is null) = (resolved_by is null)`)
    .execute();
  // At most one open outage per supplier, and one compliance incident per order: repeats are no-ops.
  await sql`create unique index supplier_incidents_open_outage on supplier_incidents (supplier) where kind = 'outage' and resolved_at is null`.execute(db);
  await sql`create unique index supplier_incidents_order on supplier_incidents (order_id, kind) where order_id is not null`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive; restore from a backup to go back');
}
