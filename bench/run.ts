/**
 * `npm run bench [scenario]`: every scenario measured beside its anchor in the same run, on this
 * machine. A script, not a test: it shows one table with a progress bar while it runs, prints the table
 * at the end and writes JSON and Markdown under bench/results/.
 * Runs on PostgreSQL when it answers (BENCH_DATABASE_URL or the test default), else on PGlite.
 */
import { log, screen, table, writeResults, type Measurement } from './lib/report.js';
import { createBenchDatabase } from './lib/store.js';
import { validateScenario } from './scenarios/validate.js';
import { issuanceScenario } from './scenarios/issuance.js';
import { primitivesScenario } from './scenarios/primitives.js';
import { acmeScenario } from './scenarios/acme.js';
import { placementScenario } from './scenarios/placement.js';
import { outboxScenario } from './scenarios/outbox.js';
import { listScenario } from './scenarios/list.js';
import type { Scenario } from './lib/scenario.js';

const SCENARIOS: readonly Scenario[] = [primitivesScenario, validateScenario, placementScenario, issuanceScenario, outboxScenario, acmeScenario, listScenario];

const startedAt = new Date();
const only = process.argv.slice(2);
const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
if (unknown.length > 0) throw new Error(`no scenario named ${unknown.join(', ')}; there are ${SCENARIOS.map((s) => s.name).join(', ')}`);
const rows: Measurement[] = [];
for (const scenario of SCENARIOS.filter((s) => only.length === 0 || only.includes(s.name))) {
  const database = await createBenchDatabase();
  try {
    log(`== ${scenario.name}: ${scenario.description} (${database.url ? 'PostgreSQL' : 'PGlite'})`);
    rows.push(...(await scenario.run({ databaseUrl: database.url })));
    screen.rows(rows);
  } finally {
    await database.release();
  }
}
process.stdout.write(`\n${table(rows)}\n`);
process.stdout.write(`\nResults: ${writeResults(rows, startedAt)}\n`);
