import { performance } from 'node:perf_hooks';
import type { Money } from '../domain/money.js';
import { listPrice, orderPrice, PRODUCTS, type PriceEntry, type ProductCode, type TermMonths } from '../domain/products.js';
import type { Executor } from '../store/database.js';
import { findReseller, findResellerPrice, listResellerPrices, type Reseller } from '../store/accounts.repository.js';

/** The price a reseller pays for a product, term and set of names: its own price if staff set one, else the list price. */
export async function priceOrder(db: Executor, reseller: Reseller, product: ProductCode, termMonths: TermMonths, names: readonly string[]): Promise<Money> {
  const entry = (await findResellerPrice(db, reseller.id, product, termMonths)) ?? listPrice(product, termMonths);
  return orderPrice(PRODUCTS[product], entry, names, reseller.currency);
}

/** A reseller with its own prices, as far as quoting needs them. */
export interface PricingContext {
  readonly reseller: Reseller;
  quote(product: ProductCode, termMonths: TermMonths, names: readonly string[]): Money;
}

const priceKey = (product: string, termMonths: number) => `${product}/${termMonths}`;

/**
 * Quotes for orders being typed, from a short-lived per-process copy of the reseller and its prices:
 * a form validates on every keystroke, and two queries per keystroke buy nothing. Changes made in this
 * process take effect at once (`invalidate`); changes made by another process within `ttlMs`. Placing an
 * order never uses this copy: it prices from the database inside its transaction.
 */
export class PriceBook {
  readonly #db: Executor;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { loadedAt: number; context: PricingContext }>();

  constructor(db: Executor, options: { ttlMs?: number } = {}) {
    this.#db = db;
    this.#ttlMs = options.ttlMs ?? 5000;
  }

  /** The reseller's pricing context, or undefined when there is no such reseller. */
  async get(resellerId: string): Promise<PricingContext | undefined> {
    const cached = this.#entries.get(resellerId);
    // Cache age is operational, not business time: the monotonic clock is the right one here.
    if (cached && performance.now() - cached.loadedAt < this.#ttlMs) return cached.context;
    const [reseller, rows] = await Promise.all([findReseller(this.#db, resellerId), listResellerPrices(this.#db, resellerId)]);
    if (!reseller) return undefined;
    const prices = new Map<string, PriceEntry>(rows.map((r) => [priceKey(r.product, r.term_months), { amount: r.amount, extraNameAmount: r.extra_name_amount }]));
    const context: PricingContext = {
      reseller,
      quote: (product, termMonths, names) =>
        orderPrice(PRODUCTS[product], prices.get(priceKey(product, termMonths)) ?? listPrice(product, termMonths), names, reseller.currency),
    };
    if (this.#entries.size >= 10_000) this.#entries.clear();
    this.#entries.set(resellerId, { loadedAt: performance.now(), context });
    return context;
  }

  /** Forgets a reseller after its account, settings or prices changed. */
  invalidate(resellerId: string): void {
    this.#entries.delete(resellerId);
  }
}
