/**
 * `npm run bench` in miniature: each scenario runs for a moment at a tiny size, so that the harness
 * cannot rot. Only that every figure comes out (positive, finite, with its anchor and ratio) is checked
 * here; the figures themselves are the benchmark's.
 */
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../bench/lib/report.js';
import type { Scenario } from '../bench/lib/scenario.js';
import { createBenchDatabase } from '../bench/lib/store.js';
import { createAcmeScenario } from '../bench/scenarios/acme.js';
import { createIssuanceScenario } from '../bench/scenarios/issuance.js';
import { createListScenario } from '../bench/scenarios/list.js';
import { createOutboxScenario } from '../bench/scenarios/outbox.js';
import { createPlacementScenario } from '../bench/scenarios/placement.js';
import { createPrimitivesScenario } from '../bench/scenarios/primitives.js';
import { createValidateScenario } from '../bench/scenarios/validate.js';
import { POSTGRES_AVAILABLE } from './support/databases.js';
import { PEBBLE_AVAILABLE } from './support/pebble.js';

/** A moment per load phase, two clients, a hundredth of the prepared requests. */
const TINY = { concurrency: 2, phaseMs: 250, scale: 0.01 } as const;

async function measure(scenario: Scenario): Promise<Measurement[]> {
  const database = await createBenchDatabase();
  try {
    return await scenario.run({ databaseUrl: database.url });
  } finally {
    await database.release();
  }
}

/** Every figure positive and finite; those named in `anchored` stand beside an anchor, their ratio the quotient. */
function expectFigures(rows: readonly Measurement[], anchored: readonly string[]): void {
  for (const row of rows) {
    expect(row.value, row.metric).toBeGreaterThan(0);
    expect(Number.isFinite(row.value), row.metric).toBe(true);
    if (anchored.includes(row.metric)) expect(row.anchor, row.metric).toBeDefined();
    if (row.anchor !== undefined) {
      expect(row.anchor.value, row.metric).toBeGreaterThan(0);
      expect(row.ratio, row.metric).toBeCloseTo(row.value / row.anchor.value, 9);
    }
  }
}

// Concurrently: most of each scenario's time is waiting (servers starting, pgbench's whole seconds, Pebble).
describe.concurrent('the benchmark scenarios, in miniature', () => {
  it('primitives: decodeCsr and leaf building beside their anchors', async () => {
    const rows = await measure(createPrimitivesScenario({ count: 30 }));
    expect(rows.map((row) => `${row.case} ${row.metric}`)).toEqual(['rsa-2048 decodeCsr', 'rsa-2048 subject leaf build+sign', 'p-256 decodeCsr', 'p-256 subject leaf build+sign']);
    expectFigures(rows, ['decodeCsr', 'leaf build+sign']);
  }, 60_000);

  it('validate: throughput against the limit and bare routes, p50 and p99', async () => {
    const rows = await measure(createValidateScenario(TINY));
    expect(rows.filter((row) => row.metric === 'throughput').map((row) => row.case)).toEqual(['p-256', 'rsa-2048']);
    expect(new Set(rows.map((row) => row.metric))).toEqual(new Set(['limit route', 'throughput', 'throughput vs bare route', 'p50 at peak', 'p99 at peak', 'p50 at half peak', 'p99 at half peak']));
    expectFigures(rows, ['limit route', 'throughput', 'throughput vs bare route']);
  }, 60_000);

  // The scenario needs PostgreSQL (pgbench comes with its server package); without it the test says it is skipped.
  it.skipIf(!POSTGRES_AVAILABLE)('placement: orders per second against pgbench, and the server peak RSS', async () => {
    const rows = await measure(createPlacementScenario(TINY));
    expect(rows.map((row) => row.metric)).toEqual(['orders placed', 'server peak RSS']);
    expectFigures(rows, ['orders placed', 'server peak RSS']);
  }, 60_000);

  it('issuance: approved orders issued by the embedded CA beside bare signing', async () => {
    const rows = await measure(createIssuanceScenario({ orders: 4 }));
    expect(rows.map((row) => row.metric)).toEqual(['approved → issued', 'approved → both fulfilment emails sent']);
    expectFigures(rows, ['approved → issued', 'approved → both fulfilment emails sent']);
  }, 60_000);

  it('outbox: emails per second beside nodemailer sending straight to the sink', async () => {
    const rows = await measure(createOutboxScenario({ messages: 20 }));
    expect(rows.map((row) => row.metric)).toEqual(['outbox delivery']);
    expectFigures(rows, ['outbox delivery']);
  }, 60_000);

  it.skipIf(!POSTGRES_AVAILABLE)('list: GET /v1/orders p99 at two table sizes, with the fill scaled down', async () => {
    const rows = await measure(createListScenario({ ...TINY, small: 100, large: 1000 }));
    expect(rows.map((row) => row.metric)).toEqual(['peak with 100 orders', 'p99 with 100 orders', 'p99 with 1 k orders']);
    expectFigures(rows, ['p99 with 1 k orders']);
  }, 60_000);

  it.skipIf(!PEBBLE_AVAILABLE)('acme: the platform via Pebble, acme-client direct and the embedded CA', async () => {
    const rows = await measure(createAcmeScenario({ orders: 4, warmup: 1, concurrency: 2 }));
    expect(rows.map((row) => row.metric)).toEqual([
      'platform via Pebble: placed → issued',
      'platform via Pebble: released → issued',
      'acme-client direct: new order → certificate',
      'embedded CA: approved → issued',
      'embedded CA (approved → issued) vs Pebble via acme-client',
      'platform via Pebble (released → issued) vs embedded CA (approved → issued)',
    ]);
    expectFigures(rows, [
      'platform via Pebble: placed → issued',
      'platform via Pebble: released → issued',
      'embedded CA: approved → issued',
      'embedded CA (approved → issued) vs Pebble via acme-client',
      'platform via Pebble (released → issued) vs embedded CA (approved → issued)',
    ]);
  }, 120_000);
});
