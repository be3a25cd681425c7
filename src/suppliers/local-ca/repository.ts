/**
 * Every statement on the CA's tables, with explicit column lists and converters from rows. The
 * drivers behind the storage port differ in small ways (timestamps as Date or text, bigint as number or
 * string, jsonb parsed or not), so every value read is converted here, once.
 */
import type { OutboxRow as SharedOutboxRow } from '../shared/outbox.js';
import type { ValidationLevel } from '../../domain/products.js';
import { REVOCATION_REASONS } from '../../domain/revocation.js';
import type { Language } from '../../domain/order.js';
import type { DcvMethod } from '../../validation/approver.js';
import type { DeskDocument, SqlPort } from '../supplier.js';
import type { DocumentKind } from '../../domain/documents.js';
import type { OrderState, OrganizationState, OutboxKind, OutboxOutcome, RequestKind, RequestState } from './schema.js';
import type { NameAttribute } from './x509.js';
import { date, json, optionalDate, optionalText } from '../shared/rows.js';

type Row = Record<string, unknown>;

// Lists travel as one jsonb parameter (`in (select jsonb_array_elements_text($n::jsonb))`): both drivers
// pass a JSON text the same way, while their handling of array parameters differs.

// ---- authorities --------------------------------------------------------------------------------

/** A stored CA certificate with its sealed private key. */
export interface AuthorityRow {
  readonly role: 'root' | 'intermediate';
  readonly certificatePem: string;
  readonly privateKeySealed: string;
}

/** The stored CA certificates (none before the first start). */
export async function listAuthorities(sql: SqlPort): Promise<AuthorityRow[]> {
  const rows = await sql.query<Row>('select role, certificate_pem, private_key_sealed from localca_authorities');
  return rows.map((row) => ({ role: row.role as AuthorityRow['role'], certificatePem: String(row.certificate_pem), privateKeySealed: String(row.private_key_sealed) }));
}

/** Inserts root and intermediate in one statement: a second process that lost the race inserts neither. */
export async function insertAuthorities(sql: SqlPort, root: AuthorityRow, intermediate: AuthorityRow, now: Date): Promise<void> {
  await sql.query(
    `insert into localca_authorities (role, certificate_pem, private_key_sealed, created_at)
     values ($1, $2, $3, $7), ($4, $5, $6, $7) on conflict (role) do nothing`,
    [root.role, root.certificatePem, root.privateKeySealed, intermediate.role, intermediate.certificatePem, intermediate.privateKeySealed, now.toISOString()],
  );
}

// ---- orders -------------------------------------------------------------------------------------

/** An order as the CA keeps it. */
export interface OrderRow {
  readonly supplierOrderId: string;
  readonly orderId: string;
  readonly product: string;
  readonly validation: ValidationLevel;
  readonly csrPem: string;
  readonly keyType: 'rsa' | 'ec';
  /** In the order's sequence; the first is the common name. */
  readonly names: readonly string[];
  readonly subjectAttributes: readonly NameAttribute[];
  readonly language: Language;
  readonly validityDays: number;
  readonly state: OrderState;
  readonly stateReason: string | null;
  readonly approvalSequence: number;
  readonly createdAt: Date;
  /** When the last name's domain control was validated. */
  readonly validatedAt: Date | null;
  /** The organisation as the order named it (OV/EV), for the desk to verify. */
  readonly organization: Record<string, unknown> | null;
  readonly organizationState: OrganizationState;
  /** The desk's hold: nothing is issued while it is set. */
  readonly hold: { readonly since: Date; readonly reason: string } | null;
  /** How many holds the order had: each hold and its release is one event. */
  readonly holdSequence: number;
}

const ORDER_COLUMNS = `supplier_order_id, order_id, product, validation, csr_pem, key_type, names, subject_attributes, language,
  validity_days, state, state_reason, approval_sequence, created_at, validated_at, organization, organization_state, hold_since, hold_reason, hold_sequence`;

