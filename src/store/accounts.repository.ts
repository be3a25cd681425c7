import type { Currency, Money } from '../domain/money.js';
import type { Executor } from './database.js';

/** A reseller account as the use cases see it. */
export interface Reseller {
  readonly id: string;
  readonly name: string;
  readonly repEmail: string;
  readonly currency: Currency;
  readonly balance: Money;
  readonly creditLimit: Money;
  readonly branding: Record<string, unknown>;
  readonly settings: Record<string, unknown>;
  readonly createdAt: Date;
}

export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** Who a presented API key belongs to. */
export type KeyOwner =
  | { readonly kind: 'reseller'; readonly resellerId: string; readonly keyId: string }
  | { readonly kind: 'staff'; readonly staffId: string; readonly keyId: string };

const RESELLER_COLUMNS = ['id', 'name', 'rep_email', 'currency', 'balance', 'credit_limit', 'branding', 'settings', 'created_at'] as const;
const KEY_COLUMNS = ['id', 'name', 'prefix', 'created_at', 'revoked_at'] as const;

function toReseller(row: {
  id: string;
  name: string;
  rep_email: string;
  currency: string;
  balance: number;
  credit_limit: number;
  branding: Record<string, unknown>;
  settings: Record<string, unknown>;
  created_at: Date;
}): Reseller {
  const currency = row.currency as Currency;
  return {
    id: row.id,
    name: row.name,
    repEmail: row.rep_email,
    currency,
    balance: { amount: row.balance, currency },
    creditLimit: { amount: row.credit_limit, currency },
    branding: row.branding,
    settings: row.settings,
    createdAt: row.created_at,
  };
}

function toKey(row: { id: string; name: string; prefix: string; created_at: Date; revoked_at: Date | null }): ApiKeyInfo {
  return { id: row.id, name: row.name, prefix: row.prefix, createdAt: row.created_at, revokedAt: row.revoked_at };
}

export async function insertReseller(
  db: Executor,
  r: { id: string; name: string; repEmail: string; currency: Currency; creditLimit: number; createdAt: Date },
): Promise<Reseller> {
  const row = await db
    .insertInto('resellers')
    .values({
      id: r.id,
      name: r.name,
      rep_email: r.repEmail,
      currency: r.currency,
      credit_limit: r.creditLimit,
      branding: '{}',
      settings: '{}',
      created_at: r.createdAt,
    })
    .returning(RESELLER_COLUMNS)
    .executeTakeFirstOrThrow();
  return toReseller(row);
}

export async function findReseller(db: Executor, id: string): Promise<Reseller | undefined> {
  const row = await db.selectFrom('resellers').select(RESELLER_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && toReseller(row);
}

/** Resellers, oldest first, after the cursor (an id) if given. */
export async function listResellers(db: Executor, page: { limit: number; after?: string }): Promise<Reseller[]> {
  let query = db.selectFrom('resellers').select(RESELLER_COLUMNS);
  if (page.after !== undefined) query = query.where('id', '>', page.after);
  const rows = await query.orderBy('id').limit(page.limit).execute();
  return rows.map(toReseller);
}

export async function updateReseller(
  db: Executor,
  id: string,
  changes: { creditLimit?: number; branding?: Record<string, unknown>; settings?: Record<string, unknown> },
): Promise<Reseller | undefined> {
  const row = await db
    .updateTable('resellers')
    .set({
      ...(changes.creditLimit !== undefined && { credit_limit: changes.creditLimit }),
      ...(changes.branding !== undefined && { branding: JSON.stringify(changes.branding) }),
      ...(changes.settings !== undefined && { settings: JSON.stringify(changes.settings) }),
    })
    .where('id', '=', id)
    .returning(RESELLER_COLUMNS)
    .executeTakeFirst();
  return row && toReseller(row);
}

export async function insertStaff(db: Executor, s: { id: string; email: string; createdAt: Date }): Promise<void> {
  await db.insertInto('staff').values({ id: s.id, email: s.email, created_at: s.createdAt }).execute();
}

export async function findStaffByEmail(db: Executor, email: string): Promise<{ id: string; email: string } | undefined> {
  return db.selectFrom('staff').select(['id', 'email']).where('email', '=', email).executeTakeFirst();
}

export async function insertApiKey(
  db: Executor,
  k: { id: string; owner: { resellerId: string } | { staffId: string }; name: string; prefix: string; keyHash: string; createdAt: Date },
): Promise<ApiKeyInfo> {
  const row = await db
    .insertInto('api_keys')
    .values({
      id: k.id,
      reseller_id: 'resellerId' in k.owner ? k.owner.resellerId : null,
      staff_id: 'staffId' in k.owner ? k.owner.staffId : null,
      name: k.name,
      prefix: k.prefix,
      key_hash: k.keyHash,
      created_at: k.createdAt,
    })
    .returning(KEY_COLUMNS)
    .executeTakeFirstOrThrow();
  return toKey(row);
}

/** The owner of an unrevoked key with this hash, if any. */
export async function findKeyOwner(db: Executor, keyHash: string): Promise<KeyOwner | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'reseller_id', 'staff_id'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.reseller_id !== null) return { kind: 'reseller', resellerId: row.reseller_id, keyId: row.id };
  if (row.staff_id !== null) return { kind: 'staff', staffId: row.staff_id, keyId: row.id };
  return undefined;
}

export async function listResellerKeys(db: Executor, resellerId: string): Promise<ApiKeyInfo[]> {
  const rows = await db.selectFrom('api_keys').select(KEY_COLUMNS).where('reseller_id', '=', resellerId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toKey);
}

/** Revokes a reseller's key; returns undefined when the key is not that reseller's. */
export async function revokeResellerKey(db: Executor, resellerId: string, keyId: string, at: Date): Promise<ApiKeyInfo | undefined> {
  const row = await db
    .updateTable('api_keys')
    .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
    .where('id', '=', keyId)
    .where('reseller_id', '=', resellerId)
    .returning(KEY_COLUMNS)
    .executeTakeFirst();
  return row && toKey(row);
}

/** Per-reseller price overrides for one product and term. */
export async function findResellerPrice(
  db: Executor,
  resellerId: string,
  product: string,
  termMonths: number,
): Promise<{ amount: number; extraNameAmount: number } | undefined> {
  const row = await db
    .selectFrom('reseller_prices')
    .select(['amount', 'extra_name_amount'])
    .where('reseller_id', '=', resellerId)
    .where('product', '=', product)
    .where('term_months', '=', termMonths)
    .executeTakeFirst();
  return row && { amount: row.amount, extraNameAmount: row.extra_name_amount };
}

export async function listResellerPrices(db: Executor, resellerId: string) {
  return db
    .selectFrom('reseller_prices')
    .select(['product', 'term_months', 'amount', 'extra_name_amount'])
    .where('reseller_id', '=', resellerId)
    .execute();
}

export async function upsertResellerPrice(
  db: Executor,
  p: { resellerId: string; product: string; termMonths: number; amount: number; extraNameAmount: number },
): Promise<void> {
  await db
    .insertInto('reseller_prices')
    .values({ reseller_id: p.resellerId, product: p.product, term_months: p.termMonths, amount: p.amount, extra_name_amount: p.extraNameAmount })
    .onConflict((oc) => oc.columns(['reseller_id', 'product', 'term_months']).doUpdateSet({ amount: p.amount, extra_name_amount: p.extraNameAmount }))
    .execute();
}
