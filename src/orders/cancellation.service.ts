import type { Clock } from '../domain/clock.js';
import { CertbrokerError } from '../domain/errors.js';
import { cancellableAt, COMPLETION_WINDOW_DAYS, type Actor, type OrderStatus } from '../domain/order.js';
import type { Job, JobQueue } from '../jobs/queue.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Db, Executor } from '../store/database.js';
import * as f from '../store/fulfilment.repository.js';
import { appendEvent, findOrder, type OrderDetails } from '../store/orders.repository.js';
import * as refunds from '../store/refunds.repository.js';
import { refundInFull } from './refund.js';
import type { OrderMail } from './fulfilment.service.js';
import type { ResellerNoticeKind } from '../mail/templates/reseller-notice.js';
import type { Money } from '../domain/money.js';
import { findReseller } from '../store/accounts.repository.js';
import { canCancel, hasDesk, type Supplier } from '../suppliers/supplier.js';
import type { WebhookEventType, Webhooks } from './webhooks.js';

const DAY_MS = 86_400_000;
const SYSTEM: Actor = { type: 'system', id: 'cancellation' };

/** Statuses from which a reseller may cancel, and when (DESIGN.md lifecycle). */
const BEFORE_RELEASE: readonly OrderStatus[] = ['received', 'on_hold'];
const RELEASED: readonly OrderStatus[] = ['released', 'awaiting_validation'];

/**
 * Cancellation and refunds (seed step 3): cancel before release at once, after release once the
 * seven-day completion window has passed, both with an automatic full refund; a supplier's cancellation
 * waits in the staff refund queue. The ledger and the database allow one refund per order, never more
 * than was debited.
 */
export class CancellationService {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #ledger: Ledger;
  readonly #queue: JobQueue;
  readonly #webhooks: Webhooks;
  readonly #supplierOf: (order: OrderDetails) => Promise<Supplier>;
  readonly #mail: OrderMail;
  readonly #autoCancelAfterDays: number | null;

