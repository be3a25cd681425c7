/**
 * Horizontal scale (issue: failure drills … horizontal scale): exactly the README's production shape —
 * two `serve` and two `worker` processes of the real CLI against one PostgreSQL — under a load of
 * orders placed through both servers. Every order is processed once (one certificate, one Message-ID
 * per logical email, one id per webhook event), and the per-key rate limit holds across the servers.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../src/mail/sink.js';
import type { Store } from '../src/store/database.js';
import { openPostgres, POSTGRES_AVAILABLE } from './support/databases.js';
import { orderBody, uniqueDomain } from './support/orders.js';
import { freePort } from './support/pebble.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';
import { approveArrived, cliJson, processSecrets, productionEnv, spawnRole, stopProcess, until } from './support/processes.js';
const ORDERS = 40;
/** Requests per key per window: the rate-limit check spends exactly this many, split over both servers. */
const RATE_LIMIT = 100;

describe.skipIf(!POSTGRES_AVAILABLE)('two serve and two worker processes on one PostgreSQL', () => {
  let store: Store & { url: string };
  let sink: SmtpSink;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let dataDir: string;
  const processes: ChildProcess[] = [];
  const servers: string[] = [];
  const secrets = processSecrets();


  function start(role: 'serve' | 'worker', env: Record<string, string>): ChildProcess {
    const child = spawnRole(role, {
      ...productionEnv({ databaseUrl: store.url, smtpPort: sink.port, dataDir, secrets }),
      INBOUND_SMTP_PORT: '0',
      RATE_LIMIT_MAX: String(RATE_LIMIT),
      // An hour: the rate-limit check's burst cannot straddle a window's end in practice.
      RATE_LIMIT_WINDOW_MS: '3600000',
      ...env,
    });
    processes.push(child);
    return child;
  }

  beforeAll(async () => {
    store = await openPostgres();
    sink = await startSmtpSink({ port: 0 });
    hooks = await startWebhookReceiver();
    dataDir = mkdtempSync(join(tmpdir(), 'cb-scale-'));
    const dcvPorts = [await freePort(), await freePort()];
    const dcvPublicUrl = `http://127.0.0.1:${dcvPorts[0]}`;
    for (const dcvPort of dcvPorts) {
      const port = await freePort();
      start('serve', { PORT: String(port), DCV_PORT: String(dcvPort), DCV_PUBLIC_URL: dcvPublicUrl });
      servers.push(`http://127.0.0.1:${port}`);
    }
    for (let i = 0; i < 2; i += 1) start('worker', { DCV_PUBLIC_URL: dcvPublicUrl, JOB_LEASE_MS: '5000' });
    for (const server of servers) {
      await until(`${server} to answer`, async () => ((await fetch(`${server}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined), 90_000);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map((child) => stopProcess(child)));
    await store?.close();
    await sink?.close();
    await hooks?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(server: string, method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${server}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  }

  it('processes every order placed through either server exactly once', async () => {
    const [a, b] = servers as [string, string];
    // The operator's first steps, through the API of either server.
    const staffKey = await createStaffKey(store, secrets);
    const created = (await (await call(a, 'POST', '/v1/staff/resellers', staffKey, { name: 'Scale Hosting', repEmail: 'rep@example.net' })).json()) as { id: string; apiKey: string };
    expect((await call(b, 'POST', `/v1/staff/resellers/${created.id}/top-ups`, staffKey, { amount: ORDERS * 900, reference: 'scale' })).status).toBe(201);
    expect((await call(a, 'PUT', '/v1/account/webhook', created.apiKey, { url: hooks.url })).status).toBe(200);

    const domains = Array.from({ length: ORDERS }, () => uniqueDomain());
    const placed = await Promise.all(
      domains.map(async (domain, i) => {
        const server = i % 2 === 0 ? a : b;
        const response = await call(server, 'POST', '/v1/orders', created.apiKey, orderBody({}, domain), { 'idempotency-key': domain });
        expect(response.status, await response.clone().text()).toBe(201);
        return ((await response.json()) as { id: string }).id;
      }),
    );

    // Each approver approves as the email arrives; either server's validation site would do.
    const approved = new Set<string>();
    await until('every order approved', async () => {
      await approveArrived(sink, approved);
      return approved.size >= ORDERS || undefined;
    });
    let progress = '';
    await until('every order issued and every email and event delivered', async () => {
      const rows = await store.db.selectFrom('orders').select(['id', 'status']).where('id', 'in', placed).execute();
      const open = await sql<{ n: string }>`select count(*)::text as n from jobs where status in ('pending', 'running')`.execute(store.db);
      const undelivered = await sql<{ n: string }>`select count(*)::text as n from webhook_events e where not exists (select 1 from webhook_deliveries d where d.event_id = e.id and d.status_code between 200 and 299)`.execute(store.db);
      progress = `${rows.filter((r) => r.status === 'issued').length} of ${ORDERS} issued (others: ${JSON.stringify(rows.filter((r) => r.status !== 'issued'))}), ${open.rows[0]?.n} jobs open, ${undelivered.rows[0]?.n} events undelivered`;
      return rows.every((r) => r.status === 'issued') && Number(open.rows[0]?.n) === 0 && Number(undelivered.rows[0]?.n) === 0 ? true : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}: ${progress}`);
    });

    const certificates = await sql<{ n: string }>`select count(*)::text as n from certificates group by order_id`.execute(store.db);
    expect(certificates.rows).toHaveLength(ORDERS);
    expect(certificates.rows.every((r) => r.n === '1')).toBe(true);
    const debits = await sql<{ n: string }>`select count(*)::text as n from ledger_entries where kind = 'order_debit' group by order_id`.execute(store.db);
    expect(debits.rows).toHaveLength(ORDERS);
    expect(debits.rows.every((r) => r.n === '1')).toBe(true);
    expect(await store.db.selectFrom('jobs').select('id').where('status', '=', 'dead').execute()).toEqual([]);

    // One logical email, one Message-ID, however many workers raced for it.
    const outbox = await store.db.selectFrom('mail_outbox').select(['message_id']).execute();
    expect(outbox).toHaveLength(ORDERS * 4);
    const perEmail = new Map<string, Set<string>>();
    for (const m of sink.messages()) {
      const logical = `${m.subject}|${m.to.join(',')}`;
      perEmail.set(logical, (perEmail.get(logical) ?? new Set()).add(m.messageId ?? ''));
    }
    expect(perEmail.size).toBe(ORDERS * 4);
    expect([...perEmail.values()].every((ids) => ids.size === 1)).toBe(true);
    const perEvent = new Map<string, Set<string>>();
    for (const w of hooks.received) {
      const logical = `${String(w.json.data.orderId)}|${w.json.type}`;
      perEvent.set(logical, (perEvent.get(logical) ?? new Set()).add(w.id));
    }
    expect([...perEvent.values()].every((ids) => ids.size === 1)).toBe(true);

    // Money moved once per order: the balance bought exactly these orders.
    const balance = (await (await call(b, 'GET', '/v1/account', created.apiKey)).json()) as { balance: { amount: number } };
    expect(balance.balance.amount).toBe(0);
  }, 240_000);

  it('counts one API key’s requests across both servers against one limit', async () => {
    const [a, b] = servers as [string, string];
    const staffKey = await createStaffKey(store, secrets);
    const created = (await (await call(a, 'POST', '/v1/staff/resellers', staffKey, { name: 'Busy Hosting', repEmail: 'rep@example.net' })).json()) as { apiKey: string };
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT; i += 1) statuses.push((await call(i % 2 === 0 ? a : b, 'GET', '/v1/account', created.apiKey)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // Each server alone has seen half the limit; together they have seen all of it.
    for (const server of [a, b]) {
      const over = await call(server, 'GET', '/v1/account', created.apiKey);
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  }, 60_000);
});

/** A staff API key, made the way `certbroker staff create` does against PostgreSQL. */
async function createStaffKey(store: Store & { url: string }, env: Record<string, string>): Promise<string> {
  const email = `ops-${randomBytes(4).toString('hex')}@example.org`;
  return (await cliJson<{ apiKey: string }>({ ...process.env, ...env, DATABASE_URL: store.url }, ['staff', 'create', '--email', email, '--json'])).apiKey;
}
