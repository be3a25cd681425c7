/**
 * Every statement on the adapter's tables, with explicit column lists and converters from rows. The
 * drivers behind the storage port differ in small ways (timestamps as Date or text, bigint as number or
 * string, jsonb parsed or not), so every value read is converted here, once.
 *
 * `next_check_at` and the leases run on the machine's clock, not the injected one: they schedule work
 * and measure silence, which is no business time, and a frozen test clock must not stop the poller.
 * Every other timestamp is business time from the injected clock.
 */
import type { OutboxRow as SharedOutboxRow } from '../shared/outbox.js';
import type { Language } from '../../domain/order.js';
import { INITIAL_REQUEST_ID, type SqlPort } from '../supplier.js';
import type { RequestedMethod } from './challenges.js';
import type { ChallengeType } from './config.js';
import { ACTIVE_STATES, type AuthorizationStatus, type OrderState, type OutboxKind, type OutboxOutcome, type RequestKind } from './schema.js';
import { date, json, optionalDate, optionalText } from '../shared/rows.js';

type Row = Record<string, unknown>;

const iso = (value: Date | null | undefined): string | null => (value === null || value === undefined ? null : value.toISOString());
/** A column list with each column qualified by a table alias, for joins. */
const qualified = (columns: string, alias: string): string => columns.split(', ').map((column) => `${alias}.${column}`).join(', ');

// Lists travel as one jsonb parameter (`in (select jsonb_array_elements_text($n::jsonb))`): both drivers
// pass a JSON text the same way, while their handling of array parameters differs.
const ACTIVE = JSON.stringify(ACTIVE_STATES);

// ---- accounts -----------------------------------------------------------------------------------

/** The stored ACME account of one supplier at one directory. */
export interface AccountRow {
  readonly keySealed: string;
  readonly accountUrl: string | null;
}

/** The stored account of a supplier at a directory, if a key was ever made. */
export async function findAccount(sql: SqlPort, supplier: string, directoryUrl: string): Promise<AccountRow | undefined> {
  const [row] = await sql.query<Row>('select key_sealed, account_url from acme_accounts where supplier = $1 and directory_url = $2', [supplier, directoryUrl]);
  return row === undefined ? undefined : { keySealed: String(row.key_sealed), accountUrl: optionalText(row.account_url) };
}

/** Stores a new account key unless a process stored one first (then that one wins). */
export async function insertAccount(sql: SqlPort, supplier: string, directoryUrl: string, keySealed: string, now: Date): Promise<void> {
  await sql.query(
    `insert into acme_accounts (supplier, directory_url, key_sealed, created_at, updated_at) values ($1, $2, $3, $4, $4)
     on conflict (supplier, directory_url) do nothing`,
    [supplier, directoryUrl, keySealed, now.toISOString()],
  );
}

/** Records the account URL the CA gave at registration (RFC 8555 7.3), so later starts never register again. */
export async function setAccountUrl(sql: SqlPort, supplier: string, directoryUrl: string, accountUrl: string, now: Date): Promise<void> {
  await sql.query('update acme_accounts set account_url = $3, updated_at = $4 where supplier = $1 and directory_url = $2', [supplier, directoryUrl, accountUrl, now.toISOString()]);
}

// ---- orders -------------------------------------------------------------------------------------

/** An order as the adapter keeps it. */
export interface OrderRow {
  readonly supplierOrderId: string;
  readonly supplier: string;
  readonly orderId: string;
  /** As submitted, byte for byte: it goes to the CA unchanged at finalization. */
  readonly csrPem: string;
  readonly names: readonly string[];
  /** The method the order asked for, per name (same positions as `names`). */
  readonly requestedMethods: readonly RequestedMethod[];
  readonly approverEmail: string;
  readonly language: Language;
  readonly state: OrderState;
  readonly stateReason: string | null;
  /** Which ACME order of this platform order is current: a re-check after a failure opens the next. */
  readonly round: number;
  readonly acmeOrderUrl: string;
  readonly finalizeUrl: string;
  readonly instructionsSequence: number;
  readonly checkAttempts: number;
  readonly createdAt: Date;
  /** The platform's certificate request this row issues: `initial` for the order's first certificate. */
  readonly requestId: string;
  readonly kind: RequestKind;
  /** A further certificate's row names the order's first row, whose id the platform knows; null on that first row. */
  readonly parentId: string | null;
}

