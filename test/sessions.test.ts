import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortalService } from '../src/accounts/portal.service.js';
import { createHttpApp } from '../src/cli/platform.js';
import { CertbrokerError } from '../src/domain/errors.js';
import { DATABASES } from './support/databases.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody } from './support/orders.js';

const PASSWORD = 'correct horse battery staple';

/** A browser's view of a session: the cookie it holds and the CSRF token the app read from the API. */
interface Browser {
  readonly cookie: string;
  readonly csrf: string;
}

const errorOf = (res: LightMyRequestResponse) => (res.json() as { error: { code: string; message: string; fields: unknown[] } }).error;

for (const db of DATABASES) {
  describe(`portal sessions on ${db.name}`, () => {
    let h: Harness;
    let resellerA: { id: string; key: string };
    let resellerB: { id: string; key: string };
    let n = 0;

    /** Calls with the session cookie (and its CSRF token unless told otherwise), as the web app does. */
    const call = (browser: Browser, method: string, url: string, o: { body?: unknown; csrf?: string | null; headers?: Record<string, string> } = {}) =>
      h.app.inject({
        method: method as 'GET',
        url,
        headers: {
          cookie: browser.cookie,
          ...(o.csrf !== null && { 'x-csrf-token': o.csrf ?? browser.csrf }),
          ...(o.body !== undefined && { 'content-type': 'application/json' }),
          ...o.headers,
        },
        ...(o.body !== undefined && { payload: JSON.stringify(o.body) }),
      });

    const signIn = async (email: string, password = PASSWORD): Promise<Browser> => {
      const res = await h.call('POST', '/v1/session', { body: { email, password } });
      expect(res.statusCode, res.body).toBe(201);
      const setCookie = String(res.headers['set-cookie']);
      return { cookie: setCookie.split(';')[0] as string, csrf: (res.json() as { csrfToken: string }).csrfToken };
    };

    const ownerOf = async (resellerId: string) => {
      n += 1;
      const email = `owner${n}@reseller.example.com`;
      await h.platform.portal.createOwner(resellerId, { email, password: PASSWORD });
      return email;
    };

    beforeAll(async () => {
      h = await startHarness(db);
      resellerA = await h.reseller({ topUp: 10_000 });
      resellerB = await h.reseller({ topUp: 10_000 });
    });
    afterAll(async () => h?.close());

    it('signs in with an HttpOnly, SameSite cookie and describes the session with its CSRF token', async () => {
      const email = await ownerOf(resellerA.id);
      const res = await h.call('POST', '/v1/session', { body: { email: email.toUpperCase(), password: PASSWORD } });
      expect(res.statusCode).toBe(201);
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/^session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
      const body = res.json() as { user: { email: string; role: string }; account: { kind: string; id: string; name: string }; csrfToken: string };
      expect(body.user).toMatchObject({ email, role: 'owner' });
      expect(body.account).toEqual({ kind: 'reseller', id: resellerA.id, name: 'Reseller 1' });
      const browser = { cookie: setCookie.split(';')[0] as string, csrf: body.csrfToken };
      const again = (await call(browser, 'GET', '/v1/session')).json() as { csrfToken: string };
      expect(again.csrfToken).toBe(body.csrfToken);
      // The token is not in any store: nothing about the session but its hash is kept.
      const rows = await h.platform.store.db.selectFrom('portal_sessions').select(['token_hash']).execute();
      expect(JSON.stringify(rows)).not.toContain(browser.cookie.split('=')[1]);
    });

    it('marks the cookie Secure, with the __Host- prefix, when the public URL is https', async () => {
      const email = await ownerOf(resellerA.id);
      const app = await createHttpApp(h.platform, { rateLimit: null, secureCookies: true });
      try {
        const res = await app.inject({ method: 'POST', url: '/v1/session', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email, password: PASSWORD }) });
        expect(String(res.headers['set-cookie'])).toMatch(/^__Host-session=[^;]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax; Secure$/);
      } finally {
        await app.close();
      }
    });

    it('refuses a wrong password and an unknown address with the same answer', async () => {
      const email = await ownerOf(resellerA.id);
      const wrong = await h.call('POST', '/v1/session', { body: { email, password: 'not the password at all' } });
      const unknown = await h.call('POST', '/v1/session', { body: { email: 'nobody@reseller.example.com', password: PASSWORD } });
      for (const res of [wrong, unknown]) {
        expect(res.statusCode).toBe(401);
        expect(errorOf(res)).toEqual({ code: 'session.invalid_credentials', message: expect.any(String), fields: [] });
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      expect((await h.call('GET', '/v1/session')).statusCode).toBe(401);
    });

    it('authenticates a cookie exactly as the account’s API key on the same routes', async () => {
      const browser = await signIn(await ownerOf(resellerA.id));
      const byCookie = await call(browser, 'GET', '/v1/account');
      const byKey = await h.call('GET', '/v1/account', { key: resellerA.key });
      expect(byCookie.statusCode).toBe(200);
      expect(byCookie.json()).toEqual(byKey.json());

      const body = orderBody();
      const validated = (await call(browser, 'POST', '/v1/orders/validate', { body })).json() as { valid: boolean; price: unknown };
      expect(validated).toMatchObject({ valid: true, price: { amount: 900, currency: 'EUR' } });
      const placed = await call(browser, 'POST', '/v1/orders', { body, headers: { 'idempotency-key': `cookie-${Date.now()}` } });
      expect(placed.statusCode, placed.body).toBe(201);
      const id = (placed.json() as { id: string }).id;
      const seenByKey = await h.call('GET', `/v1/orders/${id}`, { key: resellerA.key });
      expect(seenByKey.statusCode).toBe(200);
      expect((seenByKey.json() as { events: { actor: { type: string } }[] }).events[0]?.actor.type).toBe('reseller');
    });

    it('refuses unsafe cookie requests without the CSRF token with 403 in the one error shape; API keys need none', async () => {
      const browser = await signIn(await ownerOf(resellerA.id));
      const missing = await call(browser, 'POST', '/v1/orders/validate', { body: {}, csrf: null });
      expect(missing.statusCode).toBe(403);
      expect(errorOf(missing)).toEqual({ code: 'session.csrf', message: expect.stringContaining('X-CSRF-Token'), fields: [] });
      const forged = await call(browser, 'POST', '/v1/orders/validate', { body: {}, csrf: 'A'.repeat(43) });
      expect(forged.statusCode).toBe(403);
      const other = await signIn(await ownerOf(resellerA.id));
      expect((await call(browser, 'POST', '/v1/orders/validate', { body: {}, csrf: other.csrf })).statusCode).toBe(403);
      expect((await call(browser, 'DELETE', '/v1/session', { csrf: null })).statusCode).toBe(403);
      expect((await call(browser, 'GET', '/v1/orders', { csrf: null })).statusCode).toBe(200);
      expect((await h.call('POST', '/v1/orders/validate', { key: resellerA.key, body: {} })).statusCode).toBe(200);
    });

    it('signs out at once: the cookie is cleared and the old cookie no longer works', async () => {
      const browser = await signIn(await ownerOf(resellerA.id));
      const out = await call(browser, 'DELETE', '/v1/session');
      expect(out.statusCode).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/^session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax$/);
      const after = await call(browser, 'GET', '/v1/account');
      expect(after.statusCode).toBe(401);
      expect(errorOf(after).code).toBe('session.expired');
      expect((await call(browser, 'GET', '/v1/session')).statusCode).toBe(401);
      expect((await call(browser, 'DELETE', '/v1/session')).statusCode).toBe(204);
    });

    it("answers another reseller's order with 404 for a session, like for a key", async () => {
      const placed = await h.call('POST', '/v1/orders', { key: resellerB.key, body: orderBody(), headers: { 'idempotency-key': `b-${Date.now()}` } });
      const id = (placed.json() as { id: string }).id;
      const browser = await signIn(await ownerOf(resellerA.id));
      const res = await call(browser, 'GET', `/v1/orders/${id}`);
      expect(res.statusCode).toBe(404);
      expect(errorOf(res).code).toBe('order.not_found');
      expect((await call(browser, 'GET', `/v1/orders/${id}/certificate?format=pem`)).statusCode).toBe(404);
      expect((await call(browser, 'POST', `/v1/orders/${id}/cancel`, { body: {} })).statusCode).toBe(404);
    });

    it('keeps staff sessions on staff routes and reseller sessions on reseller routes', async () => {
      const staff = await h.platform.accounts.createStaff({ email: `console${Date.now()}@example.org` });
      n += 1;
      const staffEmail = `staffer${n}@example.org`;
      await h.platform.portal.createStaffUser(staff.id, { email: staffEmail, password: PASSWORD });
      const staffBrowser = await signIn(staffEmail);
      const view = (await call(staffBrowser, 'GET', '/v1/session')).json() as { account: { kind: string }; user: { role: string } };
      expect(view).toMatchObject({ account: { kind: 'staff' }, user: { role: 'staff' } });
      expect((await call(staffBrowser, 'GET', '/v1/staff/holds')).statusCode).toBe(200);
      const dashboard = await call(staffBrowser, 'GET', '/v1/staff/dashboard');
      expect(dashboard.statusCode).toBe(200);
      expect((dashboard.json() as { ordersByStatus: Record<string, number> }).ordersByStatus).toHaveProperty('on_hold');
      for (const url of ['/v1/account', '/v1/orders', '/v1/account/users']) expect((await call(staffBrowser, 'GET', url)).statusCode).toBe(404);
      expect((await call(staffBrowser, 'POST', '/v1/orders/validate', { body: {} })).statusCode).toBe(404);

      const resellerBrowser = await signIn(await ownerOf(resellerA.id));
      for (const url of ['/v1/staff/holds', '/v1/staff/dashboard', '/v1/staff/resellers']) expect((await call(resellerBrowser, 'GET', url)).statusCode).toBe(404);
      expect((await call(resellerBrowser, 'POST', `/v1/staff/resellers/${resellerA.id}/top-ups`, { body: { amount: 100, reference: 'self-service' } })).statusCode).toBe(404);
    });

    it("lets the account's owners manage its users; members may not, and a removed user's sessions end", async () => {
      const owner = await signIn(await ownerOf(resellerA.id));
      const memberEmail = `member${Date.now()}@reseller.example.com`;
      expect((await call(owner, 'POST', '/v1/account/users', { body: { email: memberEmail, password: 'short' } })).statusCode).toBe(422);
      const created = await call(owner, 'POST', '/v1/account/users', { body: { email: memberEmail, password: PASSWORD, role: 'member' } });
      expect(created.statusCode, created.body).toBe(201);
      const memberId = (created.json() as { id: string }).id;
      expect((await call(owner, 'POST', '/v1/account/users', { body: { email: memberEmail, password: PASSWORD } })).statusCode).toBe(409);
      const list = (await call(owner, 'GET', '/v1/account/users')).json() as { data: { email: string; role: string }[] };
      expect(list.data).toContainEqual(expect.objectContaining({ email: memberEmail, role: 'member' }));

      const member = await signIn(memberEmail);
      expect((await call(member, 'GET', '/v1/account')).statusCode).toBe(200);
      const refused = await call(member, 'GET', '/v1/account/users');
      expect(refused.statusCode).toBe(403);
      expect(errorOf(refused).code).toBe('user.owner_only');

      const otherOwner = await signIn(await ownerOf(resellerB.id));
      expect((await call(otherOwner, 'DELETE', `/v1/account/users/${memberId}`)).statusCode).toBe(404);
      const ownerId = ((await call(owner, 'GET', '/v1/session')).json() as { user: { id: string } }).user.id;
      expect((await call(owner, 'DELETE', `/v1/account/users/${ownerId}`)).statusCode).toBe(409);
      expect((await call(owner, 'DELETE', `/v1/account/users/${memberId}`)).statusCode).toBe(200);
      expect((await call(member, 'GET', '/v1/account')).statusCode).toBe(401);
    });

    it('locks an address after repeated failed sign-ins, known or not, and unlocks it after the lock', async () => {
      const portal = new PortalService({ db: h.platform.store.db, clock: h.clock, throttle: { maxFailures: 3, windowMs: 60 * 60_000, lockMs: 15 * 60_000 } });
      const email = await ownerOf(resellerA.id);
      const codeOf = (promise: Promise<unknown>) => promise.then(() => 'signed in', (e: unknown) => (e instanceof CertbrokerError ? `${e.kind}:${e.code}` : String(e)));
      const start = h.clock.now();
      for (const address of [email, 'nobody-here@reseller.example.com']) {
        for (let i = 0; i < 3; i += 1) expect(await codeOf(portal.signIn({ email: address, password: 'wrong password, try again' }))).toBe('unauthorized:session.invalid_credentials');
        // Locked: even the right password is not checked now.
        expect(await codeOf(portal.signIn({ email: address, password: PASSWORD }))).toBe('rate_limited:session.throttled');
      }
      h.clock.advance(15 * 60_000);
      expect(await codeOf(portal.signIn({ email, password: PASSWORD }))).toBe('signed in');
      // A success forgets earlier failures; failures older than the window do not add up.
      expect(await codeOf(portal.signIn({ email, password: 'wrong password, try again' }))).toBe('unauthorized:session.invalid_credentials');
      h.clock.advance(61 * 60_000);
      for (let i = 0; i < 2; i += 1) await codeOf(portal.signIn({ email, password: 'wrong password, try again' }));
      expect(await codeOf(portal.signIn({ email, password: PASSWORD }))).toBe('signed in');
      h.clock.set(start);
    });

    it('ends a session twelve hours after sign-in', async () => {
      const browser = await signIn(await ownerOf(resellerA.id));
      const start = h.clock.now();
      h.clock.advance(12 * 60 * 60 * 1000 - 1000);
      expect((await call(browser, 'GET', '/v1/account')).statusCode).toBe(200);
      h.clock.advance(1000);
      expect((await call(browser, 'GET', '/v1/account')).statusCode).toBe(401);
      h.clock.set(start);
    });
  });
}
