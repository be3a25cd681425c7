import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { Database } from './schema.js';
import * as intake from './migrations/2026-11-26-0001-intake.js';
import * as fulfilment from './migrations/2026-11-27-0002-fulfilment.js';
import * as cancellation from './migrations/2026-11-27-0003-cancellation.js';
import * as screening from './migrations/2026-11-27-0004-screening.js';
import * as documents from './migrations/2026-11-27-0005-documents.js';
import * as portal from './migrations/2026-11-27-0006-portal.js';
import * as supplierIncidents from './migrations/2026-11-27-0007-supplier-incidents.js';
import * as rateLimits from './migrations/2026-11-27-0008-rate-limits.js';
import * as subscriptions from './migrations/2026-12-05-0009-subscriptions.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the database itself or an open transaction: repositories accept both. */
export type Executor = Db | Tx;

/** Where the data lives: PostgreSQL by URL, or PGlite in a folder (or in memory when no folder is given). */
export type DatabaseConfig = { readonly kind: 'postgres'; readonly url: string } | { readonly kind: 'pglite'; readonly dataDir?: string };

export interface Store {
  readonly db: Db;
  readonly kind: DatabaseConfig['kind'];
  close(): Promise<void>;
}

/** Migrations in order; additive, timestamped files (STYLE.md). */
const MIGRATIONS: Record<string, Migration> = {
  '2026-11-26-0001-intake': intake,
  '2026-11-27-0002-fulfilment': fulfilment,
  '2026-11-27-0003-cancellation': cancellation,
  '2026-11-27-0004-screening': screening,
  '2026-11-27-0005-documents': documents,
  '2026-11-27-0006-portal': portal,
  '2026-11-27-0007-supplier-incidents': supplierIncidents,
  '2026-11-27-0008-rate-limits': rateLimits,
  '2026-12-05-0009-subscriptions': subscriptions,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

const INT8_OID = 20;

/** int8 columns hold minor units and ids; they stay well inside 2^53, and a value that does not is an error, not a rounding. */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} exceeds the safe integer range`);
  return n;
}

/** Opens the database and brings its schema up to date. */
export async function openStore(config: DatabaseConfig, options: { migrate?: boolean } = {}): Promise<Store> {
  let db: Db;
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: 20,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle connection that the server drops (restart, failover) must not take the process down;
    // the pool replaces it on the next checkout.
    pool.on('error', (error) => process.emitWarning(`PostgreSQL connection lost: ${error.message}`));
    // The pool listens only to idle connections. One checked out (a transaction between two statements)
    // that the server drops emits 'error' with no listener, which kills the process; with this one, the
    // error reaches its query instead, and the pool discards the connection when it comes back.
    pool.on('connect', (client) => client.on('error', () => undefined));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    const pglite = new PGlite(config.dataDir, {
      parsers: { [INT8_OID]: (text: string) => parseInt8(text) },
    });
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  }
  if (options.migrate !== false) await migrate(db);
  return { db, kind: config.kind, close: () => db.destroy() };
}

/** Applies pending migrations; fails with the first migration error. */
export async function migrate(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** PostgreSQL's SQLSTATE of an error thrown by either driver, if any. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const UNIQUE_VIOLATION = '23505';
export const CHECK_VIOLATION = '23514';
