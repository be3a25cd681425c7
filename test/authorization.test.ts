/**
 * The authorization matrix (issue: failure drills … authorization matrix): every route of the OpenAPI
 * document — so a new route cannot escape — called with no credentials, a revoked key, another
 * reseller's key, a portal session without its CSRF token, a staff key and the owner's own session,
 * each answer checked against the table below. Resources in the paths belong to reseller A.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './support/databases.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody } from './support/orders.js';

type Credential = 'none' | 'revoked key' | 'other reseller' | 'session without CSRF' | 'staff key';
type Kind = 'public' | 'reseller' | 'staff';

/** Routes anyone may call: signing in, and reading whether one is signed in. */
const PUBLIC = new Set(['POST /v1/session', 'GET /v1/session', 'DELETE /v1/session']);
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function kindOf(route: string): Kind {
  if (PUBLIC.has(route)) return 'public';
  return route.split(' ')[1]!.startsWith('/v1/staff/') ? 'staff' : 'reseller';
}

/**
 * The table: what each credential must get on each kind of route. A number is the status; `in` means
 * let in (anything but 401, 403 and 5xx: what follows is the route's business); `any` is for public
 * routes, which answer for themselves (no 5xx).
 */
type Expectation = number | 'in' | 'any';

function expected(kind: Kind, method: string, path: string, credential: Credential): Expectation {
  // Signing out by cookie is an unsafe request like any other; signing in has no session to protect yet.
  if (kind === 'public') return credential === 'session without CSRF' && method === 'DELETE' ? 403 : 'any';
  const namesAResource = path.includes('{');
  switch (credential) {
    case 'none':
    case 'revoked key':
      return 401;
    case 'other reseller':
      // A staff route, or another reseller's thing: it does not exist for this caller. Its own account is its own.
      return kind === 'staff' || namesAResource ? 404 : 'in';
    case 'session without CSRF':
      // Checked before anything else: no unsafe request is carried out by a cookie alone.
      if (UNSAFE.has(method)) return 403;
      return kind === 'staff' ? 404 : 'in';
    case 'staff key':
      return kind === 'staff' ? 'in' : 404;
  }
}

