import { sql } from 'kysely';
import type { Executor } from './database.js';
import { newId } from './ids.js';

/** Something staff must look at about a supplier: an outage, or a certificate a compliance guard withheld. */
export interface SupplierIncident {
  readonly id: string;
  readonly supplier: string;
  readonly kind: 'outage' | 'compliance';
  readonly orderId: string | null;
  readonly detail: string;
  readonly openedAt: Date;
  readonly resolvedAt: Date | null;
  readonly resolvedBy: string | null;
  readonly resolutionNote: string | null;
}

type Row = {
  id: string;
  supplier: string;
  kind: 'outage' | 'compliance';
  order_id: string | null;
  detail: string;
  opened_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution_note: string | null;
};

function toIncident(r: Row): SupplierIncident {
  return {
    id: r.id,
    supplier: r.supplier,
    kind: r.kind,
    orderId: r.order_id,
    detail: r.detail,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    resolutionNote: r.resolution_note,
  };
}

/**
 * Opens an incident unless the same one is open (one open outage per supplier) or recorded (one
 * compliance incident per order): the unique indexes decide, so concurrent processes open it once.
 * Returns whether it was opened now.
 */
export async function openIncident(db: Executor, incident: { supplier: string; kind: SupplierIncident['kind']; orderId: string | null; detail: string; at: Date }): Promise<boolean> {
  const inserted = await sql<{ id: string }>`
    insert into supplier_incidents (id, supplier, kind, order_id, detail, opened_at)
    values (${newId('inc')}, ${incident.supplier}, ${incident.kind}, ${incident.orderId}, ${incident.detail.slice(0, 4000)}, ${incident.at})
    on conflict do nothing
    returning id`.execute(db);
  return inserted.rows.length > 0;
}

/** Closes the supplier's open outage, if any (it answered again). */
export async function closeOutage(db: Executor, supplier: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('supplier_incidents')
    .set({ resolved_at: at, resolved_by: 'system', resolution_note: 'The supplier answered again.' })
    .where('supplier', '=', supplier)
    .where('kind', '=', 'outage')
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Staff close an incident with a note; false when it is unknown or already resolved. */
export async function resolveIncident(db: Executor, id: string, by: string, note: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('supplier_incidents')
    .set({ resolved_at: at, resolved_by: by, resolution_note: note })
    .where('id', '=', id)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** One incident, or undefined. */
export async function findIncident(db: Executor, id: string): Promise<SupplierIncident | undefined> {
  const row = await db.selectFrom('supplier_incidents').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toIncident(row as Row);
}

/** Incidents, open ones first, newest first; `open` limits to the unresolved. */
export async function listIncidents(db: Executor, options: { open?: boolean; limit?: number } = {}): Promise<SupplierIncident[]> {
  let query = db.selectFrom('supplier_incidents').selectAll();
  if (options.open) query = query.where('resolved_at', 'is', null);
  const rows = await query
    .orderBy(sql`resolved_at is null`, 'desc')
    .orderBy('opened_at', 'desc')
    .orderBy('id')
    .limit(options.limit ?? 100)
    .execute();
  return rows.map((r) => toIncident(r as Row));
}