const ORDER_COLUMNS = `supplier_order_id, supplier, order_id, csr_pem, names, requested_methods, approver_email, language, state, state_reason,
  round, acme_order_url, finalize_url, instructions_sequence, check_attempts, created_at, request_id, kind, parent_id`;

function toOrder(row: Row): OrderRow {
  return {
    supplierOrderId: String(row.supplier_order_id),
    supplier: String(row.supplier),
    orderId: String(row.order_id),
    csrPem: String(row.csr_pem),
    names: json<string[]>(row.names),
    requestedMethods: json<RequestedMethod[]>(row.requested_methods),
    approverEmail: String(row.approver_email),
    language: row.language as Language,
    state: row.state as OrderState,
    stateReason: optionalText(row.state_reason),
    round: Number(row.round),
    acmeOrderUrl: String(row.acme_order_url),
    finalizeUrl: String(row.finalize_url),
    instructionsSequence: Number(row.instructions_sequence),
    checkAttempts: Number(row.check_attempts),
    createdAt: date(row.created_at),
    requestId: String(row.request_id),
    kind: row.kind as RequestKind,
    parentId: optionalText(row.parent_id),
  };
}

/**
 * The adapter's row for a platform order's certificate request at this supplier, if it accepted it: by
 * default the order's first certificate, whose id is the supplier order id the platform knows.
 */
export async function findSupplierOrderId(sql: SqlPort, supplier: string, orderId: string, requestId = INITIAL_REQUEST_ID): Promise<string | undefined> {
  const [row] = await sql.query<Row>('select supplier_order_id from acme_orders where supplier = $1 and order_id = $2 and request_id = $3', [supplier, orderId, requestId]);
  return row === undefined ? undefined : String(row.supplier_order_id);
}

/** The further certificates' rows of an order (reissues, renewals) in one of `states`, oldest first. */
export async function listFurtherRequests(sql: SqlPort, parentId: string, states: readonly OrderState[]): Promise<OrderRow[]> {
  const rows = await sql.query<Row>(
    `select ${ORDER_COLUMNS} from acme_orders where parent_id = $1 and state in (select jsonb_array_elements_text($2::jsonb)) order by created_at, supplier_order_id`,
    [parentId, JSON.stringify(states)],
  );
  return rows.map(toOrder);
}

/** The order of this supplier; with `lock`, its row stays locked until the transaction ends. */
export async function findOrder(sql: SqlPort, supplier: string, supplierOrderId: string, options: { lock?: boolean } = {}): Promise<OrderRow | undefined> {
  const [row] = await sql.query<Row>(`select ${ORDER_COLUMNS} from acme_orders where supplier_order_id = $1 and supplier = $2${options.lock ? ' for update' : ''}`, [
    supplierOrderId,
    supplier,
  ]);
  return row === undefined ? undefined : toOrder(row);
}

/** Inserts the order unless this supplier has one for the platform's order id and request id; returns whether this call inserted it. */
export async function insertOrder(sql: SqlPort, order: OrderRow, nextCheckAt: Date): Promise<boolean> {
  const rows = await sql.query(
    `insert into acme_orders (supplier_order_id, supplier, order_id, csr_pem, names, requested_methods, approver_email, language, state, state_reason,
       round, acme_order_url, finalize_url, instructions_sequence, next_check_at, created_at, updated_at, request_id, kind, parent_id)
     values ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18, $19)
     on conflict (supplier, order_id, request_id) do nothing returning supplier_order_id`,
    [
      order.supplierOrderId,
      order.supplier,
      order.orderId,
      order.csrPem,
      JSON.stringify(order.names),
      JSON.stringify(order.requestedMethods),
      order.approverEmail,
      order.language,
      order.state,
      order.stateReason,
      order.round,
      order.acmeOrderUrl,
      order.finalizeUrl,
      order.instructionsSequence,
      nextCheckAt.toISOString(),
      order.createdAt.toISOString(),
      order.requestId,
      order.kind,
      order.parentId,
    ],
  );
  return rows.length === 1;
}

