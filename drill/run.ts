/**
 * `npm run drill [seconds]`: the failure drill at full length (default 120 s) on a throw-away
 * PostgreSQL cluster; prints the report and exits non-zero when a check fails. The test suite runs a
 * short version (test/drill.test.ts).
 */
import { formatReport, runDrill } from './drill.js';
import { CLUSTER_AVAILABLE } from './cluster.js';

if (!CLUSTER_AVAILABLE) {
  process.stderr.write('The drill needs PostgreSQL 15 (initdb), runuser and a postgres user, run as root, to make a throw-away cluster.\n');
  process.exit(2);
}
const seconds = Number(process.argv[2] ?? 120);
const report = await runDrill({ seconds, ordersPerSecond: Number(process.env.DRILL_ORDERS_PER_SECOND ?? 4), log: (line) => process.stderr.write(`${line}\n`) });
process.stdout.write(formatReport(report));
process.exit(report.ok ? 0 : 1);
