/**
 * The embedded CA's own tables, all prefixed `localca_`, reached only through the storage port. The
 * migrations are additive and named by date; each runs once, recorded in `localca_migrations`, and
 * every statement is also idempotent, so a half-applied start simply completes.
 */
import { DOCUMENT_KINDS } from '../../domain/documents.js';
import { REVOCATION_REASONS } from '../../domain/revocation.js';
import { DCV_METHODS } from '../../validation/approver.js';
import type { SqlPort } from '../supplier.js';
import { migrateAdapter, sqlList, type AdapterMigration } from '../shared/schema.js';

/** States of an order at the CA; the check constraint below uses the same list. */
export const ORDER_STATES = ['awaiting_validation', 'issued', 'cancelled', 'rejected'] as const;
/** One of {@link ORDER_STATES}. */
export type OrderState = (typeof ORDER_STATES)[number];

/** Where an order's organisation validation stands; DV orders have none to do. */
export const ORGANIZATION_STATES = ['not_required', 'pending', 'approved', 'rejected'] as const;
/** One of {@link ORGANIZATION_STATES}. */
export type OrganizationState = (typeof ORGANIZATION_STATES)[number];

/** Kinds of work in the outbox: an event for the platform's sink, or an approval email for its mail port. */
export const OUTBOX_KINDS = ['event', 'approval_email'] as const;
/** One of {@link OUTBOX_KINDS}. */
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/** Where a further certificate request of an issued order (a reissue or renewal) stands while its names are validated. */
export const REQUEST_STATES = ['awaiting_validation', 'issued', 'declined'] as const;
/** One of {@link REQUEST_STATES}. */
export type RequestState = (typeof REQUEST_STATES)[number];

/** Kinds of further certificate request (supplier.ts `ReissueRequest.kind`). */
export const REQUEST_KINDS = ['reissue', 'renewal'] as const;
/** One of {@link REQUEST_KINDS}. */
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** RFC 5280 5.3.1 CRLReason codes the CA records: the reasons a subscriber may give (domain/revocation.ts). */
const REASON_CODES = Object.values(REVOCATION_REASONS).join(', ');

/** How an outbox row ended: shared by both adapters. */
import { OUTBOX_OUTCOMES } from '../shared/outbox.js';
export { OUTBOX_OUTCOMES, type OutboxOutcome } from '../shared/outbox.js';

