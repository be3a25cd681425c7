/**
 * `npm run fuzz [cases]`: the CSR mutation fuzzer at full size (default 100,000 cases) against the
 * decoder and the whole order validator, then a share of them through the HTTP API of an in-process
 * platform (PGlite) — no throw, no 5xx. Deterministic: `FUZZ_SEED` picks the cases; a failure prints
 * the case number, its mutations and its encoding, and exits non-zero. The test suite runs 5,000.
 */
import { performance } from 'node:perf_hooks';
import { createCsrDecoder } from '../src/validation/csr.js';
import { validateOrder } from '../src/validation/order.js';
import { csrMutants, seedCsrs } from '../test/support/csr-mutator.js';
import { DATABASES } from '../test/support/databases.js';
import { startHarness } from '../test/support/harness.js';
import { orderBody } from '../test/support/orders.js';

const cases = Number(process.argv[2] ?? 100_000);
const seed = Number(process.env.FUZZ_SEED ?? 20261127);
const httpCases = Math.min(cases, Number(process.env.FUZZ_HTTP_CASES ?? 5_000));
if (!Number.isInteger(cases) || cases < 1) throw new Error(`cases must be a positive whole number, not ${process.argv[2]}`);

const seeds = seedCsrs();
const decode = createCsrDecoder({ cacheSize: 0 });
const base = orderBody();
let refused = 0;
const started = performance.now();
for (const fuzz of csrMutants(seeds, cases, seed)) {
  try {
    const decoded = decode(fuzz.input);
    if (!decoded.ok) refused += 1;
    validateOrder({ ...base, csr: typeof fuzz.input === 'string' ? fuzz.input : fuzz.input.toString('latin1') }, { decodeCsr: decode });
  } catch (error) {
    process.stderr.write(`case ${fuzz.index} (seed ${seed}; ${fuzz.mutations.join(', ')}; ${fuzz.encoding}) threw:\n${(error as Error).stack}\n`);
    process.exit(1);
  }
  if ((fuzz.index + 1) % 10_000 === 0) process.stderr.write(`  ${(fuzz.index + 1).toLocaleString('en')} cases\n`);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`decoder + validator: ${cases.toLocaleString('en')} mutated CSRs, ${refused.toLocaleString('en')} refused with field errors, 0 crashes, ${(cases / seconds).toFixed(0)} cases/s\n`);

const h = await startHarness(DATABASES[0]!);
try {
  const { key } = await h.reseller({ topUp: 1_000 });
  const statuses = new Map<number, number>();
  for (const fuzz of csrMutants(seeds, httpCases, seed + 1)) {
    const csr = typeof fuzz.input === 'string' ? fuzz.input : fuzz.input.toString('latin1');
    for (const [url, body] of [['/v1/orders/validate', { ...base, csr }], ['/v1/csr/decode', { csr }]] as const) {
      const response = await h.call('POST', url, { key, body });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      if (response.statusCode >= 500) {
        process.stderr.write(`case ${fuzz.index} (seed ${seed + 1}; ${fuzz.mutations.join(', ')}) got ${response.statusCode} from ${url}: ${response.body}\n`);
        process.exit(1);
      }
    }
  }
  process.stdout.write(`HTTP: ${httpCases.toLocaleString('en')} mutated CSRs on two routes, answers ${JSON.stringify(Object.fromEntries(statuses))}, no 5xx\n`);
} finally {
  await h.close();
}
