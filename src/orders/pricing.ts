import type { Money } from '../domain/money.js';
import { listPrice, orderPrice, PRODUCTS, type ProductCode, type TermMonths } from '../domain/products.js';
import type { Executor } from '../store/database.js';
import { findResellerPrice, type Reseller } from '../store/accounts.repository.js';

/** The price a reseller pays for a product, term and set of names: its own price if staff set one, else the list price. */
export async function priceOrder(db: Executor, reseller: Reseller, product: ProductCode, termMonths: TermMonths, names: readonly string[]): Promise<Money> {
  const entry = (await findResellerPrice(db, reseller.id, product, termMonths)) ?? listPrice(product, termMonths);
  return orderPrice(PRODUCTS[product], entry, names, reseller.currency);
}
