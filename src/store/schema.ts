import type { ColumnType, Generated } from 'kysely';

/** Timestamps are written as `Date` from the injected clock and read back as `Date`. */
type Timestamp = ColumnType<Date, Date, Date>;
type Json<T> = ColumnType<T, string, string>;

/** Row types: what the tables hold. Repositories convert them to domain objects; nothing else sees them. */
export interface ResellerTable {
  id: string;
  name: string;
  rep_email: string;
  currency: string;
  balance: ColumnType<number, number | undefined, number>;
  credit_limit: ColumnType<number, number | undefined, number>;
  branding: Json<Record<string, unknown>>;
  settings: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface StaffTable {
  id: string;
  email: string;
  created_at: Timestamp;
}

export interface ApiKeyTable {
  id: string;
  reseller_id: string | null;
  staff_id: string | null;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: Timestamp;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface ResellerPriceTable {
  reseller_id: string;
  product: string;
  term_months: number;
  amount: number;
  extra_name_amount: number;
}

export interface OrderTable {
  id: string;
  reseller_id: string;
  status: string;
  product: string;
  term_months: number;
  csr_pem: string;
  csr_sha256: string;
  approver_email: string;
  organization: Json<Record<string, unknown> | null> | null;
  language: string;
  price_amount: number;
  currency: string;
  hold: Json<{ by: string; since: string } | null> | null;
  idempotency_key: string;
  request_hash: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  released_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  window_passed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  term_starts_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  term_ends_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  renews_order_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface OrderDomainTable {
  order_id: string;
  position: number;
  name: string;
  unicode: string;
  dcv_method: string;
  dcv_email: string | null;
}

export interface OrderContactTable {
  order_id: string;
  role: string;
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  country: string;
  title: string | null;
}

export interface OrderEventTable {
  id: Generated<number>;
  order_id: string;
  at: Timestamp;
  type: string;
  from_status: string | null;
  to_status: string | null;
  actor_type: string;
  actor_id: string;
  note: string | null;
  data: Json<Record<string, unknown> | null> | null;
}

export interface LedgerEntryTable {
  id: Generated<number>;
  reseller_id: string;
  kind: string;
  amount: number;
  currency: string;
  balance_after: number;
  order_id: string | null;
  reference: string;
  note: string | null;
  actor_type: string;
  actor_id: string;
  created_at: Timestamp;
}

export interface JobTable {
  id: Generated<number>;
  name: string;
  payload: Json<Record<string, unknown>>;
  dedupe_key: string | null;
  status: string;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  run_at: Timestamp;
  locked_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  last_error: string | null;
  created_at: Timestamp;
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface SupplierOrderTable {
  order_id: string;
  supplier: string;
  supplier_order_id: string;
  accepted_at: Timestamp;
}

export interface CertificateRequestTable {
  id: string;
  order_id: string;
  kind: string;
  /** Null while a renewal waits for the reseller's CSR. */
  csr_pem: string | null;
  status: string;
  created_at: Timestamp;
  /** 0 for the first request of an order, then counting up. */
  sequence: number;
  follows_certificate_id: ColumnType<string | null, string | null | undefined, string | null>;
  domains: ColumnType<{ name: string; dcv: { method: string; email?: string } }[] | null, string | null | undefined, string | null>;
  revalidate: ColumnType<boolean, boolean | undefined, boolean>;
  idempotency_key: ColumnType<string | null, string | null | undefined, string | null>;
  request_hash: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface CertificateTable {
  id: string;
  order_id: string;
  request_id: string;
  serial_number: string;
  certificate_pem: string;
  chain_pem: Json<string[]>;
  root_pem: string;
  not_before: Timestamp;
  not_after: Timestamp;
  issued_at: Timestamp;
  seq: Generated<number>;
  revocation_reason: ColumnType<string | null, string | null | undefined, string | null>;
  revocation_requested_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface SubscriptionReminderTable {
  order_id: string;
  kind: string;
  key: string;
  days_before: number;
  sent_at: Timestamp;
}

export interface MailOutboxTable {
  id: string;
  message_id: string;
  dedupe_key: string;
  order_id: string | null;
  reseller_id: string | null;
  template: string;
  recipient: string;
  subject: string;
  raw: string;
  status: string;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface WebhookEndpointTable {
  reseller_id: string;
  url: string;
  secret: string;
  updated_at: Timestamp;
}

export interface WebhookEventTable {
  id: string;
  reseller_id: string;
  type: string;
  order_id: string | null;
  payload: Json<Record<string, unknown>>;
  created_at: Timestamp;
  delivered_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface WebhookDeliveryTable {
  id: Generated<number>;
  event_id: string;
  attempt: number;
  at: Timestamp;
  url: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface RefundRequestTable {
  id: string;
  order_id: string;
  reseller_id: string;
  amount: number;
  currency: string;
  reason: string;
  status: string;
  created_at: Timestamp;
  decided_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  decided_by: string | null;
  note: string | null;
}

export interface OrderScreeningTable {
  order_id: string;
  score: number;
  hits: Json<{ rule: string; score: number; reason: string }[]>;
  held: boolean;
  screened_at: Timestamp;
  decision: string | null;
  decided_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  decided_by: string | null;
  note: string | null;
}

export interface SupplierIncidentTable {
  id: string;
  supplier: string;
  kind: 'outage' | 'compliance';
  order_id: string | null;
  detail: string;
  opened_at: Timestamp;
  resolved_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  resolved_by: string | null;
  resolution_note: string | null;
}

/** Portal and console users (issue 9): a reseller's owner or member, or a staff member. */
export interface PortalUserTable {
  id: string;
  reseller_id: string | null;
  staff_id: string | null;
  email: string;
  password_hash: string;
  role: string;
  created_at: Timestamp;
  last_sign_in_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface PortalSignInThrottleTable {
  email_hash: string;
  failures: number;
  last_failure_at: Timestamp;
  locked_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface PortalSessionTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** OV/EV document requests a supplier raised (issue 7). */
export interface DocumentRequestTable {
  id: string;
  order_id: string;
  supplier: string;
  supplier_request_id: string;
  kind: string;
  note: string;
  created_at: Timestamp;
  answered_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  seq: Generated<number>;
}

/** Documents uploaded in answer, with their bytes and checksum. */
export interface OrderDocumentTable {
  id: string;
  order_id: string;
  request_id: string;
  type: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  /** PGlite reads bytea as Uint8Array, node-postgres as Buffer. */
  content: ColumnType<Uint8Array, Buffer, never>;
  uploaded_by_type: string;
  uploaded_by_id: string;
  created_at: Timestamp;
  forwarded_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  seq: Generated<number>;
}

export interface RateLimitWindowTable {
  key: string;
  window_start: Timestamp;
  hits: number;
}

export interface Database {
  subscription_reminders: SubscriptionReminderTable;
  rate_limit_windows: RateLimitWindowTable;
  document_requests: DocumentRequestTable;
  order_documents: OrderDocumentTable;
  portal_users: PortalUserTable;
  portal_sessions: PortalSessionTable;
  portal_sign_in_throttle: PortalSignInThrottleTable;
  supplier_incidents: SupplierIncidentTable;
  order_screenings: OrderScreeningTable;
  refund_requests: RefundRequestTable;
  jobs: JobTable;
  supplier_orders: SupplierOrderTable;
  certificate_requests: CertificateRequestTable;
  certificates: CertificateTable;
  mail_outbox: MailOutboxTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_events: WebhookEventTable;
  webhook_deliveries: WebhookDeliveryTable;
  resellers: ResellerTable;
  staff: StaffTable;
  api_keys: ApiKeyTable;
  reseller_prices: ResellerPriceTable;
  orders: OrderTable;
  order_domains: OrderDomainTable;
  order_contacts: OrderContactTable;
  order_events: OrderEventTable;
  ledger_entries: LedgerEntryTable;
}
