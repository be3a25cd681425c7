import { sql, type Kysely } from 'kysely';
import { PRODUCT_CODES } from '../../domain/products.js';
import { ORDER_STATUSES } from '../../domain/order.js';
import { CURRENCIES } from '../../domain/money.js';

/** SQL `IN (...)` list of string literals from a closed set declared in `domain/`. */
function inList(values: readonly string[]) {
  return sql.raw(values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', '));
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('resellers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('rep_email', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency in (${inList(CURRENCIES)})`))
    .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('credit_limit', 'bigint', (c) => c.notNull().defaultTo(0).check(sql`credit_limit >= 0`))
    .addColumn('branding', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    // DESIGN.md Money: the balance may never go below the credit limit, enforced by the database.
    .addCheckConstraint('resellers_balance_within_credit', sql`balance >= -credit_limit`)
    .execute();

  await db.schema
    .createTable('staff')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.references('resellers.id'))
    .addColumn('staff_id', 'text', (c) => c.references('staff.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    // The first characters of the key, shown in listings so a person can tell keys apart.
    .addColumn('prefix', 'text', (c) => c.notNull())
    // SHA-256 of the whole key: keys are 256-bit random, so a fast hash is enough (no password stretching needed).
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addCheckConstraint('api_keys_one_owner', sql`(reseller_id is null) <> (staff_id is null)`)
    .execute();

  await db.schema
    .createTable('reseller_prices')
    .addColumn('reseller_id', 'text', (c) => c.notNull().references('resellers.id'))
    .addColumn('product', 'text', (c) => c.notNull().check(sql`product in (${inList(PRODUCT_CODES)})`))
    .addColumn('term_months', 'integer', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount >= 0`))
    .addColumn('extra_name_amount', 'bigint', (c) => c.notNull().check(sql`extra_name_amount >= 0`))
    .addPrimaryKeyConstraint('reseller_prices_pk', ['reseller_id', 'product', 'term_months'])
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.notNull().references('resellers.id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in (${inList(ORDER_STATUSES)})`))
    .addColumn('product', 'text', (c) => c.notNull().check(sql`product in (${inList(PRODUCT_CODES)})`))
    .addColumn('term_months', 'integer', (c) => c.notNull())
    .addColumn('csr_pem', 'text', (c) => c.notNull())
    .addColumn('csr_sha256', 'text', (c) => c.notNull())
    .addColumn('approver_email', 'text', (c) => c.notNull())
    .addColumn('organization', 'jsonb')
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('price_amount', 'bigint', (c) => c.notNull().check(sql`price_amount >= 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('hold', 'jsonb')
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    // SHA-256 of the canonical request body: the same key with another body is refused.
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('released_at', 'timestamptz')
    .addUniqueConstraint('orders_idempotency', ['reseller_id', 'idempotency_key'])
    .execute();
  await db.schema.createIndex('orders_reseller_created').on('orders').columns(['reseller_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('order_domains')
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('unicode', 'text', (c) => c.notNull())
    .addColumn('dcv_method', 'text', (c) => c.notNull().check(sql`dcv_method in ('email', 'dns', 'http')`))
    .addColumn('dcv_email', 'text')
    .addPrimaryKeyConstraint('order_domains_pk', ['order_id', 'position'])
    .addUniqueConstraint('order_domains_name', ['order_id', 'name'])
    .execute();
  await db.schema.createIndex('order_domains_by_name').on('order_domains').column('name').execute();

  await db.schema
    .createTable('order_contacts')
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin')`))
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addPrimaryKeyConstraint('order_contacts_pk', ['order_id', 'role'])
    .execute();

  await db.schema
    .createTable('order_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text')
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('data', 'jsonb')
    .execute();
  await db.schema.createIndex('order_events_by_order').on('order_events').columns(['order_id', 'id']).execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.notNull().references('resellers.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('top_up', 'order_debit', 'refund', 'adjustment')`))
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount <> 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('balance_after', 'bigint', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.references('orders.id'))
    // The caller's idempotency key or reference: one movement per key and reseller.
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('ledger_entries_reference', ['reseller_id', 'reference'])
    // Signs follow the kind: debits take money, top-ups and refunds give it.
    .addCheckConstraint(
      'ledger_entries_sign',
      sql`(kind = 'order_debit' and amount < 0) or (kind in ('top_up', 'refund') and amount > 0) or kind = 'adjustment'`,
    )
    .addCheckConstraint('ledger_entries_order', sql`kind not in ('order_debit', 'refund') or order_id is not null`)
    .execute();
  // DESIGN.md Money: one debit and at most one refund per order, enforced by the database.
  await sql`create unique index ledger_one_debit_per_order on ledger_entries (order_id) where kind = 'order_debit'`.execute(db);
  await sql`create unique index ledger_one_refund_per_order on ledger_entries (order_id) where kind = 'refund'`.execute(db);
  // Append-only: a movement is corrected by another movement, never by editing history.
  await sql`
    create function ledger_entries_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger_entries is append-only';
    end $$`.execute(db);
  await sql`
    create trigger ledger_entries_no_change before update or delete on ledger_entries
    for each row execute function ledger_entries_append_only()`.execute(db);
  await db.schema.createIndex('ledger_by_reseller').on('ledger_entries').columns(['reseller_id', 'id']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive; restore from a backup to go back');
}
