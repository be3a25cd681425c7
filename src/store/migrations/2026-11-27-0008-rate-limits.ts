import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Requests per API key per fixed window, shared by every `serve` process (issue: horizontal scale).
  // Unlogged: counters need no crash safety, and skipping the WAL keeps a hit to one cheap upsert.
  await sql`
    create unlogged table rate_limit_windows (
      key text not null,
      window_start timestamptz not null,
      hits integer not null,
      primary key (key, window_start)
    )`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive; restore from a backup to go back');
}
