/**
 * Hostile input (issue: failure drills and hostile input, part 2): the validators never throw and
 * always answer with structured errors (fast-check), a CSR mutation fuzzer (5,000 cases here, 100,000
 * with `npm run fuzz`) finds no crash in the decoder and no 5xx from the API, and malformed, oversized
 * and deeply nested bodies get clear 4xx answers in the one error shape.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldError } from '../src/domain/errors.js';
import { validateBranding, validateNewReseller, validateSettings, DEFAULT_SETTINGS } from '../src/validation/account.js';
import { validateContact, validateEmail, validateOrganization } from '../src/validation/contacts.js';
import { createCsrDecoder, decodeCsr } from '../src/validation/csr.js';
import { normalizeName, validateNames } from '../src/validation/domains.js';
import { validateOrder } from '../src/validation/order.js';
import { PRODUCTS } from '../src/domain/products.js';
import { csrMutants, seedCsrs } from './support/csr-mutator.js';
import { DATABASES } from './support/databases.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody } from './support/orders.js';

/** The fuzz cases the suite runs (CI); `npm run fuzz` runs 100,000. */
const CSR_CASES = 5_000;
const HTTP_CASES_PER_DATABASE = 150;

function expectFieldErrors(errors: readonly FieldError[], pathPrefix?: string): void {
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) {
    expect(typeof error.path).toBe('string');
    expect(error.code).toMatch(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/);
    expect(error.message.length).toBeGreaterThan(0);
    if (pathPrefix !== undefined) expect(error.path.startsWith(pathPrefix)).toBe(true);
  }
}

describe('the CSR decoder under mutation', () => {
  const seeds = seedCsrs();

  it('starts from requests it accepts', () => {
    for (const der of seeds) expect(decodeCsr(der).ok).toBe(true);
  });

  it(`never throws on ${CSR_CASES.toLocaleString('en')} mutated requests, and names the csr field and the rule for each refusal`, () => {
    const decoder = createCsrDecoder({ cacheSize: 0 });
    let refused = 0;
    for (const fuzz of csrMutants(seeds, CSR_CASES, 20261127)) {
      let result: ReturnType<typeof decoder>;
      try {
        result = decoder(fuzz.input);
      } catch (error) {
        throw new Error(`case ${fuzz.index} (${fuzz.mutations.join(', ')}, ${fuzz.encoding}) threw: ${(error as Error).stack}`);
      }
      if (result.ok) {
        // A mutation that left a valid request (e.g. a flipped bit in an unsigned PEM line break) must still decode consistently.
        expect(result.value.names.length).toBeGreaterThan(0);
        continue;
      }
      refused += 1;
      expectFieldErrors(result.errors, 'csr');
    }
    // Nearly every mutation breaks the signature or the structure; the few that do not are harmless.
    expect(refused).toBeGreaterThan(CSR_CASES * 0.95);
  });
});

describe('the validators on arbitrary input (fast-check)', () => {
  const decoder = createCsrDecoder({ cacheSize: 0 });
  const json = fc.jsonValue({ maxDepth: 4 });
  const anything = fc.oneof(json, fc.anything({ maxDepth: 3 }), fc.string(), fc.constant(undefined));
  const orderLike = fc.record(
    {
      product: fc.oneof(fc.constantFrom(...Object.keys(PRODUCTS)), anything),
      termMonths: fc.oneof(fc.constantFrom(12, 24), anything),
      csr: fc.oneof(fc.string(), anything),
      domains: fc.oneof(fc.array(fc.oneof(fc.domain(), fc.string(), anything), { maxLength: 6 }), anything),
      approverEmail: fc.oneof(fc.emailAddress(), anything),
      dcv: anything,
      adminContact: fc.oneof(fc.record({ firstName: anything, lastName: anything, email: fc.oneof(fc.emailAddress(), anything), phone: anything, country: anything }), anything),
      organization: anything,
      language: fc.oneof(fc.constantFrom('en', 'de'), anything),
    },
    { requiredKeys: [] },
  );

  it('validateOrder answers every partial order with errors on dotted paths, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(orderLike, anything), (input) => {
        const result = validateOrder(input, { decodeCsr: decoder });
        if (result.order === undefined) expectFieldErrors(result.errors);
        for (const error of result.errors) expect(error.path).toMatch(/^[A-Za-z]*(\.[A-Za-z]+|\[\d+\]|\["[^"]*"\])*$/);
      }),
      { numRuns: 1500 },
    );
  });

  it('the field validators never throw and always explain a refusal', () => {
    fc.assert(
      fc.property(anything, (value) => {
        for (const result of [
          validateContact(value),
          validateOrganization(value, 'ov'),
          validateOrganization(value, 'ev'),
          validateEmail(value, 'email'),
          validateBranding(value),
          validateSettings(value, DEFAULT_SETTINGS),
          validateNewReseller(value),
        ]) {
          if (result.value === undefined) expectFieldErrors(result.errors);
        }
        const names = validateNames(PRODUCTS['dv-multi'], Array.isArray(value) ? value : [value]);
        for (const error of names.errors) expect(error.path.startsWith('domains')).toBe(true);
        const checked = normalizeName(typeof value === 'string' ? value : JSON.stringify(value) ?? '', 'domains[0]');
        if (!checked.ok) expectFieldErrors(checked.errors, 'domains[0]');
      }),
      { numRuns: 1500 },
    );
  });

  it('names with every kind of Unicode and punctuation come back normalised or refused, never thrown', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (name) => {
        const checked = normalizeName(name, 'domains[0]');
        if (checked.ok) expect(checked.value.ascii).toMatch(/^[a-z0-9*.:-]+$/);
        else expectFieldErrors(checked.errors, 'domains[0]');
      }),
      { numRuns: 3000 },
    );
  });
});

