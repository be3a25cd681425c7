import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { systemClock } from '../src/domain/clock.js';
import { createHttpApp, createPlatform, type Platform } from '../src/cli/platform.js';
import { startSmtpSink, type SmtpSink } from '../src/mail/sink.js';
import type { FastifyInstance } from 'fastify';
import { openPostgres, POSTGRES_AVAILABLE } from './support/databases.js';
import { orderBody, uniqueDomain } from './support/orders.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';
import { approveArrived, processSecrets, productionEnv, spawnRole, until } from './support/processes.js';
import type { Store } from '../src/store/database.js';

const ORDERS = 24;

function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

// Several processes share one database: PostgreSQL only (DESIGN.md).
describe.skipIf(!POSTGRES_AVAILABLE)('a worker killed mid-batch on postgres', () => {
  let store: Store & { url: string };
  let platform: Platform;
  let app: FastifyInstance;
  let sink: SmtpSink;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let dataDir: string;
  let dcvPort: number;
  const secrets = processSecrets();


  beforeAll(async () => {
    store = await openPostgres();
    sink = await startSmtpSink({ port: 0 });
    hooks = await startWebhookReceiver();
    dataDir = mkdtempSync(join(tmpdir(), 'cb-crash-'));
    dcvPort = await freePort();
    // This process plays `serve`: the API and the embedded CA's validation site, no job runner.
    platform = await createPlatform({
      store,
      clock: systemClock,
      mail: {
        domain: 'mail.example.net',
        dkimSelector: 's1',
        dkimPrivateKeyPem: secrets.DKIM_PRIVATE_KEY,
        replyKey: Buffer.from(secrets.REPLY_SIGNING_KEY, 'base64'),
        platformName: 'certbroker',
        publicBaseUrl: 'https://portal.certbroker.test',
      },
      localCa: { encryptionKey: Buffer.from(secrets.CA_KEY_ENCRYPTION_KEY, 'base64'), dcvPort },
      webhooksAllowPrivateTargets: true,
    });
    app = await createHttpApp(platform, { rateLimit: null });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
    await store?.close();
    await sink?.close();
    await hooks?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function worker(): ChildProcess {
    return spawnRole('worker', {
      ...productionEnv({ databaseUrl: store.url, smtpPort: sink.port, dataDir, secrets }),
      // A killed worker's jobs are taken over once their lease ends: short here, so the test is quick.
      JOB_LEASE_MS: '2000',
      DCV_PUBLIC_URL: `http://127.0.0.1:${dcvPort}`,
    });
  }

  it('resumes after SIGKILL: every order issued with one certificate, one Message-ID per email, one id per event', async () => {
    const staff = await platform.accounts.createStaff({ email: 'crash@example.org' });
    const created = await platform.accounts.createReseller({ name: 'Crash Test Hosting', repEmail: 'rep@example.net' });
    await platform.accounts.topUp({ type: 'staff', id: staff.id }, created.reseller.id, { amount: ORDERS * 900, reference: 'crash' });
    await platform.webhooks.configure(created.reseller.id, { url: hooks.url });
    const key = created.apiKey.secret;
    const domains = Array.from({ length: ORDERS }, () => uniqueDomain());
    const ids: string[] = [];
    for (const domain of domains) {
      const res = await app.inject({ method: 'POST', url: '/v1/orders', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': domain }, payload: JSON.stringify(orderBody({}, domain)) });
      expect(res.statusCode).toBe(201);
      ids.push((res.json() as { id: string }).id);
    }

    // The first worker gets part of the way, then dies without any chance to clean up.
    const first = worker();
    await until('the first worker to be busy', async () => ((await platform.jobAdmin.counts()).done ?? 0) >= ORDERS / 2 || undefined);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    const second = worker();
    try {
      // Approve every order as its approval email arrives (the customer clicking the link).
      const approved = new Set<string>();
      await until(
        'every order approved',
        async () => {
          await approveArrived(sink, approved);
          return approved.size >= ORDERS || undefined;
        },
        90_000,
      );
      await until(
        'every order issued and every email and event delivered',
        async () => {
          const rows = await store.db.selectFrom('orders').select(['status']).where('id', 'in', ids).execute();
          const pending = await sql<{ n: string }>`select count(*)::text as n from jobs where status in ('pending', 'running')`.execute(store.db);
          return rows.every((r) => r.status === 'issued') && Number(pending.rows[0]?.n) === 0 ? true : undefined;
        },
        90_000,
      );
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }

    const certificates = await sql<{ order_id: string; n: string }>`select order_id, count(*)::text as n from certificates group by order_id`.execute(store.db);
    expect(certificates.rows).toHaveLength(ORDERS);
    expect(certificates.rows.every((r) => r.n === '1')).toBe(true);
    const dead = await platform.jobAdmin.list({ status: 'dead', limit: 10 });
    expect(dead).toEqual([]);

    // One logical email ↔ one Message-ID: repeats of the same id are allowed, a second id is not.
    const outbox = await store.db.selectFrom('mail_outbox').select(['message_id', 'template', 'recipient', 'order_id']).execute();
    expect(outbox).toHaveLength(ORDERS * 4); // confirmation, approval, fulfilment to admin contact and approver
    const expectedIds = new Set(outbox.map((m) => `<${m.message_id.replace(/^<|>$/g, '')}>`));
    const seenIds = new Set(sink.messages().map((m) => `<${(m.messageId ?? '').replace(/^<|>$/g, '')}>`));
    expect(seenIds).toEqual(expectedIds);
    const perEmail = new Map<string, Set<string>>();
    for (const m of sink.messages()) {
      const logical = `${m.subject}|${m.to.join(',')}`;
      perEmail.set(logical, (perEmail.get(logical) ?? new Set()).add(m.messageId ?? ''));
    }
    expect([...perEmail.values()].every((ids) => ids.size === 1)).toBe(true);

    const events = await store.db.selectFrom('webhook_events').select(['id', 'type', 'order_id']).execute();
    const receivedIds = new Set(hooks.received.map((w) => w.id));
    expect(receivedIds).toEqual(new Set(events.map((e) => e.id)));
    const perEvent = new Map<string, Set<string>>();
    for (const w of hooks.received) {
      const logical = `${String(w.json.data.orderId)}|${w.json.type}`;
      perEvent.set(logical, (perEvent.get(logical) ?? new Set()).add(w.id));
    }
    expect([...perEvent.values()].every((s) => s.size === 1)).toBe(true);
  }, 240_000);
});