function toOrder(row: Row): OrderRow {
  return {
    supplierOrderId: String(row.supplier_order_id),
    orderId: String(row.order_id),
    product: String(row.product),
    validation: row.validation as ValidationLevel,
    csrPem: String(row.csr_pem),
    keyType: row.key_type as OrderRow['keyType'],
    names: json<string[]>(row.names),
    subjectAttributes: json<NameAttribute[]>(row.subject_attributes),
    language: row.language as Language,
    validityDays: Number(row.validity_days),
    state: row.state as OrderState,
    stateReason: optionalText(row.state_reason),
    approvalSequence: Number(row.approval_sequence),
    createdAt: date(row.created_at),
    validatedAt: optionalDate(row.validated_at),
    organization: row.organization === null || row.organization === undefined ? null : json<Record<string, unknown>>(row.organization),
    organizationState: row.organization_state as OrganizationState,
    hold: row.hold_since === null || row.hold_since === undefined ? null : { since: date(row.hold_since), reason: String(row.hold_reason ?? '') },
    holdSequence: Number(row.hold_sequence),
  };
}

/** The CA's order id for a platform order id, if the order was accepted. */
export async function findSupplierOrderId(sql: SqlPort, orderId: string): Promise<string | undefined> {
  const [row] = await sql.query<Row>('select supplier_order_id from localca_orders where order_id = $1', [orderId]);
  return row === undefined ? undefined : String(row.supplier_order_id);
}

/** The order; with `lock`, its row stays locked until the transaction ends, which serialises every change to one order. */
export async function findOrder(sql: SqlPort, supplierOrderId: string, options: { lock?: boolean } = {}): Promise<OrderRow | undefined> {
  const [row] = await sql.query<Row>(`select ${ORDER_COLUMNS} from localca_orders where supplier_order_id = $1${options.lock ? ' for update' : ''}`, [supplierOrderId]);
  return row === undefined ? undefined : toOrder(row);
}

/** Inserts the order unless one exists for the platform's order id; returns whether this call inserted it. */
export async function insertOrder(sql: SqlPort, order: OrderRow): Promise<boolean> {
  const rows = await sql.query(
    `insert into localca_orders (supplier_order_id, order_id, product, validation, csr_pem, key_type, names, subject_attributes, language,
       validity_days, state, state_reason, approval_sequence, created_at, validated_at, updated_at, organization, organization_state)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12, $13, $14, $15, $14, $16::jsonb, $17)
     on conflict (order_id) do nothing returning supplier_order_id`,
    [
      order.supplierOrderId,
      order.orderId,
      order.product,
      order.validation,
      order.csrPem,
      order.keyType,
      JSON.stringify(order.names),
      JSON.stringify(order.subjectAttributes),
      order.language,
      order.validityDays,
      order.state,
      order.stateReason,
      order.approvalSequence,
      order.createdAt.toISOString(),
      order.validatedAt?.toISOString() ?? null,
      order.organization === null ? null : JSON.stringify(order.organization),
      order.organizationState,
    ],
  );
  return rows.length === 1;
}

/** Records the desk's decision on the organisation. */
export async function setOrganizationState(sql: SqlPort, supplierOrderId: string, state: 'approved' | 'rejected', now: Date): Promise<void> {
  await sql.query('update localca_orders set organization_state = $2, organization_decided_at = $3, updated_at = $3 where supplier_order_id = $1', [supplierOrderId, state, now.toISOString()]);
}

/** Sets the desk's hold (a new one: the sequence moves on) or clears it; returns the hold's sequence number. */
export async function setHold(sql: SqlPort, supplierOrderId: string, hold: { readonly reason: string } | null, now: Date): Promise<number> {
  const [row] = await sql.query<Row>(
    hold === null
      ? 'update localca_orders set hold_since = null, hold_reason = null, updated_at = $2 where supplier_order_id = $1 returning hold_sequence'
      : 'update localca_orders set hold_since = $2, hold_reason = $3, hold_sequence = hold_sequence + 1, updated_at = $2 where supplier_order_id = $1 returning hold_sequence',
    hold === null ? [supplierOrderId, now.toISOString()] : [supplierOrderId, now.toISOString(), hold.reason],
  );
  return Number(row?.hold_sequence);
}

