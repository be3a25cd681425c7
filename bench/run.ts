/**
 * `npm run bench [scenario]`: every scenario measured beside its anchor in the same run, on this
 * machine. A script, not a test: it prints a table and writes JSON and Markdown under bench/results/.
 * Runs on PostgreSQL when it answers (BENCH_DATABASE_URL or the test default), else on PGlite.
 */
import { table, writeResults, type Measurement } from './lib/report.js';
import { createBenchDatabase } from './lib/store.js';
import { validateScenario } from './scenarios/validate.js';
import { issuanceScenario } from './scenarios/issuance.js';
import { primitivesScenario } from './scenarios/primitives.js';
import { acmeScenario } from './scenarios/acme.js';
import type { Scenario } from './lib/scenario.js';

const SCENARIOS: readonly Scenario[] = [primitivesScenario, validateScenario, issuanceScenario, acmeScenario];

const startedAt = new Date();
const only = process.argv[2];
const rows: Measurement[] = [];
for (const scenario of SCENARIOS.filter((s) => only === undefined || s.name === only)) {
  const database = await createBenchDatabase();
  try {
    process.stderr.write(`\n== ${scenario.name}: ${scenario.description} (${database.url ? 'PostgreSQL' : 'PGlite'})\n`);
    rows.push(...(await scenario.run({ databaseUrl: database.url })));
  } finally {
    await database.release();
  }
}
process.stdout.write(`\n${table(rows)}\n`);
process.stdout.write(`\nResults: ${writeResults(rows, startedAt)}\n`);