/** Points the order at its next ACME order (a new round) and makes it due at once. */
export async function startRound(
  sql: SqlPort,
  supplierOrderId: string,
  round: Pick<OrderRow, 'round' | 'acmeOrderUrl' | 'finalizeUrl' | 'instructionsSequence' | 'state' | 'approverEmail'>,
  now: Date,
  wallNow: Date,
): Promise<void> {
  await sql.query(
    `update acme_orders set round = $2, acme_order_url = $3, finalize_url = $4, instructions_sequence = $5, state = $6, approver_email = $7, state_reason = null,
       check_attempts = 0, last_error = null, next_check_at = $9, poked = true, updated_at = $8
     where supplier_order_id = $1`,
    [supplierOrderId, round.round, round.acmeOrderUrl, round.finalizeUrl, round.instructionsSequence, round.state, round.approverEmail, now.toISOString(), wallNow.toISOString()],
  );
}

/** Moves the order to `state`, only from one of `from`; returns whether it moved. */
export async function setOrderState(sql: SqlPort, supplierOrderId: string, state: OrderState, reason: string | null, from: readonly OrderState[], now: Date): Promise<boolean> {
  const rows = await sql.query(
    `update acme_orders set state = $2, state_reason = $3, updated_at = $4
     where supplier_order_id = $1 and state in (select jsonb_array_elements_text($5::jsonb)) returning supplier_order_id`,
    [supplierOrderId, state, reason, now.toISOString(), JSON.stringify(from)],
  );
  return rows.length === 1;
}

/**
 * Counts the next instructions email and records a new recipient, if any; returns the new sequence.
 * The count is the platform order's, kept on its first row: the platform knows one email per (order,
 * recipient, sequence), so a reissue's emails go on counting after the order's own.
 */
export async function nextInstructionsSequence(sql: SqlPort, supplierOrderId: string, approverEmail: string | undefined, now: Date): Promise<number> {
  if (approverEmail !== undefined) await sql.query('update acme_orders set approver_email = $2, updated_at = $3 where supplier_order_id = $1', [supplierOrderId, approverEmail, now.toISOString()]);
  const [row] = await sql.query<Row>(
    `update acme_orders set instructions_sequence = instructions_sequence + 1, updated_at = $2
     where supplier_order_id = (select coalesce(parent_id, supplier_order_id) from acme_orders where supplier_order_id = $1) returning instructions_sequence`,
    [supplierOrderId, now.toISOString()],
  );
  return Number(row?.instructions_sequence);
}

/**
 * Takes up to `limit` orders that are due, for `leaseMs`: another process skips them until the lease
 * ends or is released. The `poked` flag is cleared: a re-check during the work sets it again.
 */
export async function claimDueOrders(sql: SqlPort, supplier: string, holder: string, wallNow: Date, leaseUntil: Date, limit: number): Promise<OrderRow[]> {
  const rows = await sql.query<Row>(
    `update acme_orders set lease_holder = $2, lease_until = $4, poked = false
     where supplier_order_id in (
       select supplier_order_id from acme_orders
       where supplier = $1 and state in (select jsonb_array_elements_text($6::jsonb)) and next_check_at <= $3 and (lease_until is null or lease_until < $3)
       order by next_check_at limit $5
       for update skip locked)
     returning ${ORDER_COLUMNS}`,
    [supplier, holder, wallNow.toISOString(), leaseUntil.toISOString(), limit, ACTIVE],
  );
  return rows.map(toOrder);
}

/**
 * Gives the lease back and schedules the next check: at `nextCheckAt`, or at once when a re-check
 * poked the order meanwhile. `attempts` counts checks without progress, for the backoff.
 */
export async function releaseOrder(sql: SqlPort, supplierOrderId: string, holder: string, next: { readonly at: Date; readonly attempts: number; readonly lastError: string | null }, wallNow: Date): Promise<void> {
  await sql.query(
    `update acme_orders set lease_holder = null, lease_until = null, check_attempts = $3, last_error = $4,
       next_check_at = case when poked then $6::timestamptz else $5::timestamptz end
     where supplier_order_id = $1 and lease_holder = $2`,
    [supplierOrderId, holder, next.attempts, next.lastError?.slice(0, 1000) ?? null, next.at.toISOString(), wallNow.toISOString()],
  );
}

