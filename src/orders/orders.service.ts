import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { Clock } from '../domain/clock.js';
import { CertbrokerError, type FieldError } from '../domain/errors.js';
import type { Money } from '../domain/money.js';
import { isOrderStatus, type Actor, type Order, type OrderEvent, type OrderStatus } from '../domain/order.js';
import { isProductCode, TERM_MONTHS, type TermMonths } from '../domain/products.js';
import type { Ledger } from '../ledger/ledger.js';
import { settingsOf } from '../accounts/accounts.service.js';
import { findReseller, type Reseller } from '../store/accounts.repository.js';
import type { Db, Tx } from '../store/database.js';
import { newId } from '../store/ids.js';
import * as repo from '../store/orders.repository.js';
import { linkRenewal, renewalLinks } from '../store/subscriptions.repository.js';
import type { OrderDetails } from '../store/orders.repository.js';
import type { DecodedCsr, Checked } from '../validation/types.js';
import { validateOrder, type OrderValidation } from '../validation/order.js';
import { approverEmailsForInput } from '../validation/approver.js';
import { priceOrder, type PriceBook, type PricingContext } from './pricing.js';

/** The answer of `POST /v1/orders/validate`: every error found so far and the price, if it can be known yet. */
export interface ValidationReport {
  readonly valid: boolean;
  readonly errors: OrderValidation['errors'];
  readonly price: Money | null;
}

export interface PlacedOrder {
  readonly order: OrderDetails;
  /** True when the idempotency key had been used with the same request: nothing new happened. */
  readonly replayed: boolean;
}

/** What placing an order needs before its transaction. */
interface Prepared {
  readonly reseller: Reseller;
  readonly valid: NonNullable<OrderValidation['order']>;
  /** The order this one renews, if any. */
  readonly renews: string | undefined;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Canonical JSON (sorted keys) so that the same request with reordered fields hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** An order body with the reseller's default language where the order names none. */
function withDefaults(input: unknown, reseller: Reseller): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const body = input as Record<string, unknown>;
  return body.language === undefined ? { ...body, language: settingsOf(reseller).defaultLanguage } : body;
}

/** The price of a partial order as soon as its product and term are known. */
function quote(pricing: PricingContext, input: unknown, result: OrderValidation): Money | null {
  const body = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  if (!isProductCode(body.product) || !(TERM_MONTHS as readonly unknown[]).includes(body.termMonths)) return null;
  return pricing.quote(body.product, body.termMonths as TermMonths, result.names?.map((n) => n.ascii) ?? []);
}

/** Order intake use cases: validate as typed, place, read. Each first checks that the caller may act. */
function renewalTaken(orderId: string): CertbrokerError {
  return new CertbrokerError('invalid', 'order.invalid', 'The order has invalid or missing fields.', [{ path: 'renewsOrderId', code: 'renewal.exists', message: `Order ${orderId} is renewed by another order already.` }]);
}

export class OrdersService {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #ledger: Ledger;
  readonly #decodeCsr: (input: string | Uint8Array) => Checked<DecodedCsr>;
  readonly #priceBook: PriceBook;
  readonly #afterPlacement: (trx: Tx, orderId: string) => Promise<void>;

  /** `afterPlacement` runs inside the placing transaction: fulfilment queues its first job there. */
  constructor(deps: {
    db: Db;
    clock: Clock;
    ledger: Ledger;
    priceBook: PriceBook;
    decodeCsr: (input: string | Uint8Array) => Checked<DecodedCsr>;
    afterPlacement: (trx: Tx, orderId: string) => Promise<void>;
  }) {
    this.#db = deps.db;
    this.#priceBook = deps.priceBook;
    this.#afterPlacement = deps.afterPlacement;
    this.#clock = deps.clock;
    this.#ledger = deps.ledger;
    this.#decodeCsr = deps.decodeCsr;
  }

  /** What a CSR contains, or every rule it breaks (`POST /v1/csr/decode`). */
  decodeCsr(input: unknown): { valid: boolean; errors: readonly FieldError[]; csr: DecodedCsr | null } {
    if (typeof input !== 'string' || input.trim() === '') {
      return { valid: false, errors: [{ path: 'csr', code: 'csr.required', message: 'csr must be a PEM (or base64 DER) certificate signing request.' }], csr: null };
    }
    const result = this.#decodeCsr(input);
    return result.ok ? { valid: true, errors: [], csr: result.value } : { valid: false, errors: result.errors, csr: null };
  }

