import type { Currency } from './money.js';

/** The product codes of the catalog (DESIGN.md); the database check constraint uses the same list. */
export const PRODUCT_CODES = [
  'dv-single',
  'dv-wildcard',
  'dv-multi',
  'ov-single',
  'ov-wildcard',
  'ov-multi',
  'ev-single',
  'ev-multi',
] as const;
export type ProductCode = (typeof PRODUCT_CODES)[number];

export function isProductCode(value: unknown): value is ProductCode {
  return typeof value === 'string' && (PRODUCT_CODES as readonly string[]).includes(value);
}

export const VALIDATION_LEVELS = ['dv', 'ov', 'ev'] as const;
export type ValidationLevel = (typeof VALIDATION_LEVELS)[number];

/**
 * Subscription terms in months. A certificate itself lives at most 200 days (BR 6.3.2, see
 * `validity.ts`), so a term is covered by a chain of reissued certificates.
 */
export const TERM_MONTHS = [12, 24, 36] as const;
export type TermMonths = (typeof TERM_MONTHS)[number];

/** A product of the catalog: what it may contain and how names are counted and priced. */
export interface Product {
  readonly code: ProductCode;
  readonly name: string;
  readonly validation: ValidationLevel;
  /** Whether `*.` names are allowed (EV never: EV Guidelines 9.2.1). */
  readonly wildcard: boolean;
  /** Names included in the base price. */
  readonly includedNames: number;
  /** Most names one order may carry. */
  readonly maxNames: number;
  /**
   * Single-name products also cover the obvious companion name at no charge: `www.` + the name for
   * single products, the bare domain for a wildcard (`*.example.com` + `example.com`).
   */
  readonly companionName: 'www' | 'base' | null;
  /** The supplier adapter that fulfils this product unless configuration says otherwise. */
  readonly supplier: string;
}

function product(p: Product): Product {
  return Object.freeze(p);
}

export const PRODUCTS: Readonly<Record<ProductCode, Product>> = Object.freeze({
  'dv-single': product({ code: 'dv-single', name: 'DV Single Domain', validation: 'dv', wildcard: false, includedNames: 1, maxNames: 1, companionName: 'www', supplier: 'local-ca' }),
  'dv-wildcard': product({ code: 'dv-wildcard', name: 'DV Wildcard', validation: 'dv', wildcard: true, includedNames: 1, maxNames: 1, companionName: 'base', supplier: 'local-ca' }),
  'dv-multi': product({ code: 'dv-multi', name: 'DV Multi-Domain', validation: 'dv', wildcard: true, includedNames: 3, maxNames: 100, companionName: null, supplier: 'local-ca' }),
  'ov-single': product({ code: 'ov-single', name: 'OV Single Domain', validation: 'ov', wildcard: false, includedNames: 1, maxNames: 1, companionName: 'www', supplier: 'local-ca' }),
  'ov-wildcard': product({ code: 'ov-wildcard', name: 'OV Wildcard', validation: 'ov', wildcard: true, includedNames: 1, maxNames: 1, companionName: 'base', supplier: 'local-ca' }),
  'ov-multi': product({ code: 'ov-multi', name: 'OV Multi-Domain', validation: 'ov', wildcard: true, includedNames: 3, maxNames: 100, companionName: null, supplier: 'local-ca' }),
  'ev-single': product({ code: 'ev-single', name: 'EV Single Domain', validation: 'ev', wildcard: false, includedNames: 1, maxNames: 1, companionName: 'www', supplier: 'local-ca' }),
  'ev-multi': product({ code: 'ev-multi', name: 'EV Multi-Domain', validation: 'ev', wildcard: false, includedNames: 3, maxNames: 100, companionName: null, supplier: 'local-ca' }),
});

/** A price list entry: the price of one term, and of each name beyond the included ones for that term. */
export interface PriceEntry {
  readonly amount: number;
  readonly extraNameAmount: number;
}

/** Yearly list prices in minor units; the same figures in every currency for simplicity of the list. */
const YEARLY_LIST_PRICES: Readonly<Record<ProductCode, PriceEntry>> = {
  'dv-single': { amount: 900, extraNameAmount: 0 },
  'dv-wildcard': { amount: 6900, extraNameAmount: 0 },
  'dv-multi': { amount: 2900, extraNameAmount: 500 },
  'ov-single': { amount: 4900, extraNameAmount: 0 },
  'ov-wildcard': { amount: 14900, extraNameAmount: 0 },
  'ov-multi': { amount: 9900, extraNameAmount: 1500 },
  'ev-single': { amount: 12900, extraNameAmount: 0 },
  'ev-multi': { amount: 19900, extraNameAmount: 3500 },
};

/** Multi-year terms cost a little less per year: 100 %, 95 %, 90 % of the yearly price. */
const TERM_FACTOR_PERCENT: Readonly<Record<TermMonths, number>> = { 12: 100, 24: 95, 36: 90 };

/** The list price of a product for a term, in minor units, before any reseller-specific price. */
export function listPrice(code: ProductCode, termMonths: TermMonths): PriceEntry {
  const yearly = YEARLY_LIST_PRICES[code];
  const years = termMonths / 12;
  const factor = TERM_FACTOR_PERCENT[termMonths];
  return {
    amount: Math.round((yearly.amount * years * factor) / 100),
    extraNameAmount: Math.round((yearly.extraNameAmount * years * factor) / 100),
  };
}

/** Names that count against a product's allowance: the free companion name does not. */
export function billableNameCount(p: Product, names: readonly string[]): number {
  if (p.companionName === null || names.length !== 2) return names.length;
  const [first, second] = names as [string, string];
  return isCompanion(p, first, second) || isCompanion(p, second, first) ? 1 : 2;
}

/** Whether `other` is the free companion of `main` for this product. */
export function isCompanion(p: Product, main: string, other: string): boolean {
  if (p.companionName === 'www') return !main.startsWith('*.') && other === `www.${main}`;
  if (p.companionName === 'base') return main.startsWith('*.') && other === main.slice(2);
  return false;
}

/** The price of an order: the term price plus each billable name beyond the included ones. */
export function orderPrice(p: Product, entry: PriceEntry, names: readonly string[], currency: Currency) {
  const extra = Math.max(0, billableNameCount(p, names) - p.includedNames);
  return { amount: entry.amount + extra * entry.extraNameAmount, currency };
}
