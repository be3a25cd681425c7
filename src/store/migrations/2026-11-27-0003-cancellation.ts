import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The staff refund queue: a supplier's cancellation is refunded by hand (seed step 3).
  await db.schema
    .createTable('refund_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().unique().references('orders.id'))
    .addColumn('reseller_id', 'text', (c) => c.notNull().references('resellers.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'approved', 'declined')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decided_by', 'text')
    .addColumn('note', 'text')
    .addCheckConstraint('refund_requests_decided', sql`(status = 'open') = (decided_at is null)`)
    .addCheckConstraint('refund_requests_declined_reason', sql`status <> 'declined' or note is not null`)
    .execute();
  await sql`create index refund_requests_open on refund_requests (created_at) where status = 'open'`.execute(db);

  // When the reseller was told an order passed its seven-day window (set once).
  await db.schema.alterTable('orders').addColumn('window_passed_at', 'timestamptz').execute();

  // A refund never exceeds what was debited for its order (DESIGN.md Money), enforced by the database.
  await sql`
    create function ledger_refund_within_debit() returns trigger language plpgsql as $$
    declare
      debited bigint;
    begin
      if new.kind = 'refund' then
        select -amount into debited from ledger_entries where order_id = new.order_id and kind = 'order_debit';
        if debited is null or new.amount > debited then
          raise exception 'a refund of % exceeds the % debited for order %', new.amount, coalesce(debited, 0), new.order_id
            using errcode = '23514';
        end if;
      end if;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger ledger_entries_refund_within_debit before insert on ledger_entries
    for each row execute function ledger_refund_within_debit()`.execute(db);
  // Staff adjustments are separate, reasoned entries.
  await sql`alter table ledger_entries add constraint ledger_adjustment_reason check (kind <> 'adjustment' or (note is not null and length(note) > 0))`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive; restore from a backup to go back');
}
