import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './support/databases.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody } from './support/orders.js';

for (const db of DATABASES) {
  describe(`order intake on ${db.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(db);
    });
    afterAll(async () => h?.close());

    const balance = async (key: string) => ((await h.call('GET', '/v1/account', { key })).json() as { balance: { amount: number } }).balance.amount;
    const place = (key: string, body: unknown, idempotencyKey = `k-${Math.random()}`) =>
      h.call('POST', '/v1/orders', { key, body, headers: { 'idempotency-key': idempotencyKey } });

    it('answers validate for an empty order with an error on every required path and no price', async () => {
      const { key } = await h.reseller();
      const res = await h.call('POST', '/v1/orders/validate', { key, body: {} });
      expect(res.statusCode).toBe(200);
      const report = res.json() as { valid: boolean; errors: { path: string; code: string; message: string }[]; price: unknown };
      expect(report.valid).toBe(false);
      expect(report.price).toBeNull();
      const paths = report.errors.map((e) => e.path);
      for (const path of ['product', 'termMonths', 'csr', 'domains', 'approverEmail']) expect(paths).toContain(path);
      expect(paths.some((p) => p.startsWith('adminContact'))).toBe(true);
      for (const e of report.errors) expect(e.message.length).toBeGreaterThan(10);
    });

    it('validates a complete order and prices it in the reseller’s currency', async () => {
      const { key } = await h.reseller();
      const res = await h.call('POST', '/v1/orders/validate', { key, body: orderBody() });
      expect(res.json()).toEqual({ valid: true, errors: [], price: { amount: 900, currency: 'EUR' } });
    });

    it('prices a partial order as soon as product and term are known', async () => {
      const { key } = await h.reseller({ currency: 'USD' });
      const res = await h.call('POST', '/v1/orders/validate', { key, body: { product: 'dv-wildcard', termMonths: 24 } });
      expect((res.json() as { price: unknown }).price).toEqual({ amount: 13110, currency: 'USD' });
    });

    it('places an order: received, debited, first timeline row, listed and readable', async () => {
      const { key } = await h.reseller({ topUp: 5000 });
      const body = orderBody();
      const res = await place(key, body);
      expect(res.statusCode).toBe(201);
      const order = res.json() as Record<string, unknown> & { id: string; events: { type: string; toStatus: string }[] };
      expect(order).toMatchObject({
        status: 'received',
        product: 'dv-single',
        domains: body.domains,
        approverEmail: body.approverEmail,
        price: { amount: 900, currency: 'EUR' },
        hold: null,
        createdAt: '2026-11-26T12:00:00.000Z',
        releasedAt: null,
        cancellableAt: '2026-11-26T12:00:00.000Z',
      });
      expect(order.events).toEqual([expect.objectContaining({ type: 'order.placed', toStatus: 'received' })]);
      expect(await balance(key)).toBe(4100);
      const ledger = (await h.call('GET', '/v1/account/ledger', { key })).json() as { data: { kind: string; amount: { amount: number }; orderId: string | null }[] };
      expect(ledger.data[0]).toMatchObject({ kind: 'order_debit', amount: { amount: -900 }, orderId: order.id });
      const list = (await h.call('GET', '/v1/orders', { key })).json() as { data: { id: string }[] };
      expect(list.data.map((o) => o.id)).toEqual([order.id]);
      const one = await h.call('GET', `/v1/orders/${order.id}`, { key });
      expect(one.statusCode).toBe(200);
      expect((one.json() as { adminContact: { phone: string } }).adminContact.phone).toBe('+49301234567');
    });

    it('returns the same order for the same key and body, and refuses the key with another body', async () => {
      const { key } = await h.reseller({ topUp: 5000 });
      const body = orderBody();
      const first = await place(key, body, 'same-key');
      const replay = await place(key, { ...body }, 'same-key');
      expect(replay.statusCode).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect((replay.json() as { id: string }).id).toBe((first.json() as { id: string }).id);
      expect(await balance(key)).toBe(4100);
      const other = await place(key, orderBody(), 'same-key');
      expect(other.statusCode).toBe(409);
      expect((other.json() as { error: { code: string } }).error.code).toBe('idempotency.key_reused');
      expect(await balance(key)).toBe(4100);
    });

    it('requires an Idempotency-Key', async () => {
      const { key } = await h.reseller({ topUp: 5000 });
      const res = await h.call('POST', '/v1/orders', { key, body: orderBody() });
      expect(res.statusCode).toBe(422);
      expect((res.json() as { error: { fields: { path: string }[] } }).error.fields[0]?.path).toBe('Idempotency-Key');
    });

    it('answers 402 when the balance does not cover the price, and writes nothing', async () => {
      const { key } = await h.reseller({ topUp: 899 });
      const res = await place(key, orderBody());
      expect(res.statusCode).toBe(402);
      expect((res.json() as { error: { code: string } }).error.code).toBe('balance.insufficient');
      expect(await balance(key)).toBe(899);
      expect(((await h.call('GET', '/v1/orders', { key })).json() as { data: unknown[] }).data).toEqual([]);
    });

    it('refuses an invalid order with field errors and writes nothing', async () => {
      const { key } = await h.reseller({ topUp: 5000 });
      const res = await place(key, orderBody({ approverEmail: 'someone@elsewhere.org', adminContact: { firstName: 'A' } }));
      expect(res.statusCode).toBe(422);
      const paths = (res.json() as { error: { fields: { path: string }[] } }).error.fields.map((f) => f.path);
      expect(paths).toContain('approverEmail');
      expect(paths).toContain('adminContact.email');
      expect(await balance(key)).toBe(5000);
    });

    it('charges a reseller its own price when staff set one', async () => {
      const { id, key } = await h.reseller({ topUp: 5000 });
      const quoted = async () => ((await h.call('POST', '/v1/orders/validate', { key, body: { product: 'dv-single', termMonths: 12 } })).json() as { price: { amount: number } }).price.amount;
      expect(await quoted()).toBe(900);
      const set = await h.call('PUT', `/v1/staff/resellers/${id}/prices`, { key: h.staffKey, body: { product: 'dv-single', termMonths: 12, amount: 450 } });
      expect(set.statusCode).toBe(204);
      expect(await quoted()).toBe(450);
      const res = await place(key, orderBody());
      expect((res.json() as { price: unknown }).price).toEqual({ amount: 450, currency: 'EUR' });
      const products = (await h.call('GET', '/v1/products', { key })).json() as { data: { code: string; terms: { termMonths: number; price: { amount: number } }[] }[] };
      expect(products.data).toHaveLength(8);
      expect(products.data.find((p) => p.code === 'dv-single')?.terms[0]?.price.amount).toBe(450);
    });

    it('pages through orders newest first and filters by status and domain', async () => {
      const { key } = await h.reseller({ topUp: 100000 });
      const ids: string[] = [];
      const bodies = [];
      for (let i = 0; i < 5; i += 1) {
        h.clock.advance(1000);
        const body = orderBody();
        bodies.push(body);
        ids.push(((await place(key, body)).json() as { id: string }).id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/v1/orders?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await h.call('GET', url, { key })).json() as { data: { id: string }[]; nextCursor: string | null };
        expect(page.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.data.map((o) => o.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual([...ids].reverse());
      const byStatus = (await h.call('GET', '/v1/orders?status=issued', { key })).json() as { data: unknown[] };
      expect(byStatus.data).toEqual([]);
      const domain = (bodies[2]?.domains as string[])[0];
      const byDomain = (await h.call('GET', `/v1/orders?domain=${domain}`, { key })).json() as { data: { id: string }[] };
      expect(byDomain.data.map((o) => o.id)).toEqual([ids[2]]);
      const bad = await h.call('GET', '/v1/orders?status=nope&limit=1000&cursor=zzz', { key });
      expect(bad.statusCode).toBe(422);
    });

    it('hides another reseller’s orders behind 404 on every order route', async () => {
      const a = await h.reseller({ topUp: 5000 });
      const b = await h.reseller({ topUp: 5000 });
      const order = (await place(a.key, orderBody())).json() as { id: string };
      for (const [method, url] of [
        ['GET', `/v1/orders/${order.id}`],
        ['GET', `/v1/orders/ord_doesnotexist`],
      ] as const) {
        const res = await h.call(method, url, { key: b.key });
        expect(res.statusCode).toBe(404);
        expect((res.json() as { error: { code: string } }).error.code).toBe('order.not_found');
      }
      const list = (await h.call('GET', '/v1/orders', { key: b.key })).json() as { data: unknown[] };
      expect(list.data).toEqual([]);
    });

    it('refuses a revoked key with 401 at once, and lists keys without secrets', async () => {
      const { key } = await h.reseller();
      const created = (await h.call('POST', '/v1/account/api-keys', { key, body: { name: 'ci' } })).json() as { id: string; apiKey: string; prefix: string };
      expect(created.apiKey.startsWith(created.prefix)).toBe(true);
      expect((await h.call('GET', '/v1/account', { key: created.apiKey })).statusCode).toBe(200);
      const listed = (await h.call('GET', '/v1/account/api-keys', { key })).json() as { data: Record<string, unknown>[] };
      expect(listed.data).toHaveLength(2);
      expect(JSON.stringify(listed)).not.toContain(created.apiKey);
      expect((await h.call('DELETE', `/v1/account/api-keys/${created.id}`, { key })).statusCode).toBe(200);
      const after = await h.call('GET', '/v1/orders', { key: created.apiKey });
      expect(after.statusCode).toBe(401);
      expect(after.json()).toMatchObject({ error: { code: 'auth.invalid_key' } });
      const stored = await h.platform.store.db.selectFrom('api_keys').select('key_hash').execute();
      expect(stored.map((r) => r.key_hash)).not.toContain(created.apiKey);
    });

    it('refuses the platform’s name or website in a reseller’s name and branding, which reach its customers', async () => {
      const { key } = await h.reseller();
      const branding = await h.call('PUT', '/v1/account/branding', { key, body: { displayName: 'Powered by CertBroker', website: 'https://portal.certbroker.test/x' } });
      expect(branding.statusCode).toBe(422);
      const fields = (branding.json() as { error: { fields: { path: string; code: string }[] } }).error.fields;
      expect(fields.map((f) => [f.path, f.code])).toEqual(expect.arrayContaining([['displayName', 'branding.platform_trace'], ['website', 'branding.platform_trace']]));
      const created = await h.call('POST', '/v1/staff/resellers', { key: h.staffKey, body: { name: 'certbroker resale', repEmail: 'rep@example.com' } });
      expect(created.statusCode).toBe(422);
      const ok = await h.call('PUT', '/v1/account/branding', { key, body: { displayName: 'Hosting Nord', primaryColor: '#00aa00' } });
      expect((ok.json() as { branding: unknown }).branding).toEqual({ displayName: 'Hosting Nord', primaryColor: '#00aa00' });
    });

    it('keeps reseller keys off staff routes and another reseller’s key id off revocation (404)', async () => {
      const a = await h.reseller();
      const b = await h.reseller();
      const keys = (await h.call('GET', '/v1/account/api-keys', { key: a.key })).json() as { data: { id: string }[] };
      expect((await h.call('DELETE', `/v1/account/api-keys/${keys.data[0]?.id}`, { key: b.key })).statusCode).toBe(404);
      expect((await h.call('GET', '/v1/staff/resellers', { key: a.key })).statusCode).toBe(404);
      expect((await h.call('GET', '/v1/orders', { key: h.staffKey })).statusCode).toBe(404);
    });
  });
}
