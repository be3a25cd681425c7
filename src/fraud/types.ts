import type { ProductCode } from '../domain/products.js';

/** Everything the screen looks at: the order, its reseller, and facts looked up in the database. */
export interface ScreenInput {
  readonly order: {
    readonly id: string;
    readonly product: ProductCode;
    readonly validation: 'dv' | 'ov' | 'ev';
    /** A-labels, as stored. */
    readonly domains: readonly string[];
    readonly approverEmail: string;
    readonly adminContact: { readonly email: string; readonly country: string; readonly firstName: string; readonly lastName: string };
    readonly organization: { readonly legalName?: string; readonly country?: string; readonly jurisdictionCountry?: string } | null;
    readonly priceAmount: number;
    readonly currency: string;
    readonly createdAt: Date;
  };
  readonly reseller: { readonly id: string; readonly createdAt: Date; readonly ordersPlaced: number; readonly totalSpent: number };
  readonly history: {
    readonly resellerOrdersLastHour: number;
    readonly resellerOrdersLastDay: number;
    readonly domainOrdersLastDay: number;
    readonly sameDomainOtherResellerRecently: boolean;
  };
  readonly now: Date;
}

/** One rule that fired: a stable id, its points, and a sentence staff can read. */
export interface RuleHit {
  readonly rule: string;
  readonly score: number;
  readonly reason: string;
}

export interface ScreenResult {
  readonly score: number;
  readonly hold: boolean;
  readonly hits: readonly RuleHit[];
}

/** Thresholds and lists, from configuration. */
export interface FraudConfig {
  readonly holdThreshold: number;
  readonly brands: readonly string[];
  readonly sanctionedCountries: readonly string[];
  readonly disposableDomains: readonly string[];
  readonly freeMailDomains: readonly string[];
  readonly velocity: { readonly resellerPerHour: number; readonly resellerPerDay: number; readonly domainPerDay: number };
  readonly newReseller: { readonly maxAgeDays: number; readonly largeOrderAmount: number };
}