/** The OpenAPI document's operations as `METHOD /path/{param}`. */
async function routesOf(h: Harness): Promise<string[]> {
  const document = (await h.call('GET', '/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations)
      .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

for (const db of DATABASES) {
  describe(`the authorization matrix on ${db.name}`, () => {
    let h: Harness;
    let ids: Record<string, string>;
    const keys = {} as Record<'a' | 'b' | 'revoked', string>;
    let session: { cookie: string; csrf: string };

    beforeAll(async () => {
      h = await startHarness(db);
      const a = await h.reseller({ topUp: 10_000 });
      const b = await h.reseller({ topUp: 10_000 });
      keys.a = a.key;
      keys.b = b.key;
      const order = (await h.call('POST', '/v1/orders', { key: a.key, body: orderBody(), headers: { 'idempotency-key': 'matrix-order' } })).json() as { id: string };
      await h.platform.runner.drain();
      const extra = (await h.call('POST', '/v1/account/api-keys', { key: a.key, body: { name: 'to revoke' } })).json() as { id: string; apiKey: string };
      keys.revoked = extra.apiKey;
      expect((await h.call('DELETE', `/v1/account/api-keys/${extra.id}`, { key: a.key })).statusCode).toBe(200);
      const spare = (await h.call('POST', '/v1/account/api-keys', { key: a.key, body: { name: 'spare' } })).json() as { id: string };
      const user = (await h.call('POST', '/v1/account/users', { key: a.key, body: { email: 'matrix-owner@reseller.example.com', password: 'correct horse battery staple', role: 'owner' } })).json() as { id: string };
      const signedIn = await h.call('POST', '/v1/session', { body: { email: 'matrix-owner@reseller.example.com', password: 'correct horse battery staple' } });
      expect(signedIn.statusCode, signedIn.body).toBe(201);
      session = { cookie: String(signedIn.headers['set-cookie']).split(';')[0]!, csrf: (signedIn.json() as { csrfToken: string }).csrfToken };
      // Every path parameter names one of reseller A's things (or the reseller itself).
      ids = { id: order.id, orderId: order.id, docId: 'doc_unknown', keyId: spare.id, userId: user.id, resellerId: a.id };
      ids.apiKey = spare.id;
      void b;
    });
    afterAll(async () => h?.close());

    function pathFor(route: string): string {
      const path = route.split(' ')[1]!;
      return path.replace(/\{(\w+)\}/g, (_, name: string) => {
        if (path.startsWith('/v1/account/api-keys')) return ids.keyId!;
        if (path.startsWith('/v1/account/users')) return ids.userId!;
        if (path.startsWith('/v1/staff/resellers')) return ids.resellerId!;
        return ids[name] ?? ids.id!;
      });
    }

    async function callAs(credential: Credential, route: string): Promise<LightMyRequestResponse> {
      const method = route.split(' ')[0]!;
      const unsafe = UNSAFE.has(method);
      const headers: Record<string, string> = {};
      switch (credential) {
        case 'none':
          break;
        case 'revoked key':
          headers.authorization = `Bearer ${keys.revoked}`;
          break;
        case 'other reseller':
          headers.authorization = `Bearer ${keys.b}`;
          break;
        case 'session without CSRF':
          headers.cookie = session.cookie;
          break;
        case 'staff key':
          headers.authorization = `Bearer ${h.staffKey}`;
          break;
      }
      return h.app.inject({
        method: method as 'GET',
        url: pathFor(route),
        headers: { ...headers, ...(unsafe && { 'content-type': 'application/json', 'idempotency-key': `matrix-${credential}` }) },
        ...(unsafe && { payload: '{}' }),
      });
    }

    it('reads every route from the OpenAPI document, reseller and staff routes among them', async () => {
      const routes = await routesOf(h);
      expect(routes.length).toBeGreaterThan(50);
      for (const route of ['POST /v1/orders', 'GET /v1/orders/{id}', 'POST /v1/orders/{id}/documents', 'GET /v1/staff/holds', 'POST /v1/staff/suppliers/incidents/{id}/resolve']) {
        expect(routes).toContain(route);
      }
    });

    it('answers each credential on each route as the table says', async () => {
      const routes = await routesOf(h);
      const credentials: Credential[] = ['none', 'revoked key', 'other reseller', 'session without CSRF', 'staff key'];
      const wrong: string[] = [];
      for (const route of routes) {
        const kind = kindOf(route);
        for (const credential of credentials) {
          const response = await callAs(credential, route);
          const [method, path] = route.split(' ') as [string, string];
          const want = expected(kind, method, path, credential);
          const ok =
            want === 'any' ? response.statusCode < 500 : want === 'in' ? ![401, 403].includes(response.statusCode) && response.statusCode < 500 : response.statusCode === want;
          if (!ok) wrong.push(`${route} as ${credential}: ${response.statusCode} (want ${want}) ${response.body.slice(0, 160)}`);
          if (response.statusCode >= 400) {
            const body = response.json() as { error?: { code?: unknown; message?: unknown } };
            if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') wrong.push(`${route} as ${credential}: ${response.statusCode} without the error shape`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });

    it('left reseller A’s things as they were', async () => {
      const order = (await h.call('GET', `/v1/orders/${ids.id}`, { key: keys.a })).json() as { status: string };
      expect(order.status).toBe('awaiting_validation');
      const apiKeys = (await h.call('GET', '/v1/account/api-keys', { key: keys.a })).json() as { data: { id: string; revokedAt: string | null }[] };
      expect(apiKeys.data.find((k) => k.id === ids.keyId)?.revokedAt ?? null).toBeNull();
      const users = (await h.call('GET', '/v1/account/users', { key: keys.a })).json() as { data: { id: string }[] };
      expect(users.data.map((u) => u.id)).toContain(ids.userId);
    });
  });
}