const MIGRATIONS: readonly AdapterMigration[] = [
  {
    name: '2026-11-28-0001-authority-and-orders',
    statements: [
      `create table if not exists localca_authorities (
        role text primary key check (role in ('root', 'intermediate')),
        certificate_pem text not null,
        private_key_sealed text not null,
        created_at timestamptz not null
      )`,
      `create table if not exists localca_orders (
        supplier_order_id text primary key,
        order_id text not null unique,
        product text not null,
        validation text not null check (validation in ('dv', 'ov', 'ev')),
        csr_pem text not null,
        key_type text not null check (key_type in ('rsa', 'ec')),
        names jsonb not null,
        subject_attributes jsonb not null,
        language text not null,
        validity_days integer not null check (validity_days > 0),
        state text not null check (state in (${sqlList(ORDER_STATES)})),
        state_reason text,
        approval_sequence integer not null,
        created_at timestamptz not null,
        validated_at timestamptz,
        updated_at timestamptz not null
      )`,
      `create table if not exists localca_domains (
        supplier_order_id text not null references localca_orders (supplier_order_id),
        name text not null,
        position integer not null,
        method text not null check (method in (${sqlList(DCV_METHODS)})),
        approver_email text,
        token text,
        token_expires_at timestamptz,
        validated_at timestamptz,
        primary key (supplier_order_id, name),
        check ((method = 'email') = (approver_email is not null)),
        check ((method = 'email') = (token is null))
      )`,
      `create table if not exists localca_approvals (
        supplier_order_id text not null references localca_orders (supplier_order_id),
        approver_email text not null,
        code_digest text not null,
        sequence integer not null,
        expires_at timestamptz not null,
        used_at timestamptz,
        primary key (supplier_order_id, approver_email)
      )`,
      `create table if not exists localca_certificates (
        supplier_order_id text not null references localca_orders (supplier_order_id),
        request_id text not null,
        position bigint generated always as identity,
        serial_number text not null unique,
        csr_pem text not null,
        certificate_pem text not null,
        not_before timestamptz not null,
        not_after timestamptz not null,
        issued_at timestamptz not null,
        primary key (supplier_order_id, request_id)
      )`,
      `create table if not exists localca_outbox (
        id text primary key,
        position bigint generated always as identity,
        kind text not null check (kind in (${sqlList(OUTBOX_KINDS)})),
        supplier_order_id text not null references localca_orders (supplier_order_id),
        payload jsonb not null,
        created_at timestamptz not null,
        attempts integer not null default 0,
        last_error text,
        done_at timestamptz,
        outcome text check (outcome in (${sqlList(OUTBOX_OUTCOMES)})),
        check ((done_at is null) = (outcome is null))
      )`,
      'create index if not exists localca_outbox_pending on localca_outbox (position) where done_at is null',
      `create table if not exists localca_outbox_lease (
        id integer primary key check (id = 1),
        holder text,
        expires_at timestamptz
      )`,
      'insert into localca_outbox_lease (id) values (1) on conflict (id) do nothing',
    ],
  },
  {
    // OV/EV: the desk validates the organisation (EV Guidelines 11, BR 3.2.2.1), asks for documents, and may hold an order.
    name: '2026-11-28-0002-organization-validation',
    statements: [
      'alter table localca_orders add column if not exists organization jsonb',
      `alter table localca_orders add column if not exists organization_state text not null default 'not_required'
        check (organization_state in (${sqlList(ORGANIZATION_STATES)}))`,
      // Orders accepted before this step that still await validation get their organisation validated too.
      `update localca_orders set organization_state = 'pending' where validation <> 'dv' and state = 'awaiting_validation' and organization_state = 'not_required'`,
      'alter table localca_orders add column if not exists organization_decided_at timestamptz',
      'alter table localca_orders add column if not exists hold_since timestamptz',
      'alter table localca_orders add column if not exists hold_reason text',
      'alter table localca_orders add column if not exists hold_sequence integer not null default 0',
      `create table if not exists localca_document_requests (
        request_id text primary key,
        position bigint generated always as identity,
        supplier_order_id text not null references localca_orders (supplier_order_id),
        kind text not null check (kind in (${sqlList(DOCUMENT_KINDS)})),
        note text not null,
        requested_at timestamptz not null,
        answered_at timestamptz
      )`,
      'create index if not exists localca_document_requests_by_order on localca_document_requests (supplier_order_id, position)',
      `create table if not exists localca_documents (
        document_id text primary key,
        position bigint generated always as identity,
        supplier_order_id text not null references localca_orders (supplier_order_id),
        request_id text not null references localca_document_requests (request_id),
        type text not null check (type in (${sqlList(DOCUMENT_KINDS)})),
        name text not null,
        content_type text not null,
        size integer not null check (size > 0),
        sha256 text not null,
        content bytea not null,
        received_at timestamptz not null
      )`,
      'create index if not exists localca_documents_by_order on localca_documents (supplier_order_id, position)',
    ],
  },
  {
    // Revocation (RFC 5280 5, BR 4.9), the CRL each issuing CA publishes (BR 4.9.7), and further certificates of an issued order that wait for validation.
    name: '2026-12-05-0003-revocation-and-requests',
    statements: [
      `create table if not exists localca_revocations (
        serial_number text primary key references localca_certificates (serial_number),
        position bigint generated always as identity,
        supplier_order_id text not null references localca_orders (supplier_order_id),
        issuer_key_id text not null,
        reason_code integer not null check (reason_code in (${REASON_CODES})),
        revoked_at timestamptz not null,
        spki_sha256 text not null
      )`,
      'create index if not exists localca_revocations_by_issuer on localca_revocations (issuer_key_id, position)',
      // BR 6.1.1.3: a key revoked for key compromise is refused in every later request.
      `create index if not exists localca_revocations_compromised on localca_revocations (spki_sha256) where reason_code = ${REVOCATION_REASONS.keyCompromise}`,
      `create table if not exists localca_crls (
        issuer_key_id text primary key,
        crl_number bigint not null check (crl_number >= 0),
        this_update timestamptz,
        next_update timestamptz,
        der bytea,
        check ((crl_number = 0) = (der is null))
      )`,
      `create table if not exists localca_requests (
        supplier_order_id text not null references localca_orders (supplier_order_id),
        request_id text not null,
        position bigint generated always as identity,
        kind text not null check (kind in (${sqlList(REQUEST_KINDS)})),
        csr_pem text not null,
        key_type text not null check (key_type in ('rsa', 'ec')),
        names jsonb not null,
        validity_days integer not null check (validity_days > 0),
        state text not null check (state in (${sqlList(REQUEST_STATES)})),
        created_at timestamptz not null,
        ended_at timestamptz,
        primary key (supplier_order_id, request_id)
      )`,
      `create index if not exists localca_requests_waiting on localca_requests (supplier_order_id, position) where state = 'awaiting_validation'`,
    ],
  },
];

/** Any constant: it names the lock that keeps two processes from migrating at the same moment. */
const MIGRATION_LOCK = 7_316_002_041;

/** Brings the CA's tables up to date (see {@link migrateAdapter}). */
export async function migrateLocalCa(sql: SqlPort, now: Date): Promise<void> {
  await migrateAdapter(sql, { prefix: 'localca', lock: MIGRATION_LOCK, migrations: MIGRATIONS, now });
}
