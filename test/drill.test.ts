/**
 * The failure drill's short version (issue: failure drills): 15 seconds of load while a worker is
 * SIGKILLed every few seconds, the SMTP relay stops, the ACME CA hangs and PostgreSQL restarts, on a
 * throw-away cluster; `npm run drill` runs the long one. Needs root, runuser and PostgreSQL 15's
 * initdb. It runs wherever PostgreSQL tests are required (CERTBROKER_REQUIRE_POSTGRES=1, as in CI) or
 * asked for (CERTBROKER_DRILL=1), and there a missing cluster is a failure; elsewhere it is skipped
 * with a message.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { CLUSTER_AVAILABLE, startCluster } from '../drill/cluster.js';
import { formatReport, runDrill } from '../drill/drill.js';
import { openStore } from '../src/store/database.js';
import { freePort } from './support/pebble.js';

const WANTED = process.env.CERTBROKER_DRILL === '1' || process.env.CERTBROKER_REQUIRE_POSTGRES === '1';
if (!WANTED) console.warn('[skip] the failure drill runs with CERTBROKER_REQUIRE_POSTGRES=1 or CERTBROKER_DRILL=1 (`npm run drill` runs the long one): SKIPPED.');
else if (!CLUSTER_AVAILABLE) throw new Error('The failure drill is required here (CERTBROKER_REQUIRE_POSTGRES=1 or CERTBROKER_DRILL=1) but no throw-away PostgreSQL cluster can be made: run as root with postgresql-15 installed.');

describe.skipIf(!WANTED || !CLUSTER_AVAILABLE)('the failure drill, short', () => {
  // The fault the drill found: a connection checked out of the pool (a transaction between two
  // statements) that the restarting server drops emitted an unhandled 'error' and killed `serve`.
  it('survives a PostgreSQL restart in the middle of a transaction: the transaction fails, the next query answers', async () => {
    const cluster = await startCluster(await freePort());
    try {
      const store = await openStore({ kind: 'postgres', url: cluster.url });
      try {
        let inside!: () => void;
        let restarted!: () => void;
        const begun = new Promise<void>((r) => (inside = r));
        const between = new Promise<void>((r) => (restarted = r));
        const transaction = store.db.transaction().execute(async (trx) => {
          await sql`select 1`.execute(trx);
          inside();
          await between;
          await sql`select 2`.execute(trx);
        });
        await begun;
        cluster.restart();
        // The server's goodbye reaches the checked-out connection while the transaction waits.
        await new Promise((r) => setTimeout(r, 200));
        restarted();
        await expect(transaction).rejects.toThrow();
        expect((await sql<{ n: number }>`select 3 as n`.execute(store.db)).rows).toEqual([{ n: 3 }]);
      } finally {
        await store.close();
      }
    } finally {
      cluster.stop();
    }
  });

  it('loses nothing and does nothing twice while workers die, the relay stops, the CA hangs and PostgreSQL restarts', async () => {
    const report = await runDrill({ seconds: 15, ordersPerSecond: 3, log: (line) => console.log(line) });
    const text = formatReport(report);
    console.log(text);
    expect(report.faults.filter((f) => f.startsWith('SIGKILL')).length).toBeGreaterThanOrEqual(3);
    expect(report.faults.some((f) => f.startsWith('PostgreSQL restarted'))).toBe(true);
    expect(report.placed).toBeGreaterThan(20);
    expect(report.checks.filter((c) => !c.ok), text).toEqual([]);
  }, 420_000);
});
