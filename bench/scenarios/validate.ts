import { createPublicKey, verify } from 'node:crypto';
import Fastify from 'fastify';
import { FixedClock } from '../../src/domain/clock.js';
import { createHttpApp, createPlatform } from '../../src/cli/platform.js';
import { JSON_BODY_LIMIT } from '../../src/http/app.js';
import { buildCsr, ecKey, rsaKey } from '../../test/support/csr-factory.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { progress, type Measurement } from '../lib/report.js';
import type { Scenario } from '../lib/scenario.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 4000);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);

/** A DER element: where its value starts and ends. */
function tlv(der: Buffer, offset: number): { start: number; end: number } {
  let length = der[offset + 1] as number;
  let start = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i += 1) length = length * 256 + (der[start + i] as number);
    start += n;
  }
  return { start, end: start + length };
}

const HASH_BY_OID: Readonly<Record<string, string>> = {
  '2a864886f70d01010b': 'sha256', // sha256WithRSAEncryption
  '2a8648ce3d040302': 'sha256', // ecdsa-with-SHA256
};

/**
 * The limit route's work, and nothing more: PEM to DER, the three parts of the CSR, the public key
 * imported and the signature verified with node:crypto. What no validation of a CSR can skip.
 */
function verifyCsrOnly(pem: string): boolean {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const outer = tlv(der, 0);
  const info = tlv(der, outer.start);
  const algorithm = tlv(der, info.end);
  const signature = tlv(der, algorithm.end);
  const oid = tlv(der, algorithm.start);
  // CRI: version, subject, then the SubjectPublicKeyInfo
  const version = tlv(der, info.start);
  const subject = tlv(der, version.end);
  const spki = tlv(der, subject.end);
  const spkiStart = subject.end;
  const key = createPublicKey({ key: der.subarray(spkiStart, spki.end), format: 'der', type: 'spki' });
  const hash = HASH_BY_OID[der.subarray(oid.start, oid.end).toString('hex')] ?? 'sha256';
  return verify(hash, der.subarray(outer.start, info.end), key, der.subarray(signature.start + 1, signature.end));
}

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
    if (i % 500 === 0 || i === count - 1) progress(`generating ${kind} CSRs`, i + 1, count);
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
  if (result.requests >= bodies.length) process.stderr.write(`${label}: ran out of distinct CSRs before the time was up; raise BENCH_SCALE\n`);
  return result;
}

function addressOf(server: { address(): unknown }): string {
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

/** Real-time validation: `POST /v1/orders/validate` against the limit route, a distinct CSR per request. */
export const validateScenario: Scenario = {
  name: 'validate',
  description: 'POST /v1/orders/validate vs. the limit route (PEM decode + signature check only)',
  async run({ store }) {
    const limitApp = Fastify({ bodyLimit: JSON_BODY_LIMIT });
    limitApp.post('/limit', async (request) => ({ valid: verifyCsrOnly((request.body as { csr: string }).csr) }));
    await limitApp.listen({ port: 0, host: '127.0.0.1' });

    const platform = createPlatform({ store, clock: new FixedClock(), csrCacheSize: 1000 });
    const app = await createHttpApp(platform, { rateLimit: { max: 1_000_000_000, windowMs: 60_000 } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { apiKey } = await platform.accounts.createReseller({ name: 'Bench', repEmail: 'rep@example.com' });
    const auth = { authorization: `Bearer ${apiKey.secret}` };

    const rows: Measurement[] = [];
    try {
      for (const [kind, perPhase] of [
        ['p-256', Math.round(30000 * SCALE)],
        ['rsa-2048', Math.round(12000 * SCALE)],
      ] as const) {
        const bodies = orderBodies(kind, perPhase * 3);
        const slice = (i: number) => bodies.slice(i * perPhase, (i + 1) * perPhase);
        const limit = await load(`${kind} limit route, peak`, addressOf(limitApp.server), '/limit', {}, slice(0));
        const peak = await load(`${kind} validate, peak`, addressOf(app.server), '/v1/orders/validate', auth, slice(1));
        const half = await load(`${kind} validate, half peak rate`, addressOf(app.server), '/v1/orders/validate', auth, slice(2), peak.throughput / 2);
        const anchor = { name: 'limit route req/s', value: limit.throughput };
        rows.push(
          { scenario: 'validate', case: kind, metric: 'throughput', value: peak.throughput, unit: 'req/s', anchor, ratio: peak.throughput / limit.throughput, goal: '≥ 0.5' },
          { scenario: 'validate', case: kind, metric: 'p50 at half peak', value: half.p50Ms, unit: 'ms', note: `open loop at ${half.throughput.toFixed(0)} req/s, ${CONCURRENCY} connections` },
          { scenario: 'validate', case: kind, metric: 'p99 at half peak', value: half.p99Ms, unit: 'ms', goal: '< 10 ms' },
        );
      }
    } finally {
      await app.close();
      await limitApp.close();
    }
    return rows;
  },
};