/** OV/EV orders whose organisation awaits the desk's decision, oldest first. */
export async function listOrganizationQueue(sql: SqlPort, limit: number): Promise<OrderRow[]> {
  const rows = await sql.query<Row>(
    `select ${ORDER_COLUMNS} from localca_orders where state = 'awaiting_validation' and organization_state = 'pending' order by created_at, supplier_order_id limit $1`,
    [limit],
  );
  return rows.map(toOrder);
}

// ---- document requests and documents -------------------------------------------------------------

/** A document request of the desk. */
export interface DocumentRequestRow {
  readonly requestId: string;
  readonly kind: DocumentKind;
  readonly note: string;
  readonly requestedAt: Date;
  readonly answeredAt: Date | null;
}

export async function insertDocumentRequest(sql: SqlPort, supplierOrderId: string, request: Omit<DocumentRequestRow, 'answeredAt'>): Promise<void> {
  await sql.query('insert into localca_document_requests (request_id, supplier_order_id, kind, note, requested_at) values ($1, $2, $3, $4, $5)', [
    request.requestId,
    supplierOrderId,
    request.kind,
    request.note,
    request.requestedAt.toISOString(),
  ]);
}

/** The order's document requests, in the order they were made. */
export async function listDocumentRequests(sql: SqlPort, supplierOrderId: string): Promise<DocumentRequestRow[]> {
  const rows = await sql.query<Row>('select request_id, kind, note, requested_at, answered_at from localca_document_requests where supplier_order_id = $1 order by position', [
    supplierOrderId,
  ]);
  return rows.map((row) => ({ requestId: String(row.request_id), kind: row.kind as DocumentKind, note: String(row.note), requestedAt: date(row.requested_at), answeredAt: optionalDate(row.answered_at) }));
}

/** A document the CA received, without its content: what its desk shows. */
export type DocumentRow = DeskDocument;

/** Keeps a received document once per document id; returns whether this call stored it. Marks its request answered. */
export async function insertDocument(sql: SqlPort, supplierOrderId: string, document: DocumentRow & { readonly content: Uint8Array }): Promise<boolean> {
  const rows = await sql.query(
    `insert into localca_documents (document_id, supplier_order_id, request_id, type, name, content_type, size, sha256, content, received_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (document_id) do nothing returning document_id`,
    [document.documentId, supplierOrderId, document.requestId, document.type, document.name, document.contentType, document.size, document.sha256, document.content, document.receivedAt.toISOString()],
  );
  if (rows.length === 0) return false;
  await sql.query('update localca_document_requests set answered_at = coalesce(answered_at, $2) where request_id = $1', [document.requestId, document.receivedAt.toISOString()]);
  return true;
}

/** The documents the CA received for an order, in the order they arrived. */
export async function listDocuments(sql: SqlPort, supplierOrderId: string): Promise<DocumentRow[]> {
  const rows = await sql.query<Row>(
    'select document_id, request_id, type, name, content_type, size, sha256, received_at from localca_documents where supplier_order_id = $1 order by position',
    [supplierOrderId],
  );
  return rows.map((row) => ({
    documentId: String(row.document_id),
    requestId: String(row.request_id),
    type: row.type as DocumentKind,
    name: String(row.name),
    contentType: String(row.content_type),
    size: Number(row.size),
    sha256: String(row.sha256),
    receivedAt: date(row.received_at),
  }));
}

/** Moves the order to `state`, with the reason shown for a cancellation or rejection. */
export async function setOrderState(sql: SqlPort, supplierOrderId: string, state: OrderState, reason: string | null, now: Date): Promise<void> {
  await sql.query('update localca_orders set state = $2, state_reason = $3, updated_at = $4 where supplier_order_id = $1', [supplierOrderId, state, reason, now.toISOString()]);
}

