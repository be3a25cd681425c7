import { sql } from 'kysely';
import type { Executor } from './database.js';

/** Counts one request of `key` in the window starting at `windowStart`; returns the window's count so far. */
export async function hitWindow(db: Executor, key: string, windowStart: Date): Promise<number> {
  const row = await sql<{ hits: number }>`
    insert into rate_limit_windows (key, window_start, hits) values (${key}, ${windowStart}, 1)
    on conflict (key, window_start) do update set hits = rate_limit_windows.hits + 1
    returning hits`.execute(db);
  return Number(row.rows[0]?.hits ?? 1);
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
