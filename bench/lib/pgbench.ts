import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { createBenchDatabase, type BenchDatabase } from './store.js';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 puts pgbench outside PATH; BENCH_PGBENCH names another. */
const PGBENCH = process.env.BENCH_PGBENCH ?? ['/usr/lib/postgresql/15/bin/pgbench', '/usr/bin/pgbench'].find((p) => existsSync(p)) ?? 'pgbench';

/** pgbench's database, initialised once, then run as often as an anchor needs. */
export interface Pgbench {
  /** Transactions per second of the built-in TPC-B-like script with `clients` clients for `durationMs` (whole seconds, at least 1). */
  tps(clients: number, durationMs: number): Promise<number>;
  release(): Promise<void>;
}

/**
 * pgbench on a fresh database of the same PostgreSQL, initialised at `scale` (one branch per unit:
 * with the scale at the client count, clients rarely wait on one another's branch row, as resellers
 * placing orders rarely share a balance row).
 */
export async function startPgbench(scale: number): Promise<Pgbench> {
  const database: BenchDatabase = await createBenchDatabase();
  const url = database.url;
  if (url === undefined) throw new Error('pgbench needs PostgreSQL');
  try {
    await run(PGBENCH, ['-i', '-q', '-s', String(scale), url], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    await database.release();
    throw error;
  }
  return {
    async tps(clients, durationMs) {
      const seconds = Math.max(1, Math.round(durationMs / 1000));
      const { stdout } = await run(PGBENCH, ['-n', '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds), url], { maxBuffer: 16 * 1024 * 1024 });
      const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
      if (tps === undefined) throw new Error(`pgbench printed no tps:\n${stdout}`);
      return Number(tps);
    },
    release: () => database.release(),
  };
}

/** Whether pgbench can run here. */
export function pgbenchInstalled(): boolean {
  return PGBENCH === 'pgbench' || existsSync(PGBENCH);
}
