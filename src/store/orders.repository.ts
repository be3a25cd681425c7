import { sql } from 'kysely';
import type { Currency } from '../domain/money.js';
import type { Actor, Hold, Language, Order, OrderDomain, OrderEvent, OrderStatus } from '../domain/order.js';
import type { ProductCode, TermMonths } from '../domain/products.js';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import type { Executor } from './database.js';

/** The administrative contact as stored with an order. */
export interface StoredContact {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phone: string;
  readonly country: string;
  readonly title?: string;
}

/** An order with the details only its own page shows. */
export interface OrderDetails extends Order {
  readonly adminContact: StoredContact;
  readonly organization: Record<string, unknown> | null;
  readonly csrPem: string;
  readonly csrSha256: string;
}

export interface NewOrder {
  readonly id: string;
  readonly resellerId: string;
  readonly product: ProductCode;
  readonly termMonths: TermMonths;
  readonly csrPem: string;
  readonly csrSha256: string;
  readonly domains: readonly OrderDomain[];
  readonly approverEmail: string;
  readonly adminContact: StoredContact;
  readonly organization: Record<string, unknown> | null;
  readonly language: Language;
  readonly priceAmount: number;
  readonly currency: Currency;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly createdAt: Date;
}

const ORDER_COLUMNS = [
  'id',
  'reseller_id',
  'status',
  'product',
  'term_months',
  'csr_pem',
  'csr_sha256',
  'approver_email',
  'organization',
  'language',
  'price_amount',
  'currency',
  'hold',
  'created_at',
  'released_at',
] as const;

type OrderRow = {
  id: string;
  reseller_id: string;
  status: string;
  product: string;
  term_months: number;
  csr_pem: string;
  csr_sha256: string;
  approver_email: string;
  organization: Record<string, unknown> | null;
  language: string;
  price_amount: number;
  currency: string;
  hold: { by: string; since: string } | null;
  created_at: Date;
  released_at: Date | null;
};

type DomainRow = { order_id: string; position: number; name: string; unicode: string; dcv_method: string; dcv_email: string | null };

function toDomain(row: DomainRow): OrderDomain {
  const dcv = row.dcv_method === 'email' ? { method: 'email' as const, email: row.dcv_email ?? '' } : { method: row.dcv_method as 'dns' | 'http' };
  return { name: row.name, unicode: row.unicode, dcv };
}

function toOrder(row: OrderRow, domains: DomainRow[]): Order {
  return {
    id: row.id,
    resellerId: row.reseller_id,
    status: row.status as OrderStatus,
    product: row.product as ProductCode,
    termMonths: row.term_months as TermMonths,
    domains: domains.filter((d) => d.order_id === row.id).sort((a, b) => a.position - b.position).map(toDomain),
    approverEmail: row.approver_email,
    price: { amount: row.price_amount, currency: row.currency as Currency },
    hold: row.hold && ({ by: row.hold.by, since: new Date(row.hold.since) } as Hold),
    language: row.language as Language,
    createdAt: row.created_at,
    releasedAt: row.released_at,
  };
}

/**
 * Inserts an order unless the reseller already used its idempotency key; returns false in that case
 * (the caller rolls back and answers with the stored order).
 */
