/**
 * The failure drill (issue: failure drills): one `serve` and two `worker` processes of the real CLI on
 * a throw-away PostgreSQL cluster, the ACME CA (Pebble) first and the embedded CA second, under a
 * steady load of orders, cancellations and customer replies, while the drill
 *   (a) SIGKILLs a worker every few seconds and starts a new one,
 *   (b) stops the SMTP relay for a while,
 *   (c) freezes the ACME CA (SIGSTOP: it hangs) for a while,
 *   (d) restarts PostgreSQL.
 * Afterwards it lets everything settle and checks that nothing was lost or done twice.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { startSmtpSink, type SmtpSink } from '../src/mail/sink.js';
import { openStore, type Store } from '../src/store/database.js';
import { orderBody, uniqueDomain } from '../test/support/orders.js';
import { freePort, PEBBLE_AVAILABLE, startPebble, type Pebble } from '../test/support/pebble.js';
import { approveArrived, cliJson, processSecrets, productionEnv, spawnRole, stopProcess, until } from '../test/support/processes.js';
import { startWebhookReceiver } from '../test/support/webhook-receiver.js';
import { startCluster, type Cluster } from './cluster.js';

export interface DrillOptions {
  /** How long the load and the faults run. */
  readonly seconds: number;
  /** Orders placed per second. */
  readonly ordersPerSecond?: number;
  readonly log?: (line: string) => void;
}

export interface DrillCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface DrillReport {
  readonly seconds: number;
  readonly faults: readonly string[];
  readonly placed: number;
  readonly cancelled: number;
  readonly replies: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly checks: readonly DrillCheck[];
  readonly ok: boolean;
}

const FINAL = ['issued', 'cancelled', 'rejected', 'cancelled_by_supplier'];