for (const db of DATABASES) {
  describe(`hostile requests to the API on ${db.name}`, () => {
    let h: Harness;
    let key: string;
    beforeAll(async () => {
      h = await startHarness(db);
      key = (await h.reseller({ topUp: 1_000 })).key;
    });
    afterAll(async () => h?.close());

    it(`answers ${HTTP_CASES_PER_DATABASE} mutated CSRs on the validation routes with 4xx or a verdict, never 5xx`, async () => {
      const base = orderBody();
      for (const fuzz of csrMutants(seedCsrs().slice(0, 2), HTTP_CASES_PER_DATABASE, 7 + db.name.length)) {
        const csr = typeof fuzz.input === 'string' ? fuzz.input : fuzz.input.toString('latin1');
        const validated = await h.call('POST', '/v1/orders/validate', { key, body: { ...base, csr } });
        expect(validated.statusCode, `case ${fuzz.index}: ${validated.body}`).toBe(200);
        const verdict = validated.json() as { valid: boolean; errors: FieldError[] };
        if (!verdict.valid) expectFieldErrors(verdict.errors);
        const decoded = await h.call('POST', '/v1/csr/decode', { key, body: { csr } });
        expect(decoded.statusCode, `case ${fuzz.index}: ${decoded.body}`).toBeLessThan(500);
      }
    });

    it('refuses malformed, oversized and deeply nested bodies in the one error shape', async () => {
      const cases: [string, { rawBody: string; headers?: Record<string, string> }, number][] = [
        ['malformed JSON', { rawBody: '{"product": "dv-single",' }, 400],
        ['a JSON string where an object belongs', { rawBody: '"dv-single"' }, 200],
        ['nesting 100,000 levels deep', { rawBody: `${'['.repeat(100_000)}${']'.repeat(100_000)}` }, 400],
        ['nesting 100,000 objects deep', { rawBody: `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}` }, 400],
        ['a body over 1 MiB', { rawBody: JSON.stringify({ csr: 'A'.repeat(1_100_000) }) }, 413],
        ['a prototype-polluting key (refused by the JSON parser)', { rawBody: '{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"x": 1}}}' }, 400],
      ];
      for (const [what, request, status] of cases) {
        const response = await h.call('POST', '/v1/orders/validate', { key, ...request });
        expect(response.statusCode, `${what}: ${response.body.slice(0, 300)}`).toBe(status);
        if (response.statusCode >= 400) {
          const body = response.json() as { error: { code: string; message: string } };
          expect(body.error.code, what).toMatch(/\./);
          expect(body.error.message.length, what).toBeGreaterThan(0);
          expect(response.body, what).not.toMatch(/\bat .*\.(ts|js):\d+/);
        }
      }
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      const placed = await h.call('POST', '/v1/orders', { key, rawBody: `${'['.repeat(50_000)}${']'.repeat(50_000)}`, headers: { 'idempotency-key': 'nested-1' } });
      expect(placed.statusCode).toBe(400);
      expect(placed.json()).toMatchObject({ error: { code: 'body.too_deep' } });
      const wrongType = await h.call('POST', '/v1/orders/validate', { key, rawBody: 'product=dv-single', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(wrongType.statusCode).toBeGreaterThanOrEqual(400);
      expect(wrongType.statusCode).toBeLessThan(500);
      // The account is as it was: nothing was debited by any of it.
      expect(((await h.call('GET', '/v1/account', { key })).json() as { balance: { amount: number } }).balance.amount).toBe(1_000);
    });
  });
}
