import type { Executor } from './database.js';

export interface WebhookEndpoint {
  readonly url: string;
  readonly secret: string;
  readonly updatedAt: Date;
}

export interface WebhookEventRow {
  readonly id: string;
  readonly resellerId: string;
  readonly type: string;
  readonly orderId: string | null;
  readonly payload: Record<string, unknown>;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}

export interface WebhookDelivery {
  readonly id: number;
  readonly eventId: string;
  readonly eventType: string;
  readonly attempt: number;
  readonly at: Date;
  readonly url: string;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

export async function findEndpoint(db: Executor, resellerId: string): Promise<WebhookEndpoint | undefined> {
  const row = await db.selectFrom('webhook_endpoints').select(['url', 'secret', 'updated_at']).where('reseller_id', '=', resellerId).executeTakeFirst();
  return row && { url: row.url, secret: row.secret, updatedAt: row.updated_at };
}

export async function upsertEndpoint(db: Executor, resellerId: string, e: { url: string; secret: string; at: Date }): Promise<void> {
  await db
    .insertInto('webhook_endpoints')
    .values({ reseller_id: resellerId, url: e.url, secret: e.secret, updated_at: e.at })
    .onConflict((oc) => oc.column('reseller_id').doUpdateSet({ url: e.url, secret: e.secret, updated_at: e.at }))
    .execute();
}

export async function deleteEndpoint(db: Executor, resellerId: string): Promise<void> {
  await db.deleteFrom('webhook_endpoints').where('reseller_id', '=', resellerId).execute();
}

export async function insertWebhookEvent(db: Executor, e: Omit<WebhookEventRow, 'deliveredAt'>): Promise<void> {
  await db
    .insertInto('webhook_events')
    .values({ id: e.id, reseller_id: e.resellerId, type: e.type, order_id: e.orderId, payload: JSON.stringify(e.payload), created_at: e.createdAt })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function findWebhookEvent(db: Executor, id: string): Promise<WebhookEventRow | undefined> {
  const row = await db.selectFrom('webhook_events').select(['id', 'reseller_id', 'type', 'order_id', 'payload', 'created_at', 'delivered_at']).where('id', '=', id).executeTakeFirst();
  return (
    row && { id: row.id, resellerId: row.reseller_id, type: row.type, orderId: row.order_id, payload: row.payload, createdAt: row.created_at, deliveredAt: row.delivered_at }
  );
}

export async function markDelivered(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable('webhook_events').set({ delivered_at: at }).where('id', '=', id).execute();
}

export async function insertDelivery(db: Executor, d: Omit<WebhookDelivery, 'id' | 'eventType'>): Promise<void> {
  await db
    .insertInto('webhook_deliveries')
    .values({ event_id: d.eventId, attempt: d.attempt, at: d.at, url: d.url, status_code: d.statusCode, error: d.error, duration_ms: d.durationMs })
    .execute();
}

/** A reseller's delivery log, newest first. */
export async function listDeliveries(db: Executor, resellerId: string, page: { limit: number; before?: number }): Promise<WebhookDelivery[]> {
  let query = db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
    .select([
      'webhook_deliveries.id',
      'webhook_deliveries.event_id',
      'webhook_events.type',
      'webhook_deliveries.attempt',
      'webhook_deliveries.at',
      'webhook_deliveries.url',
      'webhook_deliveries.status_code',
      'webhook_deliveries.error',
      'webhook_deliveries.duration_ms',
    ])
    .where('webhook_events.reseller_id', '=', resellerId);
  if (page.before !== undefined) query = query.where('webhook_deliveries.id', '<', page.before);
  const rows = await query.orderBy('webhook_deliveries.id', 'desc').limit(page.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    eventId: r.event_id,
    eventType: r.type,
    attempt: r.attempt,
    at: r.at,
    url: r.url,
    statusCode: r.status_code,
    error: r.error,
    durationMs: r.duration_ms,
  }));
}
