import { parse } from 'tldts';
import type { Clock } from '../domain/clock.js';
import { CertbrokerError } from '../domain/errors.js';
import type { Actor } from '../domain/order.js';
import { PRODUCTS } from '../domain/products.js';
import { DEFAULT_FRAUD_CONFIG, screenOrder } from '../fraud/index.js';
import type { FraudConfig } from '../fraud/types.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Ledger } from '../ledger/ledger.js';
import { findReseller } from '../store/accounts.repository.js';
import type { Db, Executor } from '../store/database.js';
import * as f from '../store/fulfilment.repository.js';
import { appendEvent, findOrder, listEvents, type OrderDetails } from '../store/orders.repository.js';
import * as screening from '../store/screening.repository.js';
import type { Screen } from './fulfilment.service.js';
import { refundInFull } from './refund.js';
import type { WebhookEventType, Webhooks } from './webhooks.js';

/**
 * The platform's fraud hold (issue: fraud screening): the screen's verdict is kept with every order;
 * a held order waits in the staff queue, oldest first, until staff release it to its supplier or
 * reject it (a full refund). Every decision names the staff member and a note.
 */
export class HoldsService {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #ledger: Ledger;
  readonly #queue: JobQueue;
  readonly #webhooks: Webhooks;
  readonly #config: FraudConfig;

  constructor(deps: { db: Db; clock: Clock; ledger: Ledger; queue: JobQueue; webhooks: Webhooks; config?: FraudConfig }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#ledger = deps.ledger;
    this.#queue = deps.queue;
    this.#webhooks = deps.webhooks;
    this.#config = deps.config ?? DEFAULT_FRAUD_CONFIG;
  }

  /** The screen the fulfilment path calls between `received` and submission; its verdict is kept. */
  readonly screen: Screen = async (order) => {
    const reseller = await findReseller(this.#db, order.resellerId);
    if (!reseller) throw new Error(`no reseller ${order.resellerId}`);
    const now = this.#clock.now();
    const registrable = [...new Set(order.domains.map((d) => parse(d.name.replace(/^\*\./, '')).domain).filter((d): d is string => d !== null))];
    const history = await screening.screeningHistory(this.#db, { resellerId: reseller.id, orderId: order.id, registrableDomains: registrable, now });
    const organization = order.organization as { legalName?: string; country?: string; jurisdictionCountry?: string } | null;
    const result = screenOrder(
      {
        order: {
          id: order.id,
          product: order.product,
          validation: PRODUCTS[order.product].validation,
          domains: order.domains.map((d) => d.name),
          approverEmail: order.approverEmail,
          adminContact: order.adminContact,
          organization,
          priceAmount: order.price.amount,
          currency: order.price.currency,
          createdAt: order.createdAt,
        },
        reseller: { id: reseller.id, createdAt: reseller.createdAt, ordersPlaced: history.ordersPlaced, totalSpent: history.totalSpent },
        history,
        now,
      },
      this.#config,
    );
    await screening.saveScreening(this.#db, { orderId: order.id, score: result.score, hits: result.hits, held: result.hold, at: now });
    return { hold: result.hold };
  };

  /** Whether staff released this held order to its supplier. */
  async released(orderId: string): Promise<boolean> {
    return (await screening.findScreening(this.#db, orderId))?.decision === 'released';
  }

  /** The hold queue: held orders oldest first, with the rules that fired, the order and the reseller's history. */
  async queue(limit = 50) {
    const holds = await screening.listOpenHolds(this.#db, limit);
    return Promise.all(
      holds.map(async (hold) => {
        const order = (await findOrder(this.#db, null, hold.orderId)) as OrderDetails;
        const reseller = await findReseller(this.#db, order.resellerId);
        const history = await this.#db
          .selectFrom('orders')
          .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
          .where('reseller_id', '=', order.resellerId)
          .groupBy('status')
          .execute();
        return {
          hold,
          order,
          waitingSeconds: Math.floor((this.#clock.now().getTime() - hold.screenedAt.getTime()) / 1000),
          reseller: reseller && { id: reseller.id, name: reseller.name, createdAt: reseller.createdAt, ordersByStatus: Object.fromEntries(history.map((h) => [h.status, Number(h.n)])) },
        };
      }),
    );
  }

  /** Staff release a held order: it goes on to its supplier. */
  async release(actor: Actor, orderId: string, input: { note?: unknown }): Promise<OrderDetails> {
    const note = this.#note(input.note);
    const order = await this.#held(orderId);
    await this.#db.transaction().execute(async (trx) => {
      if (!(await screening.decideHold(trx, orderId, { decision: 'released', at: this.#clock.now(), by: `${actor.type}:${actor.id}`, note }))) return;
      await f.setHold(trx, orderId, null, this.#clock.now());
      await appendEvent(trx, { orderId, at: this.#clock.now(), type: 'hold.released', fromStatus: null, toStatus: null, actor, note });
      await this.#queue.enqueue(trx, { name: 'supplier.submit', payload: { orderId }, dedupeKey: `supplier.submit:${orderId}` });
      await this.#notify(trx, order, 'order.hold_released', {});
    });
    return (await findOrder(this.#db, null, orderId)) as OrderDetails;
  }

  /** Staff reject a held order: `rejected`, a full automatic refund, the reseller told. */
  async reject(actor: Actor, orderId: string, input: { note?: unknown }): Promise<OrderDetails> {
    const note = this.#note(input.note);
    const order = await this.#held(orderId);
    await this.#db.transaction().execute(async (trx) => {
      if (!(await screening.decideHold(trx, orderId, { decision: 'rejected', at: this.#clock.now(), by: `${actor.type}:${actor.id}`, note }))) return;
      const moved = await f.transitionOrder(trx, { orderId, from: ['on_hold'], to: 'rejected', at: this.#clock.now(), actor, type: 'order.rejected', note });
      if (!moved) throw new CertbrokerError('conflict', 'order.not_on_hold', 'The order is no longer on hold.');
      await f.setHold(trx, orderId, null, this.#clock.now());
      const refund = await refundInFull(this.#ledger, trx, order, actor, 'Automatic full refund of a rejected order.');
      await this.#notify(trx, order, 'order.rejected', { refund });
    });
    return (await findOrder(this.#db, null, orderId)) as OrderDetails;
  }

  async events(orderId: string) {
    return listEvents(this.#db, orderId);
  }

  async #held(orderId: string): Promise<OrderDetails> {
    const order = await findOrder(this.#db, null, orderId);
    const hold = order && (await screening.findScreening(this.#db, orderId));
    if (!order || !hold?.held) throw new CertbrokerError('not_found', 'hold.not_found', 'No such held order.');
    if (hold.decision !== null || order.status !== 'on_hold') throw new CertbrokerError('conflict', 'hold.decided', `This hold was already decided (${hold.decision ?? order.status}).`);
    return order;
  }

  #note(note: unknown): string {
    if (typeof note !== 'string' || note.trim().length < 3) {
      throw new CertbrokerError('invalid', 'request.invalid', 'The request has invalid fields.', [
        { path: 'note', code: 'note.required', message: 'note must say why, in a few words: every hold decision is recorded with its reason.' },
      ]);
    }
    return note.trim().slice(0, 1000);
  }

  async #notify(trx: Executor, order: OrderDetails, type: WebhookEventType, data: Record<string, unknown>): Promise<void> {
    await this.#webhooks.recordOrderEvent(trx, order, type, data);
  }
}