  constructor(deps: {
    db: Db;
    clock: Clock;
    ledger: Ledger;
    queue: JobQueue;
    webhooks: Webhooks;
    supplierOf: (order: OrderDetails) => Promise<Supplier>;
    mail: OrderMail;
    /** Days after the window passed at which an uncompleted order is cancelled automatically; null: never (default). */
    autoCancelAfterDays?: number | null;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#ledger = deps.ledger;
    this.#queue = deps.queue;
    this.#webhooks = deps.webhooks;
    this.#supplierOf = deps.supplierOf;
    this.#mail = deps.mail;
    this.#autoCancelAfterDays = deps.autoCancelAfterDays ?? null;
  }

  /** `POST /v1/orders/{id}/cancel`: idempotent; refuses with the moment it becomes possible when too early. */
  async cancel(actor: Actor & { type: 'reseller' }, orderId: string, input: { reason?: unknown }): Promise<OrderDetails> {
    const order = await findOrder(this.#db, actor.id, orderId);
    if (!order) throw new CertbrokerError('not_found', 'order.not_found', 'No such order.');
    if (order.status === 'cancelled') return order;
    const reason = typeof input.reason === 'string' && input.reason.trim() !== '' ? input.reason.trim().slice(0, 500) : 'Cancelled by the reseller.';
    if (RELEASED.includes(order.status)) {
      const from = cancellableAt(order.releasedAt) as Date;
      if (this.#clock.now() < from) {
        throw new CertbrokerError(
          'conflict',
          'order.not_yet_cancellable',
          `A released order can be cancelled once it is not completed within ${COMPLETION_WINDOW_DAYS} days of its release: from ${from.toISOString()}.`,
        );
      }
    } else if (!BEFORE_RELEASE.includes(order.status)) {
      await this.#refused(order, actor, order.status);
    }
    await this.#cancelNow(order, actor, reason);
    return (await findOrder(this.#db, actor.id, orderId)) as OrderDetails;
  }

  /**
   * Cancels and refunds in one transaction. The row lock of the transition decides a race with issuance:
   * the loser is recorded on the timeline and the caller told.
   */
  async #cancelNow(order: OrderDetails, actor: Actor, reason: string): Promise<void> {
    const outcome = await this.#db.transaction().execute(async (trx) => {
      const now = this.#clock.now();
      const moved = await f.transitionOrder(trx, { orderId: order.id, from: [...BEFORE_RELEASE, ...RELEASED], to: 'cancelled', at: now, actor, type: 'order.cancelled', note: reason });
      if (!moved) return 'lost' as const;
      const refund = await refundInFull(this.#ledger, trx, order, actor, 'Automatic full refund of a cancelled order.');
      await this.#notify(trx, order, 'order.cancelled', { reason, refund });
      if (order.releasedAt !== null) {
        await this.#queue.enqueue(trx, { name: 'supplier.cancel', payload: { orderId: order.id, reason }, dedupeKey: `supplier.cancel:${order.id}` });
      }
      return 'cancelled' as const;
    });
    if (outcome === 'cancelled') return;
    const current = await findOrder(this.#db, null, order.id);
    if (current?.status === 'cancelled') return; // a concurrent cancel won: the same outcome
    await this.#refused(order, actor, current?.status ?? order.status);
  }

  /** A cancellation that cannot be (the order is issued or closed): on the timeline, to the reseller, and a 409. */
  async #refused(order: OrderDetails, actor: Actor, status: OrderStatus): Promise<never> {
    await this.#db.transaction().execute(async (trx) => {
      await appendEvent(trx, { orderId: order.id, at: this.#clock.now(), type: 'order.cancel_refused', fromStatus: null, toStatus: null, actor, note: `Cancellation refused: the order is ${status}.` });
      await this.#notify(trx, order, 'order.cancel_refused', { status });
    });
    throw new CertbrokerError('conflict', 'order.not_cancellable', `An order that is ${status} cannot be cancelled.`);
  }

  /** `supplier.cancel`: tells the supplier, best effort; the outcome goes on the timeline either way. */
  async supplierCancelJob(job: Job): Promise<void> {
    const order = await findOrder(this.#db, null, String(job.payload.orderId));
    const supplierOrder = order && (await f.findSupplierOrder(this.#db, order.id));
    if (!order || !supplierOrder) return;
    const supplier = await this.#supplierOf(order);
    let note = `${supplier.name} confirmed the cancellation.`;
    if (!canCancel(supplier)) note = `${supplier.name} takes no cancellations; nothing to tell it.`;
    else {
      try {
        await supplier.cancel({ supplierOrderId: supplierOrder.supplierOrderId, reason: String(job.payload.reason) });
      } catch (error) {
        if (job.attempt < job.maxAttempts && (error as { retryable?: boolean }).retryable === true) throw error;
        note = `${supplier.name} did not confirm the cancellation: ${(error as Error).message}`;
      }
    }
    await appendEvent(this.#db, { orderId: order.id, at: this.#clock.now(), type: 'supplier.cancel', fromStatus: null, toStatus: null, actor: { type: 'system', id: supplier.name }, note });
  }

  /**
   * `orders.deadline`: orders released more than seven days ago and not completed are marked on their
   * timeline and announced to the reseller (they may now be cancelled); with auto-cancel configured,
   * those past the grace period are cancelled and refunded.
   */
  async deadlineJob(): Promise<void> {
    const now = this.#clock.now();
    const due = await this.#db
      .selectFrom('orders')
      .select('id')
      .where('status', 'in', [...RELEASED])
      .where('released_at', '<=', new Date(now.getTime() - COMPLETION_WINDOW_DAYS * DAY_MS))
      .where('window_passed_at', 'is', null)
      .orderBy('released_at')
      .limit(500)
      .execute();
    for (const { id } of due) {
      const order = await findOrder(this.#db, null, id);
      if (!order) continue;
      await this.#db.transaction().execute(async (trx) => {
        const marked = await trx.updateTable('orders').set({ window_passed_at: now }).where('id', '=', id).where('window_passed_at', 'is', null).returning('id').executeTakeFirst();
        if (!marked) return;
        await appendEvent(trx, {
          orderId: id,
          at: now,
          type: 'order.completion_window_passed',
          fromStatus: null,
          toStatus: null,
          actor: SYSTEM,
          note: `Not completed within ${COMPLETION_WINDOW_DAYS} days of its release: it may now be cancelled with a full refund.`,
        });
        await this.#notify(trx, order, 'order.cancellable', { cancellableAt: cancellableAt(order.releasedAt)?.toISOString(), refund: order.price });
        await this.#tellRepresentative(trx, order, 'order-cancellable', order.price, null);
      });
    }
    if (this.#autoCancelAfterDays === null) return;
    const expired = await this.#db
      .selectFrom('orders')
      .select('id')
      .where('status', 'in', [...RELEASED])
      .where('released_at', '<=', new Date(now.getTime() - (COMPLETION_WINDOW_DAYS + this.#autoCancelAfterDays) * DAY_MS))
      .limit(500)
      .execute();
    for (const { id } of expired) {
      const order = await findOrder(this.#db, null, id);
      if (order) await this.#cancelNow(order, SYSTEM, `Cancelled automatically ${this.#autoCancelAfterDays} days after its completion window passed.`).catch(() => undefined);
    }
  }

  /** The staff refund queue: open requests oldest first, and how long the oldest has waited. */
  async refundQueue(status: refunds.RefundRequest['status'] = 'open'): Promise<{ data: refunds.RefundRequest[]; oldestWaitingSeconds: number | null }> {
    const data = await refunds.listRefundRequests(this.#db, { status, limit: 100 });
    const oldest = status === 'open' ? data[0] : undefined;
    return { data, oldestWaitingSeconds: oldest ? Math.floor((this.#clock.now().getTime() - oldest.createdAt.getTime()) / 1000) : null };
  }

  /** Staff approve a refund: the ledger credit, once (a repeated approval changes nothing). */
  async approveRefund(actor: Actor, id: string, input: { note?: unknown }): Promise<refunds.RefundRequest> {
    return this.#decide(actor, id, 'approved', typeof input.note === 'string' ? input.note.slice(0, 1000) : null);
  }

  /** Staff decline a refund, with a note the reseller is told. */
  async declineRefund(actor: Actor, id: string, input: { note?: unknown }): Promise<refunds.RefundRequest> {
    if (typeof input.note !== 'string' || input.note.trim() === '') {
      throw new CertbrokerError('invalid', 'request.invalid', 'The request has invalid fields.', [
        { path: 'note', code: 'note.required', message: 'A declined refund needs a note saying why; the reseller is told.' },
      ]);
    }
    return this.#decide(actor, id, 'declined', input.note.trim().slice(0, 1000));
  }

  async #decide(actor: Actor, id: string, status: 'approved' | 'declined', note: string | null): Promise<refunds.RefundRequest> {
    await this.#db.transaction().execute(async (trx) => {
      const request = await refunds.findRefundRequest(trx, id, { lock: true });
      if (!request) throw new CertbrokerError('not_found', 'refund.not_found', 'No such refund request.');
      if (request.status === status) return;
      if (request.status !== 'open') throw new CertbrokerError('conflict', 'refund.decided', `This refund was already ${request.status}.`);
      const order = (await findOrder(trx, null, request.orderId)) as OrderDetails;
      const now = this.#clock.now();
      await refunds.decideRefundRequest(trx, id, { status, at: now, by: `${actor.type}:${actor.id}`, note });
      const refund = status === 'approved' ? await refundInFull(this.#ledger, trx, order, actor, `Refund of a supplier cancellation, approved by staff${note ? `: ${note}` : ''}.`) : { amount: 0, currency: request.currency };
      await appendEvent(trx, {
        orderId: order.id,
        at: now,
        type: status === 'approved' ? 'refund.approved' : 'refund.declined',
        fromStatus: null,
        toStatus: null,
        actor,
        note: note ?? 'Refund approved.',
      });
      await this.#notify(trx, order, status === 'approved' ? 'order.refund_approved' : 'order.refund_declined', { refund, note });
      await this.#tellRepresentative(trx, order, status === 'approved' ? 'refund-approved' : 'refund-declined', { amount: request.amount, currency: order.price.currency }, note);
    });
    return (await refunds.findRefundRequest(this.#db, id)) as refunds.RefundRequest;
  }

  /** The embedded CA's desk: the supplier cancels an order from its side (the manual refund path end to end). */
  async deskCancel(orderId: string, input: { reason?: unknown }): Promise<void> {
    const order = await findOrder(this.#db, null, orderId);
    if (!order) throw new CertbrokerError('not_found', 'order.not_found', 'No such order.');
    const supplier = await this.#supplierOf(order);
    if (!hasDesk(supplier)) throw new CertbrokerError('conflict', 'supplier.unsupported', `${supplier.name} has no desk to cancel orders from.`);
    const reason = typeof input.reason === 'string' && input.reason.trim() !== '' ? input.reason.trim().slice(0, 500) : 'Cancelled by the certificate authority.';
    try {
      await supplier.deskCancel({ orderId, reason });
    } catch (error) {
      throw new CertbrokerError('conflict', 'supplier.refused', (error as Error).message);
    }
  }

  /** An email to the reseller's account representative (a webhook alone is easy to miss). */
  async #tellRepresentative(trx: Executor, order: OrderDetails, kind: ResellerNoticeKind, amount: Money, note: string | null): Promise<void> {
    const reseller = await findReseller(trx, order.resellerId);
    if (!reseller) return;
    await this.#mail.queue(trx, { template: 'reseller-notice', to: reseller.repEmail, order, reseller, sequence: 0, notice: { kind, amount, note } });
  }

  async #notify(trx: Executor, order: OrderDetails, type: WebhookEventType, data: Record<string, unknown>): Promise<void> {
    await this.#webhooks.recordOrderEvent(trx, order, type, data);
  }
}