export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const log = options.log ?? (() => undefined);
  const faults: string[] = [];
  const fault = (line: string) => {
    faults.push(line);
    log(`fault: ${line}`);
  };
  const cleanup: (() => Promise<void> | void)[] = [];
  const children = new Set<ChildProcess>();
  try {
    const cluster: Cluster = await startCluster(await freePort());
    cleanup.push(() => cluster.stop());
    const store: Store = await openStore({ kind: 'postgres', url: cluster.url });
    cleanup.push(() => store.close());
    const smtpPort = await freePort();
    let sink: SmtpSink = await startSmtpSink({ port: smtpPort });
    cleanup.push(() => sink.close());
    const hooks = await startWebhookReceiver();
    cleanup.push(() => hooks.close());
    let pebble: Pebble | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'drill-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const secrets = processSecrets();
    const [port, dcvPort, inboundPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...productionEnv({ databaseUrl: cluster.url, smtpPort, dataDir: join(dir, 'data'), secrets }),
      DCV_PUBLIC_URL: `http://127.0.0.1:${dcvPort}`,
      FRAUD_RESELLER_ORDERS_PER_HOUR: '100000',
      FRAUD_RESELLER_ORDERS_PER_DAY: '100000',
      JOB_LEASE_MS: '3000',
      RATE_LIMIT_MAX: '0',
    };
    if (PEBBLE_AVAILABLE) {
      pebble = await startPebble({ alwaysValid: true });
      const started = pebble;
      cleanup.push(() => started.stop());
      writeFileSync(join(dir, 'pebble-ca.pem'), pebble.ca);
      Object.assign(env, {
        SUPPLIERS: 'acme,local-ca',
        ACME_DIRECTORY_URL: pebble.directoryUrl,
        ACME_CA_FILE: join(dir, 'pebble-ca.pem'),
        ACME_ROOT_URL: pebble.rootUrl,
        ACME_POLL_INTERVAL_MS: '200',
        ACME_REQUEST_TIMEOUT_MS: '2000',
        // A killed worker's ACME orders are taken over soon, as its jobs are (JOB_LEASE_MS).
        ACME_LEASE_MS: '5000',
      });
    }
    const start = (role: 'serve' | 'worker', extra: NodeJS.ProcessEnv = {}): ChildProcess => {
      const child = spawnRole(role, { ...env, ...extra }, log);
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    };
    cleanup.push(async () => {
      await Promise.all([...children].map((child) => stopProcess(child)));
    });
    start('serve', { PORT: String(port), DCV_PORT: String(dcvPort), INBOUND_SMTP_PORT: String(inboundPort) });
    const workers = [start('worker'), start('worker')];
    const base = `http://127.0.0.1:${port}`;
    await until('the server to answer', async () => ((await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined), 90_000);

    // The operator's first steps.
    const staffKey = await cliJson<{ apiKey: string }>(env, ['staff', 'create', '--email', 'drill@example.org', '--json']);
    const call = async (method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response | undefined> =>
      fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      }).catch(() => undefined);
    const createdReseller = await call('POST', '/v1/staff/resellers', staffKey.apiKey, { name: 'Drill Hosting', repEmail: 'rep@example.net' });
    if (createdReseller?.status !== 201) throw new Error(`the reseller could not be created: ${createdReseller?.status} ${await createdReseller?.text()}`);
    const reseller = (await createdReseller.json()) as { id: string; apiKey: string };
    await call('POST', `/v1/staff/resellers/${reseller.id}/top-ups`, staffKey.apiKey, { amount: 10_000_000, reference: 'drill' });
    await call('PUT', '/v1/account/webhook', reseller.apiKey, { url: hooks.url });

    // The load: orders (each retried with its idempotency key until it has an answer), some cancelled, some replied to.
    const placed = new Map<string, string>();
    const loadErrors: string[] = [];
    let cancelled = 0;
    let replies = 0;
    let running = true;
    const approved = new Set<string>();
    const rechecked = new Set<string>();
    const repliedTo = new Set<string>();
    // What the relay received before it was stopped, kept across its restart.
    const carried: ReturnType<SmtpSink['messages']> = [];
    const mail = { messages: () => [...carried, ...sink.messages()] };
    /** The reseller asks for the re-check of an ACME order whose instructions arrived (the customer published the record). */
    const recheckArrived = async () => {
      for (const m of mail.messages()) {
        if (!(m.subject ?? '').includes('confirm control')) continue;
        const domain = /_acme-challenge\.(\S+)/.exec(m.text ?? '')?.[1];
        const id = domain === undefined ? undefined : placed.get(domain);
        if (id === undefined || rechecked.has(id)) continue;
        const response = await call('POST', `/v1/orders/${id}/approval-email`, reseller.apiKey);
        if (response?.status === 200) rechecked.add(id);
        else if (!recheckRefused.has(id)) {
          recheckRefused.add(id);
          log(`re-check of ${id}: ${response?.status ?? 'no answer'} ${(await response?.text())?.slice(0, 200) ?? ''}`);
        }
      }
    };
    const recheckRefused = new Set<string>();
    const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: inboundPort, secure: false, ignoreTLS: true });
    const placeOne = async (n: number) => {
      const domain = uniqueDomain();
      // A retry repeats the request exactly: a new CSR (ECDSA signatures differ) would be another body under the same key.
      const body = orderBody({}, domain);
      for (let attempt = 0; attempt < 60; attempt += 1) {
        const response = await call('POST', '/v1/orders', reseller.apiKey, body, { 'idempotency-key': domain });
        if (response?.status === 201) {
          const id = ((await response.json()) as { id: string }).id;
          placed.set(domain, id);
          if (n % 5 === 0 && (await call('POST', `/v1/orders/${id}/cancel`, reseller.apiKey, {}))?.status === 200) cancelled += 1;
          return;
        }
        if (response !== undefined && response.status < 500 && response.status !== 429) throw new Error(`order ${domain} refused: ${response.status} ${await response.text()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`order ${domain} found no answer in 60 attempts`);
    };
    const load = (async () => {
      const interval = 1000 / (options.ordersPerSecond ?? 4);
      const pending: Promise<void>[] = [];
      for (let n = 0; running; n += 1) {
        pending.push(placeOne(n).catch((error: Error) => void loadErrors.push(error.message)));
        await new Promise((r) => setTimeout(r, interval));
      }
      await Promise.all(pending);
    })();
    const customers = (async () => {
      while (running) {
        await approveArrived(mail, approved).catch(() => undefined);
        await recheckArrived();
        for (const m of mail.messages()) {
          // Every tenth customer email gets a reply, to its per-order reply address.
          if (m.replyTo[0]?.startsWith('r-') && m.seq % 10 === 0 && !repliedTo.has(m.replyTo[0])) {
            repliedTo.add(m.replyTo[0]);
            const sent = await mailer.sendMail({ from: 'customer@example.org', to: m.replyTo[0], subject: `Re: ${m.subject}`, text: 'Please call me back.', inReplyTo: m.messageId }).catch(() => undefined);
            if (sent !== undefined) replies += 1;
          }
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    // The faults, spread over the run.
    const t0 = Date.now();
    const at = (fraction: number) => new Promise((r) => setTimeout(r, Math.max(0, t0 + fraction * options.seconds * 1000 - Date.now())));
    const killer = (async () => {
      while (Date.now() - t0 < options.seconds * 1000) {
        await new Promise((r) => setTimeout(r, 3000));
        const victim = workers.shift();
        if (victim === undefined) continue;
        victim.kill('SIGKILL');
        fault(`SIGKILL worker ${victim.pid} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        workers.push(start('worker'));
      }
    })();
    const scenario = (async () => {
      await at(0.15);
      await sink.close();
      fault(`SMTP relay stopped at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await at(0.35);
      carried.push(...sink.messages());
      sink = await startSmtpSink({ port: smtpPort });
      fault(`SMTP relay back at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      if (pebble !== undefined) {
        await at(0.45);
        process.kill(pebblePid(pebble), 'SIGSTOP');
        fault(`ACME CA frozen (SIGSTOP) at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        await at(0.65);
        process.kill(pebblePid(pebble), 'SIGCONT');
        fault(`ACME CA thawed at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
      await at(0.8);
      cluster.restart();
      fault(`PostgreSQL restarted at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    })();
    await Promise.all([killer, scenario]);
    running = false;
    await Promise.all([load, customers]);
    log(`load done: ${placed.size} orders placed, ${cancelled} cancelled, ${replies} replies; settling`);

    // Settle: customers keep approving until every order is final and the queue is empty.
    const ids = [...placed.values()];
    await until(
      'every order final, every job done',
      async () => {
        await approveArrived(mail, approved).catch(() => undefined);
        await recheckArrived();
        const open = await sql<{ n: string }>`select count(*)::text as n from jobs where status in ('pending', 'running')`.execute(store.db).catch(() => undefined);
        const rows = await store.db.selectFrom('orders').select('status').where('id', 'in', ids).execute().catch(() => []);
        return rows.length === ids.length && rows.every((r) => FINAL.includes(r.status)) && Number(open?.rows[0]?.n) === 0 ? true : undefined;
      },
      240_000,
    ).catch((error: Error) => log(`not settled: ${error.message}`));

    const checks = await verify(store, { ids, sinkMessages: mail.messages(), hooks: hooks.received });
    checks.unshift({ name: 'every order placed got an answer', ok: loadErrors.length === 0, detail: loadErrors.length === 0 ? `${placed.size} placed` : loadErrors.slice(0, 3).join('; ') });
    const byStatus: Record<string, number> = {};
    for (const row of await store.db.selectFrom('orders').select('status').execute()) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    return { seconds: options.seconds, faults, placed: placed.size, cancelled, replies, byStatus, checks, ok: checks.every((c) => c.ok) };
  } finally {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
  }
}

function pebblePid(pebble: Pebble): number {
  const pid = pebble.pid;
  if (pid === undefined) throw new Error('Pebble has no process id');
  return pid;
}

/** The invariants, each with what it found. */
async function verify(
  store: Store,
  seen: { ids: readonly string[]; sinkMessages: ReturnType<SmtpSink['messages']>; hooks: readonly { id: string; json: { type: string; data: Record<string, unknown> } }[] },
): Promise<DrillCheck[]> {
  const db = store.db;
  const checks: DrillCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  const orders = await db.selectFrom('orders').select(['id', 'status']).execute();
  const notFinal = orders.filter((o) => !FINAL.includes(o.status));
  check('every order placed is stored', seen.ids.every((id) => orders.some((o) => o.id === id)), `${seen.ids.length} placed, ${orders.length} stored`);
  const lastEvents = async (orderId: string) =>
    (await db.selectFrom('order_events').select(['type', 'note']).where('order_id', '=', orderId).orderBy('id', 'desc').limit(3).execute()).map((e) => `${e.type}: ${e.note ?? ''}`).join(' | ');
  const stuckDetail = await Promise.all(notFinal.slice(0, 3).map(async (o) => `${o.id} ${o.status} [${await lastEvents(o.id)}]`));
  check('every order final', notFinal.length === 0, notFinal.length === 0 ? `${orders.length} final` : `${notFinal.length} not final: ${stuckDetail.join('; ')}`);

  const balances = await sql<{ id: string; balance: string; sum: string }>`
    select r.id, r.balance::text as balance, coalesce(sum(l.amount), 0)::text as sum
    from resellers r left join ledger_entries l on l.reseller_id = r.id group by r.id, r.balance`.execute(db);
  const off = balances.rows.filter((r) => r.balance !== r.sum);
  check('ledger sums equal balances', off.length === 0, off.length === 0 ? `${balances.rows.length} accounts` : off.map((r) => `${r.id}: ${r.balance} ≠ ${r.sum}`).join(', '));

  const doubled = await sql<{ order_id: string; kind: string; n: string }>`
    select order_id, kind, count(*)::text as n from ledger_entries where kind in ('order_debit', 'refund') group by order_id, kind having count(*) > 1`.execute(db);
  check('no duplicate debit or refund', doubled.rows.length === 0, doubled.rows.length === 0 ? 'one debit per order, at most one refund' : JSON.stringify(doubled.rows.slice(0, 5)));

  const certs = await sql<{ order_id: string; request_id: string; n: string }>`
    select order_id, request_id, count(*)::text as n from certificates group by order_id, request_id having count(*) > 1`.execute(db);
  const issued = orders.filter((o) => o.status === 'issued').length;
  const certCount = Number((await sql<{ n: string }>`select count(distinct order_id)::text as n from certificates`.execute(db)).rows[0]?.n);
  check('at most one certificate per order and request', certs.rows.length === 0 && certCount >= issued, `${certCount} orders with a certificate, ${issued} issued`);

  // One logical email is one outbox row with one fixed Message-ID: every delivery must carry the id of
  // its row (a repeat of it is fine), and every row must have been delivered.
  const bare = (id: string | undefined) => (id ?? '').replace(/^<|>$/g, '');
  const outbox = await db.selectFrom('mail_outbox').select(['message_id', 'status']).execute();
  const rowIds = new Set(outbox.map((m) => bare(m.message_id)));
  const deliveredIds = new Set(seen.sinkMessages.map((m) => bare(m.messageId)));
  const foreign = [...deliveredIds].filter((id) => !rowIds.has(id));
  const undelivered = outbox.filter((m) => m.status !== 'sent' || !deliveredIds.has(bare(m.message_id))).length;
  check(
    'one Message-ID per logical email, all delivered',
    foreign.length === 0 && undelivered === 0,
    `${outbox.length} emails, ${seen.sinkMessages.length} deliveries (${seen.sinkMessages.length - deliveredIds.size} repeats), ${undelivered} not delivered, ${foreign.length} with an unknown Message-ID`,
  );

  const events = await db.selectFrom('webhook_events').select(['id', 'type', 'order_id']).execute();
  const receivedIds = new Set(seen.hooks.map((w) => w.id));
  const missing = events.filter((e) => !receivedIds.has(e.id));
  const eventIds = new Set(events.map((e) => e.id));
  const strangers = [...receivedIds].filter((id) => !eventIds.has(id));
  check(
    'one event id per webhook event, all delivered',
    missing.length === 0 && strangers.length === 0,
    `${events.length} events, ${seen.hooks.length} deliveries (${seen.hooks.length - receivedIds.size} repeats), ${missing.length} not delivered, ${strangers.length} with an unknown id`,
  );

  const stuck = await sql<{ id: string; status: string }>`
    select o.id, o.status from orders o
    where o.status in ('received', 'released')
      and not exists (select 1 from jobs j where j.status in ('pending', 'running') and j.payload->>'orderId' = o.id)`.execute(db);
  check('no order stuck without a job', stuck.rows.length === 0, stuck.rows.length === 0 ? 'none' : stuck.rows.map((r) => `${r.id} ${r.status}`).join(', '));
  const dead = await db.selectFrom('jobs').select(['name', 'last_error']).where('status', '=', 'dead').execute();
  check('no dead letters', dead.length === 0, dead.length === 0 ? 'none' : dead.slice(0, 3).map((j) => `${j.name}: ${j.last_error}`).join('; '));
  return checks;
}

/** The report as the lines `npm run drill` prints. */
export function formatReport(report: DrillReport): string {
  const lines = [
    `Drill: ${report.seconds} s, ${report.placed} orders placed, ${report.cancelled} cancelled, ${report.replies} customer replies`,
    `Faults: ${report.faults.length} (${report.faults.filter((f) => f.startsWith('SIGKILL')).length} worker kills)`,
    ...report.faults.filter((f) => !f.startsWith('SIGKILL')).map((f) => `  - ${f}`),
    `Orders by status: ${Object.entries(report.byStatus).map(([s, n]) => `${s} ${n}`).join(', ')}`,
    ...report.checks.map((c) => `${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`),
    report.ok ? 'Drill passed.' : 'Drill FAILED.',
  ];
  return `${lines.join('\n')}\n`;
}
