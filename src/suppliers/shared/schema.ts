import type { SqlPort } from '../supplier.js';

/** One named step of an adapter's schema: additive, each statement idempotent on its own. */
export interface AdapterMigration {
  readonly name: string;
  readonly statements: readonly string[];
}

/** `'a', 'b'` for a check constraint over a closed set declared in code. */
export const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/**
 * Brings an adapter's own tables (all named `<prefix>_…`) up to date: each migration runs once,
 * recorded in `<prefix>_migrations`. Two processes starting together on PostgreSQL take turns on an
 * advisory lock (`lock`, any constant of the adapter's own), since concurrent `create table if not
 * exists` can still collide in the catalogue.
 */
export async function migrateAdapter(sql: SqlPort, options: { prefix: string; lock: number; migrations: readonly AdapterMigration[]; now: Date }): Promise<void> {
  const table = `${options.prefix}_migrations`;
  await sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [options.lock]);
    await tx.query(`create table if not exists ${table} (name text primary key, applied_at timestamptz not null)`);
    const applied = new Set((await tx.query<{ name: string }>(`select name from ${table}`)).map((row) => row.name));
    for (const migration of options.migrations) {
      if (applied.has(migration.name)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query(`insert into ${table} (name, applied_at) values ($1, $2) on conflict (name) do nothing`, [migration.name, options.now.toISOString()]);
    }
  });
}
