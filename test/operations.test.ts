/**
 * Operations (issue: failure drills … and operations, part 5): Prometheus metrics at /metrics read
 * from the database, a health check that reports the database, the queue and the relay, and JSON logs
 * that carry the request id, the order id and the job.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/cli/logging.js';
import { createHttpApp, createPlatform } from '../src/cli/platform.js';
import { FixedClock } from '../src/domain/clock.js';
import { startSmtpSink } from '../src/mail/sink.js';
import { createSmtpTransport } from '../src/mail/transport.js';
import { TEST_MAIL_DOMAIN, TEST_PLATFORM_NAME, TEST_PUBLIC_BASE_URL } from './support/platform.js';
import { DATABASES } from './support/databases.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody, uniqueDomain } from './support/orders.js';

/** One sample of the exposition text, e.g. `certbroker_orders{status="on_hold"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const db of DATABASES) {
  describe(`operations on ${db.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(db);
    });
    afterAll(async () => h?.close());

    it('exposes orders by status, the queue, holds and their age, suppliers and mail in the Prometheus text format', async () => {
      const { key } = await h.reseller({ topUp: 10_000 });
      await h.call('POST', '/v1/orders', { key, body: orderBody(), headers: { 'idempotency-key': `ops-${uniqueDomain()}` } });
      const lookAlike = `paypa1-login-${uniqueDomain()}`;
      await h.call('POST', '/v1/orders', { key, body: orderBody({}, lookAlike), headers: { 'idempotency-key': `ops-${lookAlike}` } });
      const before = await h.call('GET', '/metrics');
      expect(before.statusCode).toBe(200);
      expect(before.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(sample(before.body, 'certbroker_orders{status="received"}')).toBeGreaterThanOrEqual(2);
      expect(sample(before.body, 'certbroker_jobs{status="pending"}')).toBeGreaterThanOrEqual(2);

      await h.platform.runner.drain();
      h.clock.advance(3_600_000);
      const after = (await h.call('GET', '/metrics')).body;
      expect(sample(after, 'certbroker_orders{status="on_hold"}')).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'certbroker_orders{status="awaiting_validation"}')).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'certbroker_holds_waiting')).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'certbroker_holds_oldest_seconds')).toBeGreaterThanOrEqual(3600);
      expect(sample(after, 'certbroker_supplier_up{supplier="local-ca"}')).toBe(1);
      expect(sample(after, 'certbroker_mail{status="sent"}')).toBeGreaterThanOrEqual(1);
      expect(after).toMatch(/# TYPE certbroker_queue_oldest_due_seconds gauge/);
      // Every line is a comment or `name{labels} number`.
      for (const line of after.trim().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?\d+(\.\d+)?)$/);
    });

    it('answers the health check with the database, the queue and the relay, and says when the relay is silent', async () => {
      const healthy = await h.call('GET', '/healthz');
      expect(healthy.statusCode).toBe(200);
      expect(healthy.json()).toMatchObject({ status: 'ok', checks: { database: { ok: true }, queue: { ok: true }, relay: { ok: true } } });

      // Jobs due for longer than ten minutes: the queue is stalled (no worker runs).
      const { key } = await h.reseller({ topUp: 10_000 });
      await h.call('POST', '/v1/orders', { key, body: orderBody(), headers: { 'idempotency-key': `ops-stall-${uniqueDomain()}` } });
      h.clock.advance(11 * 60_000);
      const stalled = await h.call('GET', '/healthz');
      expect(stalled.statusCode).toBe(200);
      expect(stalled.json()).toMatchObject({ status: 'degraded', checks: { queue: { ok: false } } });
      expect((stalled.json() as { checks: { queue: { detail: string } } }).checks.queue.detail).toMatch(/jobs due, the oldest waiting \d+ s/);
      await h.platform.runner.drain();
    });

    it('asks for the metrics token when one is configured', async () => {
      const app = await createHttpApp(h.platform, { rateLimit: null, metricsToken: 'scrape-secret' });
      try {
        expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
        expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-secret!' } })).statusCode).toBe(401);
        expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-secret' } })).statusCode).toBe(200);
      } finally {
        await app.close();
      }
    });
  });
}

describe('the health check with the relay down', () => {
  it('reports the relay that does not greet, and stays up while the database answers', async () => {
    const h = await startHarness(DATABASES[0]!);
    try {
      await h.sink.close();
      const response = await h.call('GET', '/healthz');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 'degraded', checks: { database: { ok: true }, relay: { ok: false } } });
    } finally {
      await h.close();
    }
  });
});

describe('structured logs', () => {
  it('carry the request id on every request line, the order id on its routes, and job id, name and order id on every job line', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const store = await DATABASES[0]!.open();
    const sink = await startSmtpSink({ port: 0 });
    const platform = await createPlatform({
      store,
      clock: new FixedClock('2026-11-26T12:00:00Z'),
      logger: createLogger(stream),
      mail: {
        domain: TEST_MAIL_DOMAIN,
        dkimSelector: 's1',
        dkimPrivateKeyPem: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        replyKey: randomBytes(32),
        platformName: TEST_PLATFORM_NAME,
        publicBaseUrl: TEST_PUBLIC_BASE_URL,
        transport: createSmtpTransport(`smtp://127.0.0.1:${sink.port}`, TEST_MAIL_DOMAIN),
      },
      localCa: { encryptionKey: randomBytes(32), dcvPort: 0 },
      webhooksAllowPrivateTargets: true,
      jobs: { backoffMs: () => 1, maxAttempts: 5 },
    });
    const app = await createHttpApp(platform, { rateLimit: null, logger: true });
    try {
      const staff = await platform.accounts.createStaff({ email: 'logs@example.org' });
      const reseller = (await app.inject({ method: 'POST', url: '/v1/staff/resellers', headers: { authorization: `Bearer ${staff.apiKey.secret}` }, payload: { name: 'Logs', repEmail: 'rep@example.net' } })).json() as { id: string; apiKey: string };
      await app.inject({ method: 'POST', url: `/v1/staff/resellers/${reseller.id}/top-ups`, headers: { authorization: `Bearer ${staff.apiKey.secret}` }, payload: { amount: 10_000, reference: 'logs' } });
      const placed = await app.inject({ method: 'POST', url: '/v1/orders', headers: { authorization: `Bearer ${reseller.apiKey}`, 'idempotency-key': `logs-${uniqueDomain()}` }, payload: orderBody() });
      expect(placed.statusCode).toBe(201);
      const orderId = (placed.json() as { id: string }).id;
      expect((await app.inject({ method: 'GET', url: `/v1/orders/${orderId}`, headers: { authorization: `Bearer ${reseller.apiKey}` } })).statusCode).toBe(200);
      await platform.runner.drain();

      const requestLines = lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');
      expect(requestLines.length).toBeGreaterThanOrEqual(8);
      for (const line of requestLines) expect(line.reqId).toEqual(expect.any(String));
      const orderRoute = requestLines.filter((l) => (l.req as { url?: string } | undefined)?.url === `/v1/orders/${orderId}` || l.orderId !== undefined);
      expect(orderRoute.map((l) => l.msg).sort()).toEqual(['incoming request', 'request completed']);
      for (const line of orderRoute) expect(line.orderId).toBe(orderId);

      // The order's jobs as the queue knows them: each of their log lines must name the order.
      const orderJobs = new Set((await store.db.selectFrom('jobs').select('id').where(sql<string>`payload->>'orderId'`, '=', orderId).execute()).map((r) => Number(r.id)));
      const jobLines = lines.filter((l) => typeof l.jobId === 'number' && orderJobs.has(l.jobId));
      for (const line of jobLines) expect(line.orderId, `${String(line.job)} ${line.msg}`).toBe(orderId);
      expect(jobLines.map((l) => l.job)).toEqual(expect.arrayContaining(['order.screen', 'supplier.submit']));
      for (const job of new Set(jobLines.map((l) => l.jobId))) {
        const own = jobLines.filter((l) => l.jobId === job);
        expect(own.map((l) => l.msg)).toEqual(['job started', 'job finished']);
        expect(own[1]).toMatchObject({ job: own[0]!.job, orderId, attempt: 1, durationMs: expect.any(Number) });
      }
    } finally {
      await app.close();
      await platform.close();
      await sink.close();
      await store.close();
    }
  });
});
