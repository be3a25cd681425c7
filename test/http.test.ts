import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './support/databases.js';
import { startHarness, type Harness } from './support/harness.js';

// HTTP conventions do not depend on the database: PGlite is enough here.
const pglite = DATABASES[0]!;

describe('HTTP conventions', () => {
  let h: Harness;
  let key: string;
  beforeAll(async () => {
    h = await startHarness(pglite, { rateLimit: { max: 5, windowMs: 60_000 } });
    key = (await h.reseller()).key;
  });
  afterAll(async () => h?.close());

  const errorOf = (res: { json(): unknown }) => (res.json() as { error: { code: string; message: string; fields: unknown[] } }).error;

  it('answers malformed JSON with 400 in the one error shape, without a stack trace', async () => {
    const res = await h.call('POST', '/v1/orders/validate', { key, rawBody: '{"product": ' });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toEqual({ code: 'body.malformed_json', message: expect.any(String), fields: [] });
    expect(res.body).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('answers a body over 1 MiB with 413', async () => {
    const res = await h.call('POST', '/v1/orders/validate', { key, rawBody: JSON.stringify({ csr: 'x'.repeat(1024 * 1024) }) });
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).code).toBe('body.too_large');
  });

  it('answers a missing or unknown key with 401 and an unknown route with 404', async () => {
    expect((await h.call('GET', '/v1/account')).statusCode).toBe(401);
    const res = await h.call('GET', '/v1/account', { key: 'rk_live_nope' });
    expect(res.statusCode).toBe(401);
    expect(errorOf(res).code).toBe('auth.invalid_key');
    const missing = await h.call('GET', '/v1/nothing-here', { key });
    expect(missing.statusCode).toBe(404);
    expect(errorOf(missing).code).toBe('route.not_found');
  });

  it('rate-limits per API key with 429 and Retry-After, leaving other keys alone', async () => {
    const limited = (await h.reseller()).key;
    const statuses = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await h.call('GET', '/v1/account', { key: limited })).statusCode);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const res = await h.call('GET', '/v1/account', { key: limited });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
    expect(errorOf(res).code).toBe('rate_limited');
    const other = (await h.reseller()).key;
    expect((await h.call('GET', '/v1/account', { key: other })).statusCode).toBe(200);
  });

  it('publishes an OpenAPI document generated from the route schemas, and a docs page', async () => {
    const doc = (await h.call('GET', '/openapi.json')).json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/v1/orders', '/v1/orders/validate', '/v1/orders/{id}', '/v1/csr/decode', '/v1/approver-emails', '/v1/account/ledger', '/v1/staff/resellers/{id}/top-ups']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const post = doc.paths['/v1/orders']?.post as { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } };
    expect(Object.keys(post.requestBody.content['application/json']!.schema.properties)).toEqual(
      expect.arrayContaining(['product', 'termMonths', 'csr', 'domains', 'approverEmail', 'dcv', 'adminContact', 'organization', 'language']),
    );
    const docs = await h.call('GET', '/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });

  it('reports health', async () => {
    const res = await h.call('GET', '/healthz');
    expect(res.json()).toMatchObject({ status: 'ok', checks: { database: { ok: true }, queue: { ok: true } } });
  });
});