  /** The approver addresses allowed for a domain (`GET /v1/approver-emails`). */
  approverEmails(domain: unknown): { domain: string; unicode: string; emails: string[] } {
    const result = approverEmailsForInput(domain);
    if (!result.ok) throw new CertbrokerError('invalid', 'domain.invalid', 'The domain cannot have approver addresses.', result.errors);
    return result.value;
  }

  /** Validates a partial order as it is typed and prices it as far as it can be priced. */
  async validate(resellerId: string, input: unknown): Promise<ValidationReport> {
    const pricing = await this.#priceBook.get(resellerId);
    if (!pricing) throw new CertbrokerError('not_found', 'reseller.not_found', 'No such reseller.');
    const result = validateOrder(withDefaults(input, pricing.reseller), { decodeCsr: this.#decodeCsr });
    return { valid: result.errors.length === 0, errors: result.errors, price: quote(pricing, input, result) };
  }

  /**
   * Places an order: validation, price, debit, the order with its domains and contact, and its first
   * timeline row, in one transaction. The same idempotency key and body returns the same order.
   */
  async place(actor: Actor & { type: 'reseller' }, input: unknown, idempotencyKey: string | undefined): Promise<PlacedOrder> {
    if (idempotencyKey === undefined || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new CertbrokerError('invalid', 'idempotency_key.required', 'POST /v1/orders needs an Idempotency-Key header of 1 to 255 visible ASCII characters, unique per order you mean to place.', [
        { path: 'Idempotency-Key', code: 'idempotency_key.required', message: 'Send a unique Idempotency-Key header with every new order.' },
      ]);
    }
    const requestHash = createHash('sha256').update(canonicalJson(input)).digest('hex');
    // The key is looked up only when it may matter (the order cannot be placed as it is, or the insert
    // meets the key): a new order, the common case, costs no extra round trip for it.
    let prepared: Prepared;
    try {
      prepared = await this.#prepare(actor.id, input);
    } catch (error) {
      // A replay answers as the first request did, even when the same body would no longer be accepted.
      const previous = error instanceof CertbrokerError ? await this.#replay(actor.id, idempotencyKey, requestHash) : undefined;
      if (previous) return previous;
      throw error;
    }
    const { reseller, valid, renews } = prepared;
    const names = valid.domains.map((d) => d.ascii);
    const orderId = newId('ord');
    const now = this.#clock.now();
    const inserted = await this.#db.transaction().execute(async (trx) => {
      const price = await priceOrder(trx, reseller, valid.product, valid.termMonths, names);
      const created = await repo.insertOrder(trx, {
        id: orderId,
        resellerId: reseller.id,
        product: valid.product,
        termMonths: valid.termMonths,
        csrPem: valid.csr.pem,
        csrSha256: valid.csr.sha256,
        domains: valid.domains.map((d) => ({ name: d.ascii, unicode: d.unicode, dcv: valid.dcv[d.ascii] ?? { method: 'email', email: valid.approverEmail } })),
        approverEmail: valid.approverEmail,
        adminContact: valid.adminContact,
        organization: valid.organization === null ? null : { ...valid.organization },
        language: valid.language,
        priceAmount: price.amount,
        currency: price.currency,
        idempotencyKey,
        requestHash,
        createdAt: now,
      });
      if (!created) return false;
      if (price.amount > 0) {
        await this.#ledger.move(trx, {
          resellerId: reseller.id,
          kind: 'order_debit',
          amount: -price.amount,
          currency: price.currency,
          reference: `order_debit:${orderId}`,
          orderId,
          actor,
        });
      }
      await repo.appendEvent(trx, { orderId, at: now, type: 'order.placed', fromStatus: null, toStatus: 'received', actor, data: { price } });
      if (renews !== undefined) {
        if (!(await linkRenewal(trx, orderId, renews))) throw renewalTaken(renews);
        await repo.appendEvent(trx, { orderId: renews, at: now, type: 'order.renewed_by', fromStatus: null, toStatus: null, actor, note: `Order ${orderId} continues this order's term.` });
      }
      await this.#afterPlacement(trx, orderId);
      return true;
    });
    if (!inserted) {
      // Another request with the same key committed first: answer as its replay.
      const raced = await this.#replay(actor.id, idempotencyKey, requestHash);
      if (raced) return raced;
    }
    return { order: await this.get(actor.id, orderId), replayed: false };
  }

  /** What placing needs before its transaction: the reseller, the valid order, the order it renews. */
  async #prepare(resellerId: string, input: unknown): Promise<Prepared> {
    const reseller = await this.#reseller(resellerId);
    const result = validateOrder(withDefaults(input, reseller), { decodeCsr: this.#decodeCsr });
    if (!result.order) {
      throw new CertbrokerError('invalid', 'order.invalid', 'The order has invalid or missing fields.', result.errors);
    }
    const renews = await this.#renewable(reseller.id, (input as { renewsOrderId?: unknown }).renewsOrderId);
    return { reseller, valid: result.order, renews };
  }

  /** One of the reseller's orders; another reseller's order does not exist for this caller. */
  async get(resellerId: string | null, orderId: string): Promise<OrderDetails> {
    const order = await repo.findOrder(this.#db, resellerId, orderId);
    if (!order) throw new CertbrokerError('not_found', 'order.not_found', 'No such order.');
    return order;
  }

  async events(orderId: string): Promise<OrderEvent[]> {
    return repo.listEvents(this.#db, orderId);
  }

  /** The reseller's orders, newest first, filtered by status and/or domain, after a (createdAt, id) position. */
  async list(resellerId: string, query: { status?: unknown; domain?: unknown; limit: number; after?: { createdAt: Date; id: string } }): Promise<Order[]> {
    const fields = [];
    if (query.status !== undefined && !isOrderStatus(query.status)) {
      fields.push({ path: 'status', code: 'status.unknown', message: 'status must be one of the order statuses.' });
    }
    if (query.domain !== undefined && (typeof query.domain !== 'string' || query.domain.length > 253)) {
      fields.push({ path: 'domain', code: 'domain.invalid', message: 'domain must be a domain name.' });
    }
    if (fields.length > 0) throw new CertbrokerError('invalid', 'query.invalid', 'The query has invalid parameters.', fields);
    return repo.listOrders(this.#db, resellerId, {
      limit: query.limit,
      ...(query.status !== undefined && { status: query.status as OrderStatus }),
      ...(typeof query.domain === 'string' && { domain: domainToASCII(query.domain.trim().toLowerCase()) || query.domain }),
      ...(query.after !== undefined && { after: query.after }),
    });
  }

  async #replay(resellerId: string, key: string, requestHash: string): Promise<PlacedOrder | undefined> {
    const previous = await repo.findByIdempotencyKey(this.#db, resellerId, key);
    if (!previous) return undefined;
    if (previous.requestHash !== requestHash) {
      throw new CertbrokerError('conflict', 'idempotency.key_reused', 'This Idempotency-Key was already used with a different request body. Use a new key for a new order.');
    }
    return { order: await this.get(resellerId, previous.id), replayed: true };
  }

  /** The order a renewal names: one of the reseller's, not renewed yet (a wrong id is a field error, like any). */
  async #renewable(resellerId: string, value: unknown): Promise<string | undefined> {
    if (value === undefined || value === null) return undefined;
    const field = (code: string, message: string) => new CertbrokerError('invalid', 'order.invalid', 'The order has invalid or missing fields.', [{ path: 'renewsOrderId', code, message }]);
    if (typeof value !== 'string') throw field('renewal.invalid', 'renewsOrderId must be the id of the order this one renews.');
    const previous = await repo.findOrder(this.#db, resellerId, value);
    if (!previous) throw field('renewal.not_found', `You have no order ${value}.`);
    if ((await renewalLinks(this.#db, value)).renewedBy !== null) throw renewalTaken(value);
    return previous.id;
  }

  async #reseller(resellerId: string): Promise<Reseller> {
    const reseller = await findReseller(this.#db, resellerId);
    if (!reseller) throw new CertbrokerError('not_found', 'reseller.not_found', 'No such reseller.');
    return reseller;
  }

}
