import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/database.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh PostgreSQL database for one scenario (dropped on close), or in-memory PGlite when PostgreSQL does not answer. */
export async function openBenchStore(): Promise<Store> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    process.stderr.write(`PostgreSQL does not answer at ${ADMIN_URL}: running on in-memory PGlite instead.\n`);
    return openStore({ kind: 'pglite' });
  }
  const name = `cbbench_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const store = await openStore({ kind: 'postgres', url: url.toString() });
  return {
    ...store,
    close: async () => {
      await store.close();
      const dropper = new pg.Client({ connectionString: ADMIN_URL });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}
