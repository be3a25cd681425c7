/**
 * Growth: `GET /v1/orders` (a reseller's first page, newest first) p99 latency with `small` orders in
 * the table and again with `large`, all of them that reseller's; the figure is the ratio large ÷ small.
 * Defaults 10 000 and 1 000 000 (BENCH_LIST_SMALL, BENCH_LIST_LARGE).
 *
 * Latency is measured in an open loop at half the peak rate found with `small` orders, the same rate
 * for both sizes: a closed loop at full speed would measure its own queue, not the route.
 */
import { runLoad, type LoadResult } from '../lib/load.js';
import { OrderFiller } from '../lib/fill.js';
import { log, progress, type Measurement } from '../lib/report.js';
import type { Scenario } from '../lib/scenario.js';
import { startServers } from '../lib/servers.js';
import { LOAD_DEFAULTS, type LoadOptions } from './validate.js';

export interface ListOptions extends LoadOptions {
  readonly small: number;
  readonly large: number;
}

const count = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} M` : n >= 1000 ? `${n / 1000} k` : String(n));

export function createListScenario(overrides: Partial<ListOptions> = {}): Scenario {
  const options: ListOptions = {
    ...LOAD_DEFAULTS,
    small: Number(process.env.BENCH_LIST_SMALL ?? 10_000),
    large: Number(process.env.BENCH_LIST_LARGE ?? 1_000_000),
    ...overrides,
  };
  return {
    name: 'list',
    description: `GET /v1/orders p99 with ${count(options.small)} and with ${count(options.large)} orders in the table`,
    async run({ databaseUrl }) {
      if (databaseUrl === undefined) {
        log('list: the fill needs PostgreSQL: scenario SKIPPED.');
        return [];
      }
      const servers = await startServers(databaseUrl);
      try {
        const filler = new OrderFiller(databaseUrl, servers.resellers[0]!.id);
        const requests = Math.max(100, Math.round(200_000 * options.scale));
        const list = async (label: string, rate?: number): Promise<LoadResult> => {
          const result = await runLoad(
            {
              url: servers.app,
              path: '/v1/orders',
              method: 'GET',
              headers: { authorization: `Bearer ${servers.apiKey}` },
              bodies: Array.from({ length: requests }, () => ''),
              concurrency: options.concurrency,
              durationMs: options.phaseMs,
              expectStatus: 200,
              ...(rate !== undefined && { rate }),
            },
            (done) => progress(label, done, requests),
          );
          progress(label, requests, requests);
          if (result.errors > 0) throw new Error(`${label}: ${result.errors} unexpected answers, first: ${result.firstError}`);
          return result;
        };
        const fill = (total: number) => filler.fillTo(total, (done) => progress(`filling to ${count(total)} orders`, done, total));
        // Warm-up after each fill: JIT, connections, the index's upper pages in the cache.
        const warmUp = () =>
          runLoad({ url: servers.app, path: '/v1/orders', method: 'GET', headers: { authorization: `Bearer ${servers.apiKey}` }, bodies: Array.from({ length: 200 }, () => ''), concurrency: options.concurrency, durationMs: 1000, expectStatus: 200 });
        await fill(options.small);
        await warmUp();
        const peak = await list(`GET /v1/orders, ${count(options.small)} orders, peak`);
        const rate = peak.throughput / 2;
        const small = await list(`GET /v1/orders, ${count(options.small)} orders, half peak`, rate);
        await fill(options.large);
        await warmUp();
        const large = await list(`GET /v1/orders, ${count(options.large)} orders, same rate`, rate);
        const kase = `open loop at ${rate.toFixed(0)} req/s, ${options.concurrency} connections`;
        return [
          { scenario: 'list', case: `${options.concurrency} clients, closed loop`, metric: `peak with ${count(options.small)} orders`, value: peak.throughput, unit: 'req/s', note: `p50 ${peak.p50Ms.toFixed(1)} ms, p99 ${peak.p99Ms.toFixed(1)} ms` },
          { scenario: 'list', case: kase, metric: `p99 with ${count(options.small)} orders`, value: small.p99Ms, unit: 'ms', note: `p50 ${small.p50Ms.toFixed(1)} ms` },
          {
            scenario: 'list',
            case: kase,
            metric: `p99 with ${count(options.large)} orders`,
            value: large.p99Ms,
            unit: 'ms',
            anchor: { name: `p99 with ${count(options.small)}`, value: small.p99Ms },
            ratio: large.p99Ms / small.p99Ms,
            goal: '≤ 1.5',
            note: `p50 ${large.p50Ms.toFixed(1)} ms (${small.p50Ms.toFixed(1)} ms with ${count(options.small)})`,
          },
        ] satisfies Measurement[];
      } finally {
        await servers.stop();
      }
    },
  };
}

export const listScenario = createListScenario();
