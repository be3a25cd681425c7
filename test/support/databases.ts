import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/database.js';

/**
 * The databases every database test runs on (STYLE.md: `for (const db of DATABASES)`): PGlite always,
 * PostgreSQL when it answers at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 * With CERTBROKER_REQUIRE_POSTGRES=1 (CI) a missing PostgreSQL fails the run instead of skipping.
 */
export interface TestDatabase {
  readonly name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty database of its own; `close` drops it. */
  open(): Promise<Store>;
}

const ADMIN_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const POSTGRES_AVAILABLE = await postgresAnswers();

if (!POSTGRES_AVAILABLE) {
  if (process.env.CERTBROKER_REQUIRE_POSTGRES === '1') {
    throw new Error(`PostgreSQL is required (CERTBROKER_REQUIRE_POSTGRES=1) but does not answer at ${ADMIN_URL}.`);
  }
  console.warn(`[skip] PostgreSQL does not answer at ${ADMIN_URL}: PostgreSQL variants of the database tests are SKIPPED.`);
}

/** A new database on the PostgreSQL server, dropped again on close. */
export async function openPostgres(options: { migrate?: boolean } = {}): Promise<Store & { url: string }> {
  const name = `cbtest_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const store = await openStore({ kind: 'postgres', url: url.toString() }, options);
  return {
    ...store,
    url: url.toString(),
    close: async () => {
      await store.close();
      const dropper = new pg.Client({ connectionString: ADMIN_URL });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

export const DATABASES: readonly TestDatabase[] = [
  { name: 'pglite', open: () => openStore({ kind: 'pglite' }) },
  ...(POSTGRES_AVAILABLE ? [{ name: 'postgres' as const, open: () => openPostgres() }] : []),
];
