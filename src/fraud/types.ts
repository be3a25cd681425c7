import type { ProductCode, ValidationLevel } from '../domain/products.js';

/**
 * Everything the screen looks at: the order, its reseller, and facts the caller looked up in the
 * database. The screen itself reads no clock and no database, so the same input always gives the
 * same verdict.
 */
export interface ScreenInput {
  readonly order: {
    readonly id: string;
    readonly product: ProductCode;
    readonly validation: ValidationLevel;
    /** The names as stored: lower-case A-labels (`xn--…`), `*.` kept for a wildcard, or IP addresses. */
    readonly domains: readonly string[];
    readonly approverEmail: string;
    /** `country` is ISO 3166-1 alpha-2. */
    readonly adminContact: { readonly email: string; readonly country: string; readonly firstName: string; readonly lastName: string };
    /** OV/EV only; countries are ISO 3166-1 alpha-2. */
    readonly organization: { readonly legalName?: string; readonly country?: string; readonly jurisdictionCountry?: string } | null;
    /** Minor units. */
    readonly priceAmount: number;
    readonly currency: string;
    readonly createdAt: Date;
  };
  readonly reseller: {
    readonly id: string;
    readonly createdAt: Date;
    /** Orders placed before this one. */
    readonly ordersPlaced: number;
    /** What those orders cost, in minor units. */
    readonly totalSpent: number;
  };
  /** Facts for the velocity and cross-reseller rules; every count leaves this order out. */
  readonly history: {
    readonly resellerOrdersLastHour: number;
    readonly resellerOrdersLastDay: number;
    /** Orders for the same registrable domain by any reseller. */
    readonly domainOrdersLastDay: number;
    readonly sameDomainOtherResellerRecently: boolean;
  };
  readonly now: Date;
}

/** The rules of the screen, each a stable id that staff see and that the stored verdicts keep. */
export const FRAUD_RULES = [
  'name.brand_lookalike',
  'name.brand_typo',
  'name.brand',
  'name.brand_embedded',
  'name.brand_lure',
  'name.mixed_scripts',
  'contact.sanctioned_country',
  'contact.disposable_email',
  'contact.free_mail',
  'velocity.reseller_hour',
  'velocity.reseller_day',
  'velocity.domain',
  'reseller.new_large_order',
  'domain.other_reseller',
] as const;

/** One of {@link FRAUD_RULES}. */
export type FraudRule = (typeof FRAUD_RULES)[number];

/** One rule that fired: its id, its points, and a sentence staff can read. */
export interface RuleHit {
  readonly rule: FraudRule;
  readonly score: number;
  readonly reason: string;
}

/** The verdict: `score` is the sum of the hits' points, so every point is explained by a hit. */
export interface ScreenResult {
  readonly score: number;
  /** `score >= holdThreshold`: the order waits for staff instead of going to a supplier. */
  readonly hold: boolean;
  readonly hits: readonly RuleHit[];
}

/**
 * Thresholds and lists, from configuration; `DEFAULT_FRAUD_CONFIG` has the shipped values. A
 * configuration object is treated as immutable: the screen prepares its lists once per object.
 */
export interface FraudConfig {
  /** An order scoring this much or more is held. */
  readonly holdThreshold: number;
  /** High-risk names: brands, banks, authorities. Compared lower-case with anything but letters and digits removed (`wells-fargo` is `wellsfargo`). */
  readonly brands: readonly string[];
  /** Registrable domains that belong to the brands themselves (`paypal.com`, `hmrc.gov.uk`): names under them never trip a brand rule. */
  readonly brandDomains: readonly string[];
  /** Everyday words one typo away from a brand (`finance`, `stream`): never taken for typo-squats. */
  readonly ordinaryWords: readonly string[];
  /** ISO 3166-1 alpha-2 codes. */
  readonly sanctionedCountries: readonly string[];
  /** Mail domains of throwaway mailboxes; their subdomains count too. */
  readonly disposableDomains: readonly string[];
  /** Mail domains of free mailbox providers; their subdomains count too. */
  readonly freeMailDomains: readonly string[];
  /** Orders allowed before the next one counts as too many. */
  readonly velocity: { readonly resellerPerHour: number; readonly resellerPerDay: number; readonly domainPerDay: number };
  /**
   * A reseller younger than `maxAgeDays` placing an order of `largeOrderAmount` minor units or more,
   * or more than `averageMultiple` times its average order so far.
   */
  readonly newReseller: { readonly maxAgeDays: number; readonly largeOrderAmount: number; readonly averageMultiple: number };
}
