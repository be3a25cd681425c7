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

export interface Database {
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
