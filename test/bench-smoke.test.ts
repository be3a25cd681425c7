/**
 * `npm run bench acme` in miniature (issue 6): the scenario starts its own Pebble, runs a few orders
 * through the platform, through acme-client alone and through the embedded CA, and stops Pebble. Only
 * that it comes out with positive figures is checked here; the figures themselves are the benchmark's.
 */
import { describe, expect, it } from 'vitest';
import { createBenchDatabase } from '../bench/lib/store.js';
import { createAcmeScenario } from '../bench/scenarios/acme.js';
import { PEBBLE_AVAILABLE } from './support/pebble.js';

describe.skipIf(!PEBBLE_AVAILABLE)('the acme benchmark scenario', () => {
  it('measures the platform via Pebble, acme-client direct and the embedded CA, each with a positive rate and ratio', async () => {
    const database = await createBenchDatabase();
    try {
      const rows = await createAcmeScenario({ orders: 4, warmup: 1, concurrency: 2 }).run({ databaseUrl: database.url });
      expect(rows.map((row) => row.metric)).toEqual([
        'platform via Pebble: placed → issued',
        'platform via Pebble: released → issued',
        'acme-client direct: new order → certificate',
        'embedded CA: approved → issued',
        'platform via Pebble (released → issued) vs embedded CA (approved → issued)',
      ]);
      for (const row of rows) {
        expect(row.value, row.metric).toBeGreaterThan(0);
        expect(Number.isFinite(row.value), row.metric).toBe(true);
        if (row.anchor !== undefined) {
          expect(row.anchor.value, row.metric).toBeGreaterThan(0);
          expect(row.ratio, row.metric).toBeGreaterThan(0);
        }
      }
    } finally {
      await database.release();
    }
  }, 120_000);
});