/** Records the moment the last name was validated: the start of the reuse period (BR 4.2.1). */
export async function setOrderValidated(sql: SqlPort, supplierOrderId: string, now: Date): Promise<void> {
  await sql.query('update localca_orders set validated_at = $2, updated_at = $2 where supplier_order_id = $1', [supplierOrderId, now.toISOString()]);
}

/** The names the order's certificates carry from now on (a reissue changed them). */
export async function setOrderNames(sql: SqlPort, supplierOrderId: string, names: readonly string[], now: Date): Promise<void> {
  await sql.query('update localca_orders set names = $2::jsonb, updated_at = $3 where supplier_order_id = $1', [supplierOrderId, JSON.stringify(names), now.toISOString()]);
}

/** Moves the order to the next approval round and returns its number. */
export async function nextApprovalSequence(sql: SqlPort, supplierOrderId: string, now: Date): Promise<number> {
  const [row] = await sql.query<Row>(
    'update localca_orders set approval_sequence = approval_sequence + 1, updated_at = $2 where supplier_order_id = $1 returning approval_sequence',
    [supplierOrderId, now.toISOString()],
  );
  return Number(row?.approval_sequence);
}

// ---- domains ------------------------------------------------------------------------------------

/** One name of an order and how its control is proven. */
export interface DomainRow {
  readonly name: string;
  readonly position: number;
  readonly method: DcvMethod;
  readonly approverEmail: string | null;
  /** The Random Value of the DNS and website methods (BR 3.2.2.4.7, 3.2.2.4.18). */
  readonly token: string | null;
  readonly tokenExpiresAt: Date | null;
  readonly validatedAt: Date | null;
}

function toDomain(row: Row): DomainRow {
  return {
    name: String(row.name),
    position: Number(row.position),
    method: row.method as DcvMethod,
    approverEmail: optionalText(row.approver_email),
    token: optionalText(row.token),
    tokenExpiresAt: optionalDate(row.token_expires_at),
    validatedAt: optionalDate(row.validated_at),
  };
}

