import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { FixedClock } from '../../src/domain/clock.js';
import type { RateLimitConfig } from '../../src/http/app.js';
import { createHttpApp, type Platform } from '../../src/cli/platform.js';
import type { SmtpSink } from '../../src/mail/sink.js';
import type { TestDatabase } from './databases.js';
import { startTestPlatform } from './platform.js';

/** A platform on a fresh database with a frozen clock, driven through its real HTTP app (in-process). */
export interface Harness {
  readonly platform: Platform;
  /** Where the platform's mail arrives, over real SMTP. */
  readonly sink: SmtpSink;
  readonly app: FastifyInstance;
  readonly clock: FixedClock;
  readonly staffKey: string;
  /** Sends a request with an API key; `body` is sent as JSON unless `rawBody` is given. */
  call(method: string, url: string, options?: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  /** Creates a reseller through the staff API and tops it up; returns its id and key. */
  reseller(options?: { topUp?: number; currency?: string; creditLimit?: number }): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

export async function startHarness(db: TestDatabase, options: { rateLimit?: RateLimitConfig | null; platform?: Parameters<typeof startTestPlatform>[2] } = {}): Promise<Harness> {
  const store = await db.open();
  const clock = new FixedClock('2026-11-26T12:00:00Z');
  const { platform, sink, close: closePlatform } = await startTestPlatform(store, clock, options.platform);
  const app = await createHttpApp(platform, { rateLimit: options.rateLimit ?? null });
  const staff = await platform.accounts.createStaff({ email: `staff${Date.now()}@example.org` });
  const staffKey = staff.apiKey.secret;

  const call: Harness['call'] = (method, url, o = {}) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(o.key !== undefined && { authorization: `Bearer ${o.key}` }),
        ...((o.body !== undefined || o.rawBody !== undefined) && { 'content-type': 'application/json' }),
        ...o.headers,
      },
      ...(o.rawBody !== undefined ? { payload: o.rawBody } : o.body !== undefined ? { payload: JSON.stringify(o.body) } : {}),
    });

  let count = 0;
  const reseller: Harness['reseller'] = async (r = {}) => {
    count += 1;
    const created = await call('POST', '/v1/staff/resellers', {
      key: staffKey,
      body: { name: `Reseller ${count}`, repEmail: `rep${count}@example.net`, currency: r.currency ?? 'EUR', creditLimit: r.creditLimit ?? 0 },
    });
    if (created.statusCode !== 201) throw new Error(`reseller create failed: ${created.body}`);
    const { id, apiKey } = created.json() as { id: string; apiKey: string };
    if (r.topUp !== undefined && r.topUp > 0) {
      const topUp = await call('POST', `/v1/staff/resellers/${id}/top-ups`, { key: staffKey, body: { amount: r.topUp, reference: `seed-${id}` } });
      if (topUp.statusCode !== 201) throw new Error(`top-up failed: ${topUp.body}`);
    }
    return { id, key: apiKey };
  };

  return {
    platform,
    sink,
    app,
    clock,
    staffKey,
    call,
    reseller,
    close: async () => {
      await app.close();
      await closePlatform();
      await store.close();
    },
  };
}
