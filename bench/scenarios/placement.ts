/**
 * Order placement end to end (`POST /v1/orders`: authentication, validation, pricing, debit, insert,
 * event, enqueue) against pgbench's built-in TPC-B-like transaction on the same PostgreSQL with the same
 * client count, and the peak resident set of the server under that load.
 *
 * Each client places orders for a reseller of its own (as many resellers as clients, as pgbench's scale
 * gives each client a branch of its own), each order with a distinct CSR and Idempotency-Key. pgbench
 * runs before and after the placement phase; its anchor is the mean of the two, so that whatever else
 * the machine does in between weighs on both sides.
 */
import { randomBytes } from 'node:crypto';
import { runLoad, type LoadResult } from '../lib/load.js';
import { residentMiB } from '../lib/memory.js';
import { orderBodies } from '../lib/orders.js';
import { pgbenchInstalled, startPgbench } from '../lib/pgbench.js';
import { log, progress, type Measurement } from '../lib/report.js';
import type { Scenario } from '../lib/scenario.js';
import { startServers } from '../lib/servers.js';
import { LOAD_DEFAULTS, type LoadOptions } from './validate.js';

/** Orders prepared per phase at scale 1: more than this machine places in a phase. */
const ORDERS_PER_PHASE = 6000;

export function createPlacementScenario(overrides: Partial<LoadOptions> = {}): Scenario {
  const options: LoadOptions = { ...LOAD_DEFAULTS, ...overrides };
  return {
    name: 'placement',
    description: 'POST /v1/orders end to end vs. pgbench TPC-B-like on the same PostgreSQL; peak RSS of the server',
    async run({ databaseUrl }) {
      if (databaseUrl === undefined || !pgbenchInstalled()) {
        log('placement: needs PostgreSQL and pgbench: scenario SKIPPED.');
        return [];
      }
      const { concurrency, phaseMs } = options;
      const perPhase = Math.max(50, Math.round(ORDERS_PER_PHASE * options.scale));
      const warmup = Math.max(10, Math.round(perPhase / 10));
      const tag = randomBytes(3).toString('hex');
      const bodies = orderBodies('p-256', warmup + perPhase, tag);
      const servers = await startServers(databaseUrl, { resellers: concurrency });
      const pgbench = await startPgbench(concurrency);
      try {
        const headers = bodies.map((_, i) => ({
          authorization: `Bearer ${servers.resellers[i % servers.resellers.length]!.apiKey}`,
          'idempotency-key': `bench-${tag}-${i}`,
        }));
        const place = async (label: string, from: number, count: number, durationMs: number): Promise<LoadResult> => {
          const result = await runLoad(
            {
              url: servers.app,
              path: '/v1/orders',
              headers: { 'content-type': 'application/json' },
              bodies: bodies.slice(from, from + count),
              requestHeaders: headers.slice(from, from + count),
              concurrency,
              durationMs,
              expectStatus: 201,
            },
            (done) => progress(label, done, count),
          );
          progress(label, count, count);
          if (result.errors > 0) throw new Error(`${label}: ${result.errors} unexpected answers, first: ${result.firstError}`);
          if (result.requests >= count) log(`${label}: ran out of prepared orders before the time was up; raise BENCH_SCALE`);
          return result;
        };
        const idle = residentMiB(servers.pid);
        await place('placement warm-up', 0, warmup, Math.min(phaseMs, 1000));
        progress('pgbench TPC-B-like, before', 0, 1);
        const before = await pgbench.tps(concurrency, phaseMs);
        progress('pgbench TPC-B-like, before', 1, 1);
        const placed = await place('POST /v1/orders', warmup, perPhase, phaseMs);
        const memory = residentMiB(servers.pid);
        progress('pgbench TPC-B-like, after', 0, 1);
        const after = await pgbench.tps(concurrency, phaseMs);
        progress('pgbench TPC-B-like, after', 1, 1);
        const anchor = (before + after) / 2;
        const kase = `${concurrency} clients, ${concurrency} resellers`;
        return [
          {
            scenario: 'placement',
            case: kase,
            metric: 'orders placed',
            value: placed.throughput,
            unit: 'orders/s',
            anchor: { name: 'pgbench TPC-B-like tps', value: anchor },
            ratio: placed.throughput / anchor,
            goal: '≥ 0.5',
            note: `p50 ${placed.p50Ms.toFixed(1)} ms, p99 ${placed.p99Ms.toFixed(1)} ms; pgbench ${before.toFixed(0)} tps before and ${after.toFixed(0)} after (scale ${concurrency}, ${concurrency} clients)`,
          },
          {
            scenario: 'placement',
            case: kase,
            metric: 'server peak RSS',
            value: memory.peak,
            unit: 'MiB',
            anchor: { name: 'RSS before the load', value: idle.now },
            ratio: memory.peak / idle.now,
            goal: '≤ 256 MiB',
            note: 'VmHWM of the server process (platform, limit and bare routes in one Node process) after the placement phase',
          },
        ] satisfies Measurement[];
      } finally {
        await pgbench.release();
        await servers.stop();
      }
    },
  };
}

export const placementScenario = createPlacementScenario();
