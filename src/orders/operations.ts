import { sql } from 'kysely';
import type { Clock } from '../domain/clock.js';
import { ORDER_STATUSES } from '../domain/order.js';
import type { Db } from '../store/database.js';
import type { SupplierHealth } from './supplier-health.js';

/** What operations watch (issue: operations): the state of the pipeline, read from the database at each scrape. */
export interface OperationsSnapshot {
  readonly ordersByStatus: Readonly<Record<string, number>>;
  readonly jobsByStatus: Readonly<Record<string, number>>;
  /** Seconds the oldest job that is due has waited; 0 when none is. */
  readonly oldestDueJobSeconds: number;
  readonly holdsWaiting: number;
  readonly oldestHoldSeconds: number;
  readonly refundsWaiting: number;
  readonly oldestRefundSeconds: number;
  readonly mailByStatus: Readonly<Record<string, number>>;
  readonly oldestPendingMailSeconds: number;
  readonly webhookFailures: number;
  readonly suppliers: readonly SupplierHealth[];
  readonly openIncidents: readonly { readonly supplier: string; readonly kind: string; readonly count: number }[];
}

/** A check of the health endpoint. */
export interface HealthCheck {
  readonly ok: boolean;
  readonly detail: string;
}

function seconds(now: Date, oldest: unknown): number {
  if (oldest === null || oldest === undefined) return 0;
  return Math.max(0, Math.round((now.getTime() - new Date(oldest as string | Date).getTime()) / 1000));
}