/** Makes the order due at once (a re-check); a process working on it now schedules it again right after. */
export async function pokeOrder(sql: SqlPort, supplierOrderId: string, wallNow: Date): Promise<void> {
  await sql.query('update acme_orders set poked = true, next_check_at = $2, check_attempts = 0 where supplier_order_id = $1', [supplierOrderId, wallNow.toISOString()]);
}

/** How many other orders of any state but ended ones use the authorization `url` (CAs reuse them across orders). */
export async function otherOrdersUsing(sql: SqlPort, url: string, supplierOrderId: string): Promise<number> {
  const [row] = await sql.query<Row>(
    `select count(*)::int as n from acme_authorizations a join acme_orders o on o.supplier_order_id = a.supplier_order_id
     where a.url = $1 and a.supplier_order_id <> $2 and o.state not in ('cancelled', 'rejected', 'withheld')`,
    [url, supplierOrderId],
  );
  return Number(row?.n ?? 0);
}

// ---- authorizations -----------------------------------------------------------------------------

/** One authorization of the current ACME order (RFC 8555 7.1.4) and the challenge chosen for it. */
export interface AuthorizationRow {
  readonly url: string;
  readonly position: number;
  /** The order name it stands for (`*.example.com` for a wildcard). */
  readonly name: string;
  readonly status: AuthorizationStatus;
  /** Null when the CA reused an authorization that was valid already: nothing to publish. */
  readonly challengeType: ChallengeType | null;
  readonly challengeUrl: string | null;
  readonly token: string | null;
  readonly replaces: 'email' | 'http' | 'dns' | null;
  readonly answeredAt: Date | null;
  readonly errorType: string | null;
  readonly errorDetail: string | null;
  readonly expiresAt: Date | null;
}

const AUTHORIZATION_COLUMNS = 'url, position, name, status, challenge_type, challenge_url, token, replaces, answered_at, error_type, error_detail, expires_at';

function toAuthorization(row: Row): AuthorizationRow {
  return {
    url: String(row.url),
    position: Number(row.position),
    name: String(row.name),
    status: row.status as AuthorizationStatus,
    challengeType: optionalText(row.challenge_type) as ChallengeType | null,
    challengeUrl: optionalText(row.challenge_url),
    token: optionalText(row.token),
    replaces: optionalText(row.replaces) as AuthorizationRow['replaces'],
    answeredAt: optionalDate(row.answered_at),
    errorType: optionalText(row.error_type),
    errorDetail: optionalText(row.error_detail),
    expiresAt: optionalDate(row.expires_at),
  };
}

/** The current round's authorizations, in the order's sequence of names. */
export async function listAuthorizations(sql: SqlPort, supplierOrderId: string): Promise<AuthorizationRow[]> {
  const rows = await sql.query<Row>(`select ${AUTHORIZATION_COLUMNS} from acme_authorizations where supplier_order_id = $1 order by position`, [supplierOrderId]);
  return rows.map(toAuthorization);
}

/**
 * The authorizations the CA validated for any certificate of the order `parentId` (its own rows and its
 * further certificates'), for `names`: what a revalidation must deactivate (RFC 8555 7.5.2).
 */
export async function listValidAuthorizations(sql: SqlPort, parentId: string, names: readonly string[]): Promise<(AuthorizationRow & { readonly supplierOrderId: string })[]> {
  const rows = await sql.query<Row>(
    `select a.supplier_order_id, ${qualified(AUTHORIZATION_COLUMNS, 'a')}
     from acme_authorizations a join acme_orders o on o.supplier_order_id = a.supplier_order_id
     where (o.supplier_order_id = $1 or o.parent_id = $1) and a.status = 'valid' and a.name in (select jsonb_array_elements_text($2::jsonb))`,
    [parentId, JSON.stringify(names)],
  );
  return rows.map((row) => ({ ...toAuthorization(row), supplierOrderId: String(row.supplier_order_id) }));
}

