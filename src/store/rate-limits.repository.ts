import { sql } from 'kysely';
import type { Executor } from './database.js';

/** One window of one key, as a map key. */
export const windowKey = (key: string, start: Date): string => `${start.getTime()} ${key}`;

/**
 * Adds hits to windows (each key and window start once) in one statement; returns each window's count
 * so far, by `windowKey`.
 */
export async function addHits(db: Executor, hits: readonly { key: string; start: Date; hits: number }[]): Promise<Map<string, number>> {
  const rows = await db
    .insertInto('rate_limit_windows')
    .values(hits.map((h) => ({ key: h.key, window_start: h.start, hits: h.hits })))
    .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ hits: sql<number>`rate_limit_windows.hits + excluded.hits` }))
    .returning(['key', 'window_start', 'hits'])
    .execute();
  return new Map(rows.map((r) => [windowKey(r.key, new Date(r.window_start)), Number(r.hits)]));
}

/** The window's count without counting. */
export async function readWindow(db: Executor, key: string, windowStart: Date): Promise<number> {
  const row = await db.selectFrom('rate_limit_windows').select('hits').where('key', '=', key).where('window_start', '=', windowStart).executeTakeFirst();
  return Number(row?.hits ?? 0);
}

/** Forgets windows that ended before `before`. */
export async function purgeWindows(db: Executor, before: Date): Promise<void> {
  await db.deleteFrom('rate_limit_windows').where('window_start', '<', before).execute();
}
