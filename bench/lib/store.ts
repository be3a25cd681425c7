import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Where a scenario's data lives: a fresh PostgreSQL database (dropped on release), or in-memory PGlite. */
export interface BenchDatabase {
  /** The database URL, or undefined for in-memory PGlite when PostgreSQL does not answer. */
  readonly url: string | undefined;
  release(): Promise<void>;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    process.stderr.write(`PostgreSQL does not answer at ${ADMIN_URL}: running on in-memory PGlite instead.\n`);
    return { url: undefined, release: async () => undefined };
  }
  const name = `cbbench_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    release: async () => {
      const dropper = new pg.Client({ connectionString: ADMIN_URL });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}