export async function insertOrder(db: Executor, o: NewOrder): Promise<boolean> {
  const domains = o.domains.map((d, position) => ({ position, name: d.name, unicode: d.unicode, dcv_method: d.dcv.method, dcv_email: d.dcv.method === 'email' ? d.dcv.email : null }));
  const c = o.adminContact;
  // One statement: the order, then its domains and contact only when the order row was inserted.
  const inserted = await db
    .with('placed', (qb) =>
      qb
        .insertInto('orders')
        .values({
          id: o.id,
          reseller_id: o.resellerId,
          status: 'received',
          product: o.product,
          term_months: o.termMonths,
          csr_pem: o.csrPem,
          csr_sha256: o.csrSha256,
          approver_email: o.approverEmail,
          organization: o.organization === null ? null : JSON.stringify(o.organization),
          language: o.language,
          price_amount: o.priceAmount,
          currency: o.currency,
          idempotency_key: o.idempotencyKey,
          request_hash: o.requestHash,
          created_at: o.createdAt,
          updated_at: o.createdAt,
        })
        .onConflict((oc) => oc.columns(['reseller_id', 'idempotency_key']).doNothing())
        .returning('id'),
    )
    .with(
      'domains',
      // Raw, so parenthesised by hand: kysely does not wrap a raw common table expression.
      () => sql`(
        insert into order_domains (order_id, position, name, unicode, dcv_method, dcv_email)
        select placed.id, d.position, d.name, d.unicode, d.dcv_method, d.dcv_email
        from placed cross join jsonb_to_recordset(${JSON.stringify(domains)}::jsonb) as d(position int, name text, unicode text, dcv_method text, dcv_email text)
      )`,
    )
    .insertInto('order_contacts')
    .columns(['order_id', 'role', 'first_name', 'last_name', 'email', 'phone', 'country', 'title'])
    .expression((eb) =>
      eb
        .selectFrom('placed')
        .select([
          'placed.id',
          eb.val('admin').as('role'),
          eb.val(c.firstName).as('first_name'),
          eb.val(c.lastName).as('last_name'),
          eb.val(c.email).as('email'),
          eb.val(c.phone).as('phone'),
          eb.val(c.country).as('country'),
          eb.val(c.title ?? null).as('title'),
        ]),
    )
    .returning('order_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The order a reseller placed with an idempotency key, with the hash of the request that created it. */
export async function findByIdempotencyKey(db: Executor, resellerId: string, key: string): Promise<{ id: string; requestHash: string } | undefined> {
  const row = await db
    .selectFrom('orders')
    .select(['id', 'request_hash'])
    .where('reseller_id', '=', resellerId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  return row && { id: row.id, requestHash: row.request_hash };
}

/** One order with its details, only when it belongs to the reseller (or to anyone when `resellerId` is null: staff). */
export async function findOrder(db: Executor, resellerId: string | null, id: string): Promise<OrderDetails | undefined> {
  // One round trip: the order's domains and contact come along as JSON (the order page and every job read it).
  let query = db
    .selectFrom('orders')
    .select(ORDER_COLUMNS)
    .select((eb) => [
      jsonArrayFrom(eb.selectFrom('order_domains').selectAll().whereRef('order_domains.order_id', '=', 'orders.id')).as('domains'),
      jsonObjectFrom(eb.selectFrom('order_contacts').selectAll().whereRef('order_contacts.order_id', '=', 'orders.id').where('order_contacts.role', '=', 'admin')).as('contact'),
    ])
    .where('id', '=', id);
  if (resellerId !== null) query = query.where('reseller_id', '=', resellerId);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const contact = row.contact;
  if (contact === null) throw new Error(`order ${id} has no administrative contact`);
  return {
    ...toOrder(row, row.domains),
    adminContact: {
      firstName: contact.first_name,
      lastName: contact.last_name,
      email: contact.email,
      phone: contact.phone,
      country: contact.country,
      ...(contact.title !== null && { title: contact.title }),
    },
    organization: row.organization,
    csrPem: row.csr_pem,
    csrSha256: row.csr_sha256,
  };
}

export interface OrderPage {
  readonly limit: number;
  readonly status?: OrderStatus;
  readonly domain?: string;
  /** Continue after this (created_at, id) position, newest first. */
  readonly after?: { readonly createdAt: Date; readonly id: string };
}

/** A reseller's orders, newest first (keyset pagination on created_at, id). */
export async function listOrders(db: Executor, resellerId: string, page: OrderPage): Promise<Order[]> {
  let query = db.selectFrom('orders').select(ORDER_COLUMNS).where('reseller_id', '=', resellerId);
  if (page.status !== undefined) query = query.where('status', '=', page.status);
  if (page.domain !== undefined) {
    const name = page.domain;
    query = query.where(({ exists, selectFrom }) =>
      exists(selectFrom('order_domains').select('order_id').whereRef('order_domains.order_id', '=', 'orders.id').where('order_domains.name', '=', name)),
    );
  }
  if (page.after !== undefined) {
    const { createdAt, id } = page.after;
    query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
  if (rows.length === 0) return [];
  const domains = await db
    .selectFrom('order_domains')
    .selectAll()
    .where(
      'order_id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows.map((r) => toOrder(r, domains));
}

/** Appends a row to an order's timeline; call it in the transaction that makes the change. */
export async function appendEvent(
  db: Executor,
  e: { orderId: string; at: Date; type: string; fromStatus: OrderStatus | null; toStatus: OrderStatus | null; actor: Actor; note?: string; data?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('order_events')
    .values({
      order_id: e.orderId,
      at: e.at,
      type: e.type,
      from_status: e.fromStatus,
      to_status: e.toStatus,
      actor_type: e.actor.type,
      actor_id: e.actor.id,
      note: e.note ?? null,
      data: e.data === undefined ? null : JSON.stringify(e.data),
    })
    .execute();
}

export async function listEvents(db: Executor, orderId: string): Promise<OrderEvent[]> {
  const rows = await db
    .selectFrom('order_events')
    .select(['id', 'at', 'type', 'from_status', 'to_status', 'actor_type', 'actor_id', 'note'])
    .where('order_id', '=', orderId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    type: r.type,
    fromStatus: r.from_status as OrderStatus | null,
    toStatus: r.to_status as OrderStatus | null,
    actor: { type: r.actor_type, id: r.actor_id } as Actor,
    note: r.note,
  }));
}
