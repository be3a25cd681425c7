import { sql, type Kysely } from 'kysely';

/**
 * Subscriptions (issue: renewals within the term, reminders, reissue and revocation): an order's term
 * and the chain of certificates that covers it, the reminders sent about it, revocations, and the
 * debit for names a reissue adds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The term starts with the first certificate and runs for the order's months; a renewal is a new
  // order that names the one it renews.
  await db.schema
    .alterTable('orders')
    .addColumn('term_starts_at', 'timestamptz')
    .addColumn('term_ends_at', 'timestamptz')
    .addColumn('renews_order_id', 'text', (c) => c.references('orders.id'))
    .execute();
  await sql`alter table orders add constraint orders_term check ((term_starts_at is null) = (term_ends_at is null) and (term_ends_at is null or term_ends_at > term_starts_at))`.execute(db);
  // One renewal order per order: renewing twice would sell the same term twice.
  await sql`create unique index orders_one_renewal on orders (renews_order_id) where renews_order_id is not null`.execute(db);
  await sql`create index orders_term_ends on orders (term_ends_at) where status = 'issued'`.execute(db);

  // Certificate requests: renewals besides the first and reissues; a renewal may wait for the
  // reseller's CSR; a request may change the names (reissue with other SANs) and may have to validate
  // again. `sequence` numbers an order's requests (0 = the first), and tells the emails of each apart.
  await sql`alter table certificate_requests drop constraint certificate_requests_kind_check`.execute(db);
  await sql`alter table certificate_requests add constraint certificate_requests_kind_check check (kind in ('initial', 'reissue', 'renewal'))`.execute(db);
  await sql`alter table certificate_requests drop constraint certificate_requests_status_check`.execute(db);
  await sql`alter table certificate_requests add constraint certificate_requests_status_check check (status in ('awaiting_csr', 'pending', 'issued', 'failed', 'cancelled'))`.execute(db);
  await sql`alter table certificate_requests alter column csr_pem drop not null`.execute(db);
  await sql`alter table certificate_requests add constraint certificate_requests_csr check (csr_pem is not null or status in ('awaiting_csr', 'cancelled'))`.execute(db);
  await db.schema
    .alterTable('certificate_requests')
    .addColumn('sequence', 'integer')
    // The certificate a renewal follows: one renewal per certificate.
    .addColumn('follows_certificate_id', 'text', (c) => c.references('certificates.id'))
    // The names (and how each proves control) when a reissue changes them; null keeps the order's.
    .addColumn('domains', 'jsonb')
    .addColumn('revalidate', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addColumn('updated_at', 'timestamptz')
    .execute();
  await sql`
    update certificate_requests r set sequence = n.sequence
    from (select id, (row_number() over (partition by order_id order by kind <> 'initial', created_at, id) - 1)::int as sequence from certificate_requests) n
    where r.id = n.id`.execute(db);
  await sql`alter table certificate_requests alter column sequence set not null`.execute(db);
  await sql`create unique index certificate_requests_sequence on certificate_requests (order_id, sequence)`.execute(db);
  await sql`create unique index certificate_requests_one_renewal on certificate_requests (follows_certificate_id) where kind = 'renewal' and status not in ('cancelled', 'failed')`.execute(db);
  await sql`create unique index certificate_requests_idempotency on certificate_requests (order_id, idempotency_key) where idempotency_key is not null`.execute(db);
  await sql`alter table certificate_requests add constraint certificate_requests_renewal check ((kind = 'renewal') = (follows_certificate_id is not null))`.execute(db);

  // Revocation: asked for (with an RFC 5280 reason), then done at the supplier.
  await db.schema
    .alterTable('certificates')
    .addColumn('revocation_reason', 'text', (c) => c.check(sql`revocation_reason in ('unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation')`))
    .addColumn('revocation_requested_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await sql`alter table certificates add constraint certificates_revocation check ((revocation_reason is null) = (revocation_requested_at is null) and (revoked_at is null or revocation_requested_at is not null))`.execute(db);

  // Each reminder once: the key names what it is about (a certificate and the days left, or the term).
  await db.schema
    .createTable('subscription_reminders')
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('certificate_expiring', 'term_ending')`))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('days_before', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('subscription_reminders_pkey', ['order_id', 'kind', 'key'])
    .execute();

  // A reissue that adds names pays for them: a debit of its own kind, once per request (its reference).
  await sql`alter table ledger_entries drop constraint ledger_entries_kind_check`.execute(db);
  await sql`alter table ledger_entries add constraint ledger_entries_kind_check check (kind in ('top_up', 'order_debit', 'refund', 'adjustment', 'reissue_debit'))`.execute(db);
  await sql`alter table ledger_entries drop constraint ledger_entries_sign`.execute(db);
  await sql`alter table ledger_entries add constraint ledger_entries_sign check ((kind in ('order_debit', 'reissue_debit') and amount < 0) or (kind in ('top_up', 'refund') and amount > 0) or kind = 'adjustment')`.execute(db);
  await sql`alter table ledger_entries drop constraint ledger_entries_order`.execute(db);
  await sql`alter table ledger_entries add constraint ledger_entries_order check (kind not in ('order_debit', 'refund', 'reissue_debit') or order_id is not null)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive; restore from a backup to go back');
}