/** Replaces the order's authorizations by those of a new round. */
export async function replaceAuthorizations(sql: SqlPort, supplierOrderId: string, rows: readonly AuthorizationRow[], now: Date): Promise<void> {
  await sql.query('delete from acme_authorizations where supplier_order_id = $1', [supplierOrderId]);
  for (const row of rows) {
    await sql.query(
      `insert into acme_authorizations (supplier_order_id, ${AUTHORIZATION_COLUMNS}, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        supplierOrderId,
        row.url,
        row.position,
        row.name,
        row.status,
        row.challengeType,
        row.challengeUrl,
        row.token,
        row.replaces,
        iso(row.answeredAt),
        row.errorType,
        row.errorDetail,
        iso(row.expiresAt),
        now.toISOString(),
      ],
    );
  }
}

/** Records what the CA now says of an authorization. */
export async function updateAuthorization(
  sql: SqlPort,
  supplierOrderId: string,
  url: string,
  change: { readonly status: AuthorizationStatus; readonly errorType: string | null; readonly errorDetail: string | null },
  now: Date,
): Promise<void> {
  await sql.query('update acme_authorizations set status = $3, error_type = $4, error_detail = $5, updated_at = $6 where supplier_order_id = $1 and url = $2', [
    supplierOrderId,
    url,
    change.status,
    change.errorType,
    change.errorDetail?.slice(0, 2000) ?? null,
    now.toISOString(),
  ]);
}

/** Records that the CA was told the challenge is ready (RFC 8555 7.5.1). */
export async function markAnswered(sql: SqlPort, supplierOrderId: string, url: string, now: Date): Promise<void> {
  await sql.query('update acme_authorizations set answered_at = coalesce(answered_at, $3), updated_at = $3 where supplier_order_id = $1 and url = $2', [supplierOrderId, url, now.toISOString()]);
}

// ---- certificates -------------------------------------------------------------------------------

/** A certificate the CA returned, delivered (no findings) or withheld (findings). */
export interface CertificateRow {
  readonly certificatePem: string;
  readonly chainPem: readonly string[];
  readonly rootPem: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly findings: readonly string[];
}

/** Keeps the certificate the CA returned, with the compliance findings (none when it was delivered); the first one stays. */
export async function insertCertificate(sql: SqlPort, supplierOrderId: string, certificate: CertificateRow, now: Date): Promise<void> {
  await sql.query(
    `insert into acme_certificates (supplier_order_id, certificate_pem, chain_pem, root_pem, serial_number, not_before, not_after, findings, received_at)
     values ($1, $2, $3::jsonb, $4, $5, $6, $7, $8::jsonb, $9) on conflict (supplier_order_id) do nothing`,
    [
      supplierOrderId,
      certificate.certificatePem,
      JSON.stringify(certificate.chainPem),
      certificate.rootPem,
      certificate.serialNumber,
      certificate.notBefore.toISOString(),
      certificate.notAfter.toISOString(),
      JSON.stringify(certificate.findings),
      now.toISOString(),
    ],
  );
}

const CERTIFICATE_COLUMNS = 'certificate_pem, chain_pem, root_pem, serial_number, not_before, not_after, findings';

/** The certificate the CA returned for the order, if any. */
export async function findCertificate(sql: SqlPort, supplierOrderId: string): Promise<CertificateRow | undefined> {
  const [row] = await sql.query<Row>(`select ${CERTIFICATE_COLUMNS} from acme_certificates where supplier_order_id = $1`, [supplierOrderId]);
  return row === undefined ? undefined : toCertificate(row);
}

/**
 * The certificate with serial `serialNumber` (hex, in either case, leading zeros or not) among every certificate of the
 * order `parentId`, its further certificates' included, with where it is kept and whether it is revoked.
 */
export async function findOrderCertificate(
  sql: SqlPort,
  parentId: string,
  serialNumber: string,
): Promise<(CertificateRow & { readonly supplierOrderId: string; readonly revokedAt: Date | null }) | undefined> {
  const [row] = await sql.query<Row>(
    `select c.supplier_order_id, c.revoked_at, ${qualified(CERTIFICATE_COLUMNS, 'c')}
     from acme_certificates c join acme_orders o on o.supplier_order_id = c.supplier_order_id
     where (o.supplier_order_id = $1 or o.parent_id = $1) and ltrim(lower(c.serial_number), '0') = ltrim(lower($2), '0')`,
    [parentId, serialNumber],
  );
  return row === undefined ? undefined : { ...toCertificate(row), supplierOrderId: String(row.supplier_order_id), revokedAt: optionalDate(row.revoked_at) };
}

/** Records that the CA revoked the certificate (RFC 8555 7.6) with an RFC 5280 reason code; the first record stays. */
export async function markRevoked(sql: SqlPort, supplierOrderId: string, reasonCode: number, now: Date): Promise<void> {
  await sql.query('update acme_certificates set revoked_at = coalesce(revoked_at, $2), revocation_reason = coalesce(revocation_reason, $3) where supplier_order_id = $1', [
    supplierOrderId,
    now.toISOString(),
    reasonCode,
  ]);
}

function toCertificate(row: Row): CertificateRow {
  return {
    certificatePem: String(row.certificate_pem),
    chainPem: json<string[]>(row.chain_pem),
    rootPem: String(row.root_pem),
    serialNumber: String(row.serial_number),
    notBefore: date(row.not_before),
    notAfter: date(row.not_after),
    findings: json<string[]>(row.findings),
  };
}

// ---- outbox -------------------------------------------------------------------------------------

/** Queued work for the platform's ports. */
export type OutboxRow = SharedOutboxRow<OutboxKind>;

/** Queues work; a row with the same id already queued is kept (ids are the events' and emails' identities). */
export async function enqueue(sql: SqlPort, row: OutboxRow, now: Date): Promise<void> {
  await sql.query(`insert into acme_outbox (id, kind, supplier_order_id, payload, created_at) values ($1, $2, $3, $4::jsonb, $5) on conflict (id) do nothing`, [
    row.id,
    row.kind,
    row.supplierOrderId,
    JSON.stringify(row.payload),
    now.toISOString(),
  ]);
}

/** The oldest work of this supplier not yet done, in the order it was queued. */
export async function pendingOutbox(sql: SqlPort, supplier: string, limit: number): Promise<OutboxRow[]> {
  const rows = await sql.query<Row>(
    `select b.id, b.kind, b.supplier_order_id, b.payload from acme_outbox b join acme_orders o on o.supplier_order_id = b.supplier_order_id
     where b.done_at is null and o.supplier = $1 order by b.position limit $2`,
    [supplier, limit],
  );
  return rows.map((row) => ({ id: String(row.id), kind: row.kind as OutboxKind, supplierOrderId: String(row.supplier_order_id), payload: json<Record<string, unknown>>(row.payload) }));
}

/** Marks queued work done (`delivered`) or dropped (`superseded`). */
export async function finishOutbox(sql: SqlPort, id: string, outcome: OutboxOutcome, now: Date): Promise<void> {
  await sql.query('update acme_outbox set done_at = $2, outcome = $3 where id = $1 and done_at is null', [id, now.toISOString(), outcome]);
}

/** Instructions emails of the order still waiting, now out of date (a resend or a new round): never sent. */
export async function supersedePendingInstructions(sql: SqlPort, supplierOrderId: string, now: Date): Promise<void> {
  await sql.query(`update acme_outbox set done_at = $2, outcome = 'superseded' where supplier_order_id = $1 and kind = 'dcv_instructions' and done_at is null`, [
    supplierOrderId,
    now.toISOString(),
  ]);
}

/** Counts a failed delivery and keeps its message for the operator; the row stays pending. */
export async function recordOutboxFailure(sql: SqlPort, id: string, error: string): Promise<void> {
  await sql.query('update acme_outbox set attempts = attempts + 1, last_error = $2 where id = $1', [id, error.slice(0, 1000)]);
}

/**
 * Takes (or extends) the supplier's single lease on delivering its outbox; false while another process
 * holds an unexpired one. One deliverer at a time keeps events in order and emails single across processes.
 */
export async function takeOutboxLease(sql: SqlPort, supplier: string, holder: string, wallNow: Date, until: Date): Promise<boolean> {
  await sql.query('insert into acme_outbox_lease (supplier) values ($1) on conflict (supplier) do nothing', [supplier]);
  const rows = await sql.query(
    `update acme_outbox_lease set holder = $2, expires_at = $4
     where supplier = $1 and (holder is null or holder = $2 or expires_at < $3) returning supplier`,
    [supplier, holder, wallNow.toISOString(), until.toISOString()],
  );
  return rows.length === 1;
}

/** Gives up the delivery lease, if this process holds it. */
export async function releaseOutboxLease(sql: SqlPort, supplier: string, holder: string): Promise<void> {
  await sql.query('update acme_outbox_lease set holder = null, expires_at = null where supplier = $1 and holder = $2', [supplier, holder]);
}
