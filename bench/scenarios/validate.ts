import { runLoad, type LoadResult } from '../lib/load.js';
import { orderBodies } from '../lib/orders.js';
import { log, progress, type Measurement } from '../lib/report.js';
import type { Scenario } from '../lib/scenario.js';
import { startServers } from '../lib/servers.js';

export interface LoadOptions {
  /** Clients at once, for the route and for its anchors alike. */
  readonly concurrency: number;
  /** How long each load phase lasts. */
  readonly phaseMs: number;
  /** Multiplies the number of prepared requests (the smoke test runs a hundredth). */
  readonly scale: number;
}

/** The sizes of the HTTP scenarios: BENCH_CONCURRENCY (16), BENCH_PHASE_MS (4000), BENCH_SCALE (1). */
export const LOAD_DEFAULTS: LoadOptions = {
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 16),
  phaseMs: Number(process.env.BENCH_PHASE_MS ?? 4000),
  scale: Number(process.env.BENCH_SCALE ?? 1),
};

async function load(options: LoadOptions, label: string, base: string, path: string, headers: Record<string, string>, bodies: string[], rate?: number): Promise<LoadResult> {
  const result = await runLoad(
    { url: base, path, headers: { 'content-type': 'application/json', ...headers }, bodies, concurrency: options.concurrency, durationMs: options.phaseMs, expectStatus: 200, ...(rate !== undefined && { rate }) },
    (done) => progress(label, done, bodies.length),
  );
  progress(label, bodies.length, bodies.length);
  if (result.errors > 0) throw new Error(`${label}: ${result.errors} unexpected answers, first: ${result.firstError}`);
  if (result.requests >= bodies.length && path !== '/bare') log(`${label}: ran out of distinct CSRs before the time was up; raise BENCH_SCALE\n`);
  return result;
}

/** Real-time validation: `POST /v1/orders/validate` against the limit route, a distinct CSR per request. */
export function createValidateScenario(overrides: Partial<LoadOptions> = {}): Scenario {
  const options: LoadOptions = { ...LOAD_DEFAULTS, ...overrides };
  return {
    name: 'validate',
    description: 'POST /v1/orders/validate vs. the limit route (PEM decode + signature check only)',
    async run({ databaseUrl }) {
      const servers = await startServers(databaseUrl);
      const auth = { authorization: `Bearer ${servers.apiKey}` };
      const rows: Measurement[] = [];
      try {
        for (const [kind, perPhase] of [
          ['p-256', Math.max(20, Math.round(20000 * options.scale))],
          ['rsa-2048', Math.max(20, Math.round(16000 * options.scale))],
        ] as const) {
          const bodies = orderBodies(kind, perPhase * 6);
          const slice = (i: number) => bodies.slice(i * perPhase, (i + 1) * perPhase);
          // Untimed: the platform's route runs far more code than the anchors' (JIT, connections, caches).
          await load({ ...options, phaseMs: Math.min(options.phaseMs, 1500) }, `${kind} validate, warm-up`, servers.app, '/v1/orders/validate', auth, slice(5));
          const bare = await load(options, `${kind} bare route, peak`, servers.bare, '/bare', {}, slice(0));
          const limit = await load(options, `${kind} limit route, peak`, servers.limit, '/limit', {}, slice(1));
          const peak = await load(options, `${kind} validate, peak`, servers.app, '/v1/orders/validate', auth, slice(2));
          const half = await load(options, `${kind} validate, half peak rate`, servers.app, '/v1/orders/validate', auth, slice(3), peak.throughput / 2);
          // The same open-loop rate on the limit route: how much of the tail is this machine's, not ours.
          const limitHalf = await load(options, `${kind} limit route, same rate`, servers.limit, '/limit', {}, slice(4), peak.throughput / 2);
          rows.push(
            { scenario: 'validate', case: kind, metric: 'limit route', value: limit.throughput, unit: 'req/s', anchor: { name: 'bare route req/s', value: bare.throughput }, ratio: limit.throughput / bare.throughput },
            { scenario: 'validate', case: kind, metric: 'throughput', value: peak.throughput, unit: 'req/s', anchor: { name: 'limit route req/s', value: limit.throughput }, ratio: peak.throughput / limit.throughput, goal: '≥ 0.5' },
            { scenario: 'validate', case: kind, metric: 'throughput vs bare route', value: peak.throughput, unit: 'req/s', anchor: { name: 'bare route req/s', value: bare.throughput }, ratio: peak.throughput / bare.throughput },
            { scenario: 'validate', case: kind, metric: 'p50 at peak', value: peak.p50Ms, unit: 'ms', anchor: { name: 'limit route p50 at its peak', value: limit.p50Ms }, ratio: peak.p50Ms / limit.p50Ms },
            { scenario: 'validate', case: kind, metric: 'p99 at peak', value: peak.p99Ms, unit: 'ms', anchor: { name: 'limit route p99 at its peak', value: limit.p99Ms }, ratio: peak.p99Ms / limit.p99Ms },
            { scenario: 'validate', case: kind, metric: 'p50 at half peak', value: half.p50Ms, unit: 'ms', note: `open loop at ${half.throughput.toFixed(0)} req/s over ${options.concurrency} connections` },
            { scenario: 'validate', case: kind, metric: 'p99 at half peak', value: half.p99Ms, unit: 'ms', anchor: { name: 'limit route p99 at that rate', value: limitHalf.p99Ms }, ratio: half.p99Ms / limitHalf.p99Ms, goal: '< 10 ms' },
          );
        }
      } finally {
        await servers.stop();
      }
      return rows;
    },
  };
}

export const validateScenario = createValidateScenario();