/** Records the names of a new order with their validation method. */
export async function insertDomains(sql: SqlPort, supplierOrderId: string, domains: readonly DomainRow[]): Promise<void> {
  for (const domain of domains) {
    await sql.query(
      `insert into localca_domains (supplier_order_id, name, position, method, approver_email, token, token_expires_at, validated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [supplierOrderId, domain.name, domain.position, domain.method, domain.approverEmail, domain.token, domain.tokenExpiresAt?.toISOString() ?? null, domain.validatedAt?.toISOString() ?? null],
    );
  }
}

/** The order's names in the order's sequence. */
export async function listDomains(sql: SqlPort, supplierOrderId: string): Promise<DomainRow[]> {
  const rows = await sql.query<Row>(
    `select name, position, method, approver_email, token, token_expires_at, validated_at
     from localca_domains where supplier_order_id = $1 order by position`,
    [supplierOrderId],
  );
  return rows.map(toDomain);
}

/**
 * Starts validation of names again, or of names new to the order: each takes the method given and
 * waits (`validatedAt` null) until its control is proven anew.
 */
export async function restartDomains(sql: SqlPort, supplierOrderId: string, domains: readonly DomainRow[]): Promise<void> {
  for (const domain of domains) {
    await sql.query(
      `insert into localca_domains (supplier_order_id, name, position, method, approver_email, token, token_expires_at, validated_at)
       values ($1, $2, $3, $4, $5, $6, $7, null)
       on conflict (supplier_order_id, name) do update set position = excluded.position, method = excluded.method, approver_email = excluded.approver_email,
         token = excluded.token, token_expires_at = excluded.token_expires_at, validated_at = null`,
      [supplierOrderId, domain.name, domain.position, domain.method, domain.approverEmail, domain.token, domain.tokenExpiresAt?.toISOString() ?? null],
    );
  }
}

/** Marks names validated (those still pending); returns how many changed. */
export async function markDomainsValidated(sql: SqlPort, supplierOrderId: string, names: readonly string[], now: Date): Promise<number> {
  if (names.length === 0) return 0;
  const rows = await sql.query(
    `update localca_domains set validated_at = $3
     where supplier_order_id = $1 and name in (select jsonb_array_elements_text($2::jsonb)) and validated_at is null returning name`,
    [supplierOrderId, JSON.stringify(names), now.toISOString()],
  );
  return rows.length;
}

/** Moves names still awaiting email approval to another approver address. */
export async function reassignApprover(sql: SqlPort, supplierOrderId: string, names: readonly string[], approverEmail: string): Promise<void> {
  if (names.length === 0) return;
  await sql.query(
    `update localca_domains set approver_email = $3 where supplier_order_id = $1 and name in (select jsonb_array_elements_text($2::jsonb)) and method = 'email' and validated_at is null`,
    [supplierOrderId, JSON.stringify(names), approverEmail],
  );
}

/** Gives a name a new Random Value (the old one expired). */
export async function replaceToken(sql: SqlPort, supplierOrderId: string, name: string, token: string, expiresAt: Date): Promise<void> {
  await sql.query('update localca_domains set token = $3, token_expires_at = $4 where supplier_order_id = $1 and name = $2', [supplierOrderId, name, token, expiresAt.toISOString()]);
}

// ---- approvals ----------------------------------------------------------------------------------

/** The current approval code of one approver address: only its digest is kept. */
export interface ApprovalRow {
  readonly approverEmail: string;
  readonly codeDigest: string;
  readonly sequence: number;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
}

/** The order's current approval codes, one per approver address. */
export async function listApprovals(sql: SqlPort, supplierOrderId: string): Promise<ApprovalRow[]> {
  const rows = await sql.query<Row>(
    'select approver_email, code_digest, sequence, expires_at, used_at from localca_approvals where supplier_order_id = $1 order by approver_email',
    [supplierOrderId],
  );
  return rows.map((row) => ({
    approverEmail: String(row.approver_email),
    codeDigest: String(row.code_digest),
    sequence: Number(row.sequence),
    expiresAt: date(row.expires_at),
    usedAt: optionalDate(row.used_at),
  }));
}

/** Replaces every approval code of the order: the old codes stop working at once. */
export async function replaceApprovals(sql: SqlPort, supplierOrderId: string, approvals: readonly Omit<ApprovalRow, 'usedAt'>[]): Promise<void> {
  await sql.query('delete from localca_approvals where supplier_order_id = $1', [supplierOrderId]);
  for (const approval of approvals) {
    await sql.query(
      'insert into localca_approvals (supplier_order_id, approver_email, code_digest, sequence, expires_at) values ($1, $2, $3, $4, $5)',
      [supplierOrderId, approval.approverEmail, approval.codeDigest, approval.sequence, approval.expiresAt.toISOString()],
    );
  }
}

/** Spends an approval code; false when it was spent already. */
export async function useApproval(sql: SqlPort, supplierOrderId: string, approverEmail: string, now: Date): Promise<boolean> {
  const rows = await sql.query(
    'update localca_approvals set used_at = $3 where supplier_order_id = $1 and approver_email = $2 and used_at is null returning approver_email',
    [supplierOrderId, approverEmail, now.toISOString()],
  );
  return rows.length === 1;
}

// ---- certificates -------------------------------------------------------------------------------

/** A certificate the CA signed. */
export interface CertificateRow {
  readonly requestId: string;
  readonly serialNumber: string;
  readonly csrPem: string;
  readonly certificatePem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const CERTIFICATE_COLUMNS = 'request_id, serial_number, csr_pem, certificate_pem, not_before, not_after';

function toCertificate(row: Row): CertificateRow {
  return {
    requestId: String(row.request_id),
    serialNumber: String(row.serial_number),
    csrPem: String(row.csr_pem),
    certificatePem: String(row.certificate_pem),
    notBefore: date(row.not_before),
    notAfter: date(row.not_after),
  };
}

/** Stores a certificate unless one exists for the same order and request; returns whether this call stored it. */
export async function insertCertificate(sql: SqlPort, supplierOrderId: string, certificate: CertificateRow, now: Date): Promise<boolean> {
  const rows = await sql.query(
    `insert into localca_certificates (supplier_order_id, ${CERTIFICATE_COLUMNS}, issued_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (supplier_order_id, request_id) do nothing returning request_id`,
    [
      supplierOrderId,
      certificate.requestId,
      certificate.serialNumber,
      certificate.csrPem,
      certificate.certificatePem,
      certificate.notBefore.toISOString(),
      certificate.notAfter.toISOString(),
      now.toISOString(),
    ],
  );
  return rows.length === 1;
}

/** The certificate of one request of the order, if signed. */
export async function findCertificate(sql: SqlPort, supplierOrderId: string, requestId: string): Promise<CertificateRow | undefined> {
  const [row] = await sql.query<Row>(`select ${CERTIFICATE_COLUMNS} from localca_certificates where supplier_order_id = $1 and request_id = $2`, [supplierOrderId, requestId]);
  return row === undefined ? undefined : toCertificate(row);
}

/** The order's certificate with this serial number, if it has one. */
export async function findCertificateBySerial(sql: SqlPort, supplierOrderId: string, serialNumber: string): Promise<CertificateRow | undefined> {
  const [row] = await sql.query<Row>(`select ${CERTIFICATE_COLUMNS} from localca_certificates where supplier_order_id = $1 and serial_number = $2`, [supplierOrderId, serialNumber]);
  return row === undefined ? undefined : toCertificate(row);
}

/** The most recently issued certificate of the order. */
export async function latestCertificate(sql: SqlPort, supplierOrderId: string): Promise<CertificateRow | undefined> {
  const [row] = await sql.query<Row>(`select ${CERTIFICATE_COLUMNS} from localca_certificates where supplier_order_id = $1 order by position desc limit 1`, [supplierOrderId]);
  return row === undefined ? undefined : toCertificate(row);
}

// ---- further certificate requests ----------------------------------------------------------------

/** A reissue or renewal that waits for its names to be validated. */
export interface RequestRow {
  readonly requestId: string;
  readonly kind: RequestKind;
  /** A CSR already checked by `decodeCsr`. */
  readonly csrPem: string;
  readonly keyType: 'rsa' | 'ec';
  /** The new certificate's names, the first one also its common name. */
  readonly names: readonly string[];
  readonly validityDays: number;
  readonly state: RequestState;
  readonly createdAt: Date;
}

const REQUEST_COLUMNS = 'request_id, kind, csr_pem, key_type, names, validity_days, state, created_at';

function toRequest(row: Row): RequestRow {
  return {
    requestId: String(row.request_id),
    kind: row.kind as RequestKind,
    csrPem: String(row.csr_pem),
    keyType: row.key_type as RequestRow['keyType'],
    names: json<string[]>(row.names),
    validityDays: Number(row.validity_days),
    state: row.state as RequestState,
    createdAt: date(row.created_at),
  };
}

/** Records a request that waits for validation. */
export async function insertRequest(sql: SqlPort, supplierOrderId: string, request: RequestRow): Promise<void> {
  await sql.query(
    `insert into localca_requests (supplier_order_id, ${REQUEST_COLUMNS}) values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)`,
    [supplierOrderId, request.requestId, request.kind, request.csrPem, request.keyType, JSON.stringify(request.names), request.validityDays, request.state, request.createdAt.toISOString()],
  );
}

/** One request of the order, whatever its state. */
export async function findRequest(sql: SqlPort, supplierOrderId: string, requestId: string): Promise<RequestRow | undefined> {
  const [row] = await sql.query<Row>(`select ${REQUEST_COLUMNS} from localca_requests where supplier_order_id = $1 and request_id = $2`, [supplierOrderId, requestId]);
  return row === undefined ? undefined : toRequest(row);
}

/** The order's requests still waiting for validation, oldest first. */
export async function listWaitingRequests(sql: SqlPort, supplierOrderId: string): Promise<RequestRow[]> {
  const rows = await sql.query<Row>(`select ${REQUEST_COLUMNS} from localca_requests where supplier_order_id = $1 and state = 'awaiting_validation' order by position`, [supplierOrderId]);
  return rows.map(toRequest);
}

/** Ends waiting requests: `issued` for one, `declined` for all of the order's (`requestId` null). */
export async function endRequests(sql: SqlPort, supplierOrderId: string, requestId: string | null, state: Exclude<RequestState, 'awaiting_validation'>, now: Date): Promise<void> {
  await sql.query(
    `update localca_requests set state = $3, ended_at = $4 where supplier_order_id = $1 and ($2::text is null or request_id = $2) and state = 'awaiting_validation'`,
    [supplierOrderId, requestId, state, now.toISOString()],
  );
}

// ---- revocations and CRLs -----------------------------------------------------------------------

/** A revoked certificate as its CRL lists it (RFC 5280 5.1.2.6). */
export interface RevocationRow {
  readonly serialNumber: string;
  readonly reasonCode: number;
  readonly revokedAt: Date;
}

/** Records a revocation unless the serial is revoked already (the first time and reason stay); returns whether this call recorded it. */
export async function insertRevocation(
  sql: SqlPort,
  supplierOrderId: string,
  revocation: RevocationRow & { readonly issuerKeyId: string; readonly spkiSha256: string },
): Promise<boolean> {
  const rows = await sql.query(
    `insert into localca_revocations (serial_number, supplier_order_id, issuer_key_id, reason_code, revoked_at, spki_sha256)
     values ($1, $2, $3, $4, $5, $6) on conflict (serial_number) do nothing returning serial_number`,
    [revocation.serialNumber, supplierOrderId, revocation.issuerKeyId, revocation.reasonCode, revocation.revokedAt.toISOString(), revocation.spkiSha256],
  );
  return rows.length === 1;
}

/** Every certificate the issuing CA with this key identifier revoked, in the order they were revoked. */
export async function listRevocations(sql: SqlPort, issuerKeyId: string): Promise<RevocationRow[]> {
  const rows = await sql.query<Row>('select serial_number, reason_code, revoked_at from localca_revocations where issuer_key_id = $1 order by position', [issuerKeyId]);
  return rows.map((row) => ({ serialNumber: String(row.serial_number), reasonCode: Number(row.reason_code), revokedAt: date(row.revoked_at) }));
}

/** Whether a certificate with this key (SHA-256 of its SubjectPublicKeyInfo) was revoked for key compromise. */
export async function keyCompromised(sql: SqlPort, spkiSha256: string): Promise<boolean> {
  const rows = await sql.query('select 1 from localca_revocations where spki_sha256 = $1 and reason_code = $2 limit 1', [spkiSha256, REVOCATION_REASONS.keyCompromise]);
  return rows.length > 0;
}

/** The CRL an issuing CA published last. */
export interface CrlRow {
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly der: Buffer;
}

/**
 * The issuing CA's current CRL, none before its first; with `lock`, the row (made if missing) stays
 * locked until the transaction ends, so CRL numbers never repeat across processes.
 */
export async function findCrl(sql: SqlPort, issuerKeyId: string, options: { lock?: boolean } = {}): Promise<CrlRow | undefined> {
  if (options.lock) await sql.query('insert into localca_crls (issuer_key_id, crl_number) values ($1, 0) on conflict (issuer_key_id) do nothing', [issuerKeyId]);
  const [row] = await sql.query<Row>(`select crl_number, this_update, next_update, der from localca_crls where issuer_key_id = $1${options.lock ? ' for update' : ''}`, [issuerKeyId]);
  if (row === undefined || row.der === null || row.der === undefined) return undefined;
  return { crlNumber: BigInt(String(row.crl_number)), thisUpdate: date(row.this_update), nextUpdate: date(row.next_update), der: Buffer.from(row.der as Uint8Array) };
}

/** Keeps a newly signed CRL as the issuing CA's current one. */
export async function storeCrl(sql: SqlPort, issuerKeyId: string, crl: CrlRow): Promise<void> {
  await sql.query('update localca_crls set crl_number = $2, this_update = $3, next_update = $4, der = $5 where issuer_key_id = $1', [
    issuerKeyId,
    crl.crlNumber.toString(),
    crl.thisUpdate.toISOString(),
    crl.nextUpdate.toISOString(),
    crl.der,
  ]);
}

// ---- outbox -------------------------------------------------------------------------------------

/** Work for the platform that must survive a crash: an event to emit or an approval email to hand over. */
export type OutboxRow = SharedOutboxRow<OutboxKind>;

/** Queues work in the caller's transaction; a row with the same id (a repeat) is left as it is. */
export async function enqueue(sql: SqlPort, row: OutboxRow, now: Date): Promise<void> {
  await sql.query(
    `insert into localca_outbox (id, kind, supplier_order_id, payload, created_at) values ($1, $2, $3, $4::jsonb, $5) on conflict (id) do nothing`,
    [row.id, row.kind, row.supplierOrderId, JSON.stringify(row.payload), now.toISOString()],
  );
}

/** The oldest work not yet done, in the order it was queued. */
export async function pendingOutbox(sql: SqlPort, limit: number): Promise<OutboxRow[]> {
  const rows = await sql.query<Row>('select id, kind, supplier_order_id, payload from localca_outbox where done_at is null order by position limit $1', [limit]);
  return rows.map((row) => ({ id: String(row.id), kind: row.kind as OutboxKind, supplierOrderId: String(row.supplier_order_id), payload: json<Record<string, unknown>>(row.payload) }));
}

/** Marks work done and drops the sealed approval code it may carry: once handed over, the CA keeps no copy. */
export async function finishOutbox(sql: SqlPort, id: string, outcome: OutboxOutcome, now: Date): Promise<void> {
  await sql.query(`update localca_outbox set done_at = $2, outcome = $3, payload = payload - 'sealedCode' where id = $1 and done_at is null`, [id, now.toISOString(), outcome]);
}

/** Approval emails of the order still waiting, now pointless (a new round, or the order ended): never sent. */
export async function supersedePendingEmails(sql: SqlPort, supplierOrderId: string, now: Date): Promise<void> {
  await sql.query(
    `update localca_outbox set done_at = $2, outcome = 'superseded', payload = payload - 'sealedCode'
     where supplier_order_id = $1 and kind = 'approval_email' and done_at is null`,
    [supplierOrderId, now.toISOString()],
  );
}

/** Counts a failed delivery and keeps its message for the operator; the row stays pending. */
export async function recordOutboxFailure(sql: SqlPort, id: string, error: string): Promise<void> {
  await sql.query('update localca_outbox set attempts = attempts + 1, last_error = $2 where id = $1', [id, error.slice(0, 1000)]);
}

/**
 * Takes (or extends) the single lease on delivering the outbox; false while another process holds an
 * unexpired one. One deliverer at a time keeps events in order and emails single across processes.
 */
export async function takeOutboxLease(sql: SqlPort, holder: string, now: Date, until: Date): Promise<boolean> {
  const rows = await sql.query(
    `update localca_outbox_lease set holder = $1, expires_at = $3
     where id = 1 and (holder is null or holder = $1 or expires_at < $2) returning id`,
    [holder, now.toISOString(), until.toISOString()],
  );
  return rows.length === 1;
}

/** Gives up the delivery lease, if this process holds it. */
export async function releaseOutboxLease(sql: SqlPort, holder: string): Promise<void> {
  await sql.query('update localca_outbox_lease set holder = null, expires_at = null where id = 1 and holder = $1', [holder]);
}
