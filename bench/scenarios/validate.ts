import { buildCsr, ecKey, rsaKey } from '../../test/support/csr-factory.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { progress, type Measurement } from '../lib/report.js';
import type { Scenario } from '../lib/scenario.js';
import { startServers } from '../lib/servers.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 4000);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);

/** Complete order bodies, each with a CSR of its own (distinct names, so distinct bytes and digest). */
function orderBodies(kind: 'rsa-2048' | 'p-256', count: number): string[] {
  const privateKey = kind === 'rsa-2048' ? rsaKey(2048) : ecKey('P-256');
  const bodies: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const domain = `bench-${i}-${kind}.example.com`;
    const { pem } = buildCsr({ privateKey, commonName: domain, sans: [domain] });
    bodies.push(
      JSON.stringify({
        product: 'dv-single',
        termMonths: 12,
        csr: pem,
        domains: [domain],
        approverEmail: 'admin@example.com',
        adminContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+49 30 1234567', country: 'DE' },
        language: 'en',
      }),
    );
    if (i % 1000 === 0 || i === count - 1) progress(`generating ${kind} CSRs`, i + 1, count);
  }
  return bodies;
}

async function load(label: string, base: string, path: string, headers: Record<string, string>, bodies: string[], rate?: number): Promise<LoadResult> {
  const result = await runLoad(
    { url: base, path, headers: { 'content-type': 'application/json', ...headers }, bodies, concurrency: CONCURRENCY, durationMs: PHASE_MS, expectStatus: 200, ...(rate !== undefined && { rate }) },
    (done) => progress(label, done, bodies.length),
  );
  progress(label, bodies.length, bodies.length);
  if (result.errors > 0) throw new Error(`${label}: ${result.errors} unexpected answers, first: ${result.firstError}`);
  if (result.requests >= bodies.length && path !== '/bare') process.stderr.write(`${label}: ran out of distinct CSRs before the time was up; raise BENCH_SCALE\n`);
  return result;
}

/** Real-time validation: `POST /v1/orders/validate` against the limit route, a distinct CSR per request. */
export const validateScenario: Scenario = {
  name: 'validate',
  description: 'POST /v1/orders/validate vs. the limit route (PEM decode + signature check only)',
  async run({ databaseUrl }) {
    const servers = await startServers(databaseUrl);
    const auth = { authorization: `Bearer ${servers.apiKey}` };
    const rows: Measurement[] = [];
    try {
      for (const [kind, perPhase] of [
        ['p-256', Math.round(20000 * SCALE)],
        ['rsa-2048', Math.round(16000 * SCALE)],
      ] as const) {
        const bodies = orderBodies(kind, perPhase * 5);
        const slice = (i: number) => bodies.slice(i * perPhase, (i + 1) * perPhase);
        const bare = await load(`${kind} bare route, peak`, servers.bare, '/bare', {}, slice(0));
        const limit = await load(`${kind} limit route, peak`, servers.limit, '/limit', {}, slice(1));
        const peak = await load(`${kind} validate, peak`, servers.app, '/v1/orders/validate', auth, slice(2));
        const half = await load(`${kind} validate, half peak rate`, servers.app, '/v1/orders/validate', auth, slice(3), peak.throughput / 2);
        // The same open-loop rate on the limit route: how much of the tail is this machine's, not ours.
        const limitHalf = await load(`${kind} limit route, same rate`, servers.limit, '/limit', {}, slice(4), peak.throughput / 2);
        rows.push(
          { scenario: 'validate', case: kind, metric: 'limit route', value: limit.throughput, unit: 'req/s', anchor: { name: 'bare route req/s', value: bare.throughput }, ratio: limit.throughput / bare.throughput },
          { scenario: 'validate', case: kind, metric: 'throughput', value: peak.throughput, unit: 'req/s', anchor: { name: 'limit route req/s', value: limit.throughput }, ratio: peak.throughput / limit.throughput, goal: '≥ 0.5' },
          { scenario: 'validate', case: kind, metric: 'p50 at half peak', value: half.p50Ms, unit: 'ms', note: `open loop at ${half.throughput.toFixed(0)} req/s over ${CONCURRENCY} connections` },
          { scenario: 'validate', case: kind, metric: 'p99 at half peak', value: half.p99Ms, unit: 'ms', anchor: { name: 'limit route p99 at that rate', value: limitHalf.p99Ms }, goal: '< 10 ms' },
        );
      }
    } finally {
      await servers.stop();
    }
    return rows;
  },
};
