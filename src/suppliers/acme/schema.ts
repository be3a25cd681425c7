/**
 * The ACME adapter's own tables, all prefixed `acme_`, reached only through the storage port. The
 * migrations are additive and named by date; each runs once, recorded in `acme_migrations`, and every
 * statement is idempotent as well, so a half-applied start simply completes.
 */
import { CHALLENGE_TYPES } from './config.js';
import { INITIAL_REQUEST_ID, type SqlPort } from '../supplier.js';
import { migrateAdapter, sqlList, type AdapterMigration } from '../shared/schema.js';

/**
 * An order's state at the adapter:
 * - `awaiting_validation`: the ACME order is `pending`; its authorizations wait for the customer's records;
 * - `finalizing`: all names are validated; the CSR is sent or the certificate is being fetched;
 * - `validation_failed`: the ACME order became `invalid` (a challenge failed or an authorization expired);
 *   a re-check opens the next ACME order;
 * - `issued`: the certificate passed the compliance checks and was reported;
 * - `withheld`: the CA returned a certificate that failed the compliance checks: never delivered;
 * - `rejected`: the CA refused to issue (e.g. the CSR), which no re-check can change;
 * - `cancelled`: the platform cancelled the order.
 */
export const ORDER_STATES = ['awaiting_validation', 'finalizing', 'validation_failed', 'issued', 'withheld', 'rejected', 'cancelled'] as const;
/** One of {@link ORDER_STATES}. */
export type OrderState = (typeof ORDER_STATES)[number];
/** The states the poller works on. */
export const ACTIVE_STATES: readonly OrderState[] = ['awaiting_validation', 'finalizing'];

/**
 * Why a row of `acme_orders` exists: the order's first certificate, or a further one within the order
 * (a reissue or a renewal, `ReissueRequest.kind`). Each row is one certificate's way through the CA.
 */
export const REQUEST_KINDS = ['initial', 'reissue', 'renewal'] as const;
/** One of {@link REQUEST_KINDS}. */
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** RFC 8555 7.1.6: the states of an authorization object. */
export const AUTHORIZATION_STATUSES = ['pending', 'valid', 'invalid', 'deactivated', 'expired', 'revoked'] as const;
/** One of {@link AUTHORIZATION_STATUSES}. */
export type AuthorizationStatus = (typeof AUTHORIZATION_STATUSES)[number];

/** Kinds of work in the outbox: an event for the platform's sink, or an instructions email for its mail port. */
export const OUTBOX_KINDS = ['event', 'dcv_instructions'] as const;
/** One of {@link OUTBOX_KINDS}. */
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/** How an outbox row ended: shared by both adapters. */
import { OUTBOX_OUTCOMES } from '../shared/outbox.js';
export { OUTBOX_OUTCOMES, type OutboxOutcome } from '../shared/outbox.js';

const MIGRATIONS: readonly AdapterMigration[] = [
  {
    name: '2026-11-27-0001-accounts-orders-authorizations',
    statements: [
      `create table if not exists acme_accounts (
        supplier text not null,
        directory_url text not null,
        key_sealed text not null,
        account_url text,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        primary key (supplier, directory_url)
      )`,
      `create table if not exists acme_orders (
        supplier_order_id text primary key,
        supplier text not null,
        order_id text not null,
        csr_pem text not null,
        names jsonb not null,
        requested_methods jsonb not null,
        approver_email text not null,
        language text not null,
        state text not null check (state in (${sqlList(ORDER_STATES)})),
        state_reason text,
        round integer not null check (round > 0),
        acme_order_url text not null,
        finalize_url text not null,
        instructions_sequence integer not null,
        next_check_at timestamptz not null,
        check_attempts integer not null default 0,
        poked boolean not null default false,
        lease_holder text,
        lease_until timestamptz,
        last_error text,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        unique (supplier, order_id)
      )`,
      `create index if not exists acme_orders_due on acme_orders (supplier, next_check_at) where state in (${sqlList(ACTIVE_STATES)})`,
      `create table if not exists acme_authorizations (
        supplier_order_id text not null references acme_orders (supplier_order_id),
        url text not null,
        position integer not null,
        name text not null,
        status text not null check (status in (${sqlList(AUTHORIZATION_STATUSES)})),
        challenge_type text check (challenge_type in (${sqlList(CHALLENGE_TYPES)})),
        challenge_url text,
        token text,
        replaces text,
        answered_at timestamptz,
        error_type text,
        error_detail text,
        expires_at timestamptz,
        updated_at timestamptz not null,
        primary key (supplier_order_id, url),
        check ((challenge_type is null) = (token is null))
      )`,
      'create index if not exists acme_authorizations_url on acme_authorizations (url)',
      `create table if not exists acme_certificates (
        supplier_order_id text primary key references acme_orders (supplier_order_id),
        certificate_pem text not null,
        chain_pem jsonb not null,
        root_pem text not null,
        serial_number text not null,
        not_before timestamptz not null,
        not_after timestamptz not null,
        findings jsonb not null,
        received_at timestamptz not null
      )`,
      `create table if not exists acme_outbox (
        id text primary key,
        position bigint generated always as identity,
        kind text not null check (kind in (${sqlList(OUTBOX_KINDS)})),
        supplier_order_id text not null references acme_orders (supplier_order_id),
        payload jsonb not null,
        created_at timestamptz not null,
        attempts integer not null default 0,
        last_error text,
        done_at timestamptz,
        outcome text check (outcome in (${sqlList(OUTBOX_OUTCOMES)})),
        check ((done_at is null) = (outcome is null))
      )`,
      'create index if not exists acme_outbox_pending on acme_outbox (position) where done_at is null',
      `create table if not exists acme_outbox_lease (
        supplier text primary key,
        holder text,
        expires_at timestamptz
      )`,
    ],
  },
  {
    // A further certificate within an order is a row of its own under the order's first row: one
    // row per (order, request), so a repeated request — from any process — finds the first one's row.
    name: '2026-12-01-0001-further-certificates-and-revocations',
    statements: [
      `alter table acme_orders add column if not exists request_id text not null default '${INITIAL_REQUEST_ID}'`,
      `alter table acme_orders add column if not exists kind text not null default 'initial' check (kind in (${sqlList(REQUEST_KINDS)}))`,
      'alter table acme_orders add column if not exists parent_id text references acme_orders (supplier_order_id)',
      'alter table acme_orders drop constraint if exists acme_orders_supplier_order_id_key',
      'create unique index if not exists acme_orders_request on acme_orders (supplier, order_id, request_id)',
      'create index if not exists acme_orders_parent on acme_orders (parent_id) where parent_id is not null',
      'alter table acme_certificates add column if not exists revoked_at timestamptz',
      'alter table acme_certificates add column if not exists revocation_reason integer',
    ],
  },
];

/** Any constant: it names the lock that keeps two processes from migrating at the same moment. */
const MIGRATION_LOCK = 7_316_002_042;

/** Brings the adapter's tables up to date (see {@link migrateAdapter}). */
export async function migrateAcme(sql: SqlPort, now: Date): Promise<void> {
  await migrateAdapter(sql, { prefix: 'acme', lock: MIGRATION_LOCK, migrations: MIGRATIONS, now });
}