function counted(rows: readonly { key: string; n: string | number }[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
}

/**
 * Metrics and health for operators: each figure one small indexed query, so a scrape every few
 * seconds costs nothing the pipeline would notice. Ages are from the injected clock.
 */
export class Operations {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #suppliers: () => readonly SupplierHealth[];
  readonly #relay: (() => Promise<void>) | undefined;
  #relayChecked: { at: number; check: HealthCheck } | undefined;

  constructor(deps: { db: Db; clock: Clock; suppliers: () => readonly SupplierHealth[]; relay?: () => Promise<void> }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#suppliers = deps.suppliers;
    this.#relay = deps.relay;
  }

  async snapshot(): Promise<OperationsSnapshot> {
    const db = this.#db;
    const now = this.#clock.now();
    const [orders, jobs, due, holds, refunds, mail, pendingMail, webhooks, incidents] = await Promise.all([
      db.selectFrom('orders').select(['status as key', sql<string>`count(*)`.as('n')]).groupBy('status').execute(),
      db.selectFrom('jobs').select(['status as key', sql<string>`count(*)`.as('n')]).groupBy('status').execute(),
      db.selectFrom('jobs').select(sql<Date | null>`min(run_at)`.as('oldest')).where('status', '=', 'pending').where('run_at', '<=', now).executeTakeFirst(),
      db.selectFrom('order_screenings').select([sql<string>`count(*)`.as('n'), sql<Date | null>`min(screened_at)`.as('oldest')]).where('held', '=', true).where('decision', 'is', null).executeTakeFirst(),
      db.selectFrom('refund_requests').select([sql<string>`count(*)`.as('n'), sql<Date | null>`min(created_at)`.as('oldest')]).where('status', '=', 'open').executeTakeFirst(),
      db.selectFrom('mail_outbox').select(['status as key', sql<string>`count(*)`.as('n')]).groupBy('status').execute(),
      db.selectFrom('mail_outbox').select(sql<Date | null>`min(created_at)`.as('oldest')).where('status', '=', 'pending').executeTakeFirst(),
      db.selectFrom('webhook_deliveries').select(sql<string>`count(*)`.as('n')).where((eb) => eb.or([eb('status_code', 'is', null), eb('status_code', '>=', 300)])).executeTakeFirst(),
      db.selectFrom('supplier_incidents').select(['supplier', 'kind', sql<string>`count(*)`.as('n')]).where('resolved_at', 'is', null).groupBy(['supplier', 'kind']).execute(),
    ]);
    const ordersByStatus = Object.fromEntries(ORDER_STATUSES.map((status) => [status, 0])) as Record<string, number>;
    Object.assign(ordersByStatus, counted(orders));
    return {
      ordersByStatus,
      jobsByStatus: { pending: 0, running: 0, done: 0, dead: 0, ...counted(jobs) },
      oldestDueJobSeconds: seconds(now, due?.oldest),
      holdsWaiting: Number(holds?.n ?? 0),
      oldestHoldSeconds: seconds(now, holds?.oldest),
      refundsWaiting: Number(refunds?.n ?? 0),
      oldestRefundSeconds: seconds(now, refunds?.oldest),
      mailByStatus: { pending: 0, sent: 0, dead: 0, ...counted(mail) },
      oldestPendingMailSeconds: seconds(now, pendingMail?.oldest),
      webhookFailures: Number(webhooks?.n ?? 0),
      suppliers: this.#suppliers(),
      openIncidents: incidents.map((r) => ({ supplier: r.supplier, kind: r.kind, count: Number(r.n) })),
    };
  }

  /**
   * The health endpoint's checks: the database answers; the queue is not stalled (nothing due for
   * more than `stalledAfterSeconds`); the relay greets, where this process delivers mail (checked at
   * most every 30 s, so a probe cannot hammer it).
   */
  async health(options: { stalledAfterSeconds?: number } = {}): Promise<{ database: HealthCheck; queue: HealthCheck; relay: HealthCheck | null }> {
    const stalledAfter = options.stalledAfterSeconds ?? 600;
    let database: HealthCheck;
    let queue: HealthCheck;
    try {
      const now = this.#clock.now();
      const due = await this.#db.selectFrom('jobs').select([sql<Date | null>`min(run_at)`.as('oldest'), sql<string>`count(*)`.as('n')]).where('status', '=', 'pending').where('run_at', '<=', now).executeTakeFirst();
      const dead = await this.#db.selectFrom('jobs').select(sql<string>`count(*)`.as('n')).where('status', '=', 'dead').executeTakeFirst();
      database = { ok: true, detail: 'answers' };
      const waited = seconds(now, due?.oldest);
      queue = {
        ok: waited <= stalledAfter,
        detail: `${Number(due?.n ?? 0)} jobs due, the oldest waiting ${waited} s; ${Number(dead?.n ?? 0)} dead letters`,
      };
    } catch (error) {
      database = { ok: false, detail: (error as Error).message };
      queue = { ok: false, detail: 'unknown: the database does not answer' };
    }
    return { database, queue, relay: await this.#relayCheck() };
  }

  async #relayCheck(): Promise<HealthCheck | null> {
    if (this.#relay === undefined) return null;
    const cached = this.#relayChecked;
    if (cached !== undefined && performance.now() - cached.at < 30_000) return cached.check;
    let check: HealthCheck;
    try {
      await this.#relay();
      check = { ok: true, detail: 'greets' };
    } catch (error) {
      check = { ok: false, detail: (error as Error).message };
    }
    this.#relayChecked = { at: performance.now(), check };
    return check;
  }
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The snapshot in the Prometheus text exposition format (version 0.0.4). */
export function prometheusText(s: OperationsSnapshot): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: readonly [labels: Record<string, string>, value: number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const rendered = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      lines.push(`${name}${rendered === '' ? '' : `{${rendered}}`} ${value}`);
    }
  };
  metric('certbroker_orders', 'gauge', 'Orders by status.', Object.entries(s.ordersByStatus).map(([status, n]) => [{ status }, n]));
  metric('certbroker_jobs', 'gauge', 'Jobs in the queue by status.', Object.entries(s.jobsByStatus).map(([status, n]) => [{ status }, n]));
  metric('certbroker_queue_oldest_due_seconds', 'gauge', 'How long the oldest due job has waited.', [[{}, s.oldestDueJobSeconds]]);
  metric('certbroker_holds_waiting', 'gauge', 'Orders held by the fraud screen awaiting a staff decision.', [[{}, s.holdsWaiting]]);
  metric('certbroker_holds_oldest_seconds', 'gauge', 'Age of the oldest undecided hold.', [[{}, s.oldestHoldSeconds]]);
  metric('certbroker_refunds_waiting', 'gauge', 'Refund requests in the staff queue.', [[{}, s.refundsWaiting]]);
  metric('certbroker_refunds_oldest_seconds', 'gauge', 'Age of the oldest open refund request.', [[{}, s.oldestRefundSeconds]]);
  metric('certbroker_mail', 'gauge', 'Emails in the outbox by status (dead: delivery failed for good).', Object.entries(s.mailByStatus).map(([status, n]) => [{ status }, n]));
  metric('certbroker_mail_oldest_pending_seconds', 'gauge', 'Age of the oldest email not yet delivered.', [[{}, s.oldestPendingMailSeconds]]);
  metric('certbroker_webhook_failed_deliveries', 'counter', 'Webhook delivery attempts that failed.', [[{}, s.webhookFailures]]);
  metric('certbroker_supplier_up', 'gauge', "1 when this process sends new orders to the supplier (circuit closed or probing), 0 when its circuit is open.", s.suppliers.map((h) => [{ supplier: h.name }, h.state === 'down' ? 0 : 1]));
  metric('certbroker_supplier_consecutive_failures', 'gauge', 'Consecutive failed calls to the supplier, as this process saw them.', s.suppliers.map((h) => [{ supplier: h.name }, h.consecutiveFailures]));
  metric('certbroker_supplier_incidents_open', 'gauge', 'Open supplier incidents by kind.', s.openIncidents.map((i) => [{ supplier: i.supplier, kind: i.kind }, i.count]));
  return `${lines.join('\n')}\n`;
}
