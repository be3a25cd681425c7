import { domainToUnicode } from 'node:url';
import { getDomain } from 'tldts';
import { editDistance, scriptsOf, skeleton } from './confusables.js';
import type { FraudConfig, RuleHit, ScreenInput, ScreenResult } from './types.js';

export type { FraudConfig, RuleHit, ScreenInput, ScreenResult } from './types.js';
export { skeleton } from './confusables.js';

/**
 * The fraud screen (issue: fraud screening): pure and explainable. Every rule adds points with a reason
 * staff can read; an order at or above the threshold is held for review before it reaches a supplier.
 */

/** Brands and financial institutions commonly phished; a brand's own registrable domains never fire. */
const DEFAULT_BRANDS = [
  'paypal', 'apple', 'icloud', 'microsoft', 'office365', 'outlook', 'google', 'gmail', 'amazon', 'netflix', 'facebook', 'instagram', 'whatsapp',
  'linkedin', 'dropbox', 'docusign', 'chase', 'wellsfargo', 'bankofamerica', 'citibank', 'hsbc', 'barclays', 'santander', 'deutschebank',
  'sparkasse', 'commerzbank', 'volksbank', 'postbank', 'revolut', 'coinbase', 'binance', 'kraken', 'metamask', 'blockchain', 'americanexpress',
  'mastercard', 'visa', 'dhl', 'fedex', 'usps', 'steam', 'roblox', 'adobe', 'ebay', 'walmart', 'wise', 'n26',
] as const;

export const DEFAULT_FRAUD_CONFIG: FraudConfig = Object.freeze({
  holdThreshold: 50,
  brands: DEFAULT_BRANDS,
  // OFAC/EU comprehensive sanctions, as ISO 3166-1 codes.
  sanctionedCountries: ['CU', 'IR', 'KP', 'SY', 'RU', 'BY'],
  disposableDomains: ['mailinator.com', 'guerrillamail.com', '10minutemail.com', 'temp-mail.org', 'yopmail.com', 'trashmail.com', 'sharklasers.com', 'getnada.com', 'dispostable.com', 'maildrop.cc'],
  freeMailDomains: ['gmail.com', 'googlemail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'live.com', 'aol.com', 'icloud.com', 'gmx.de', 'gmx.net', 'web.de', 'mail.ru', 'yandex.ru', 'proton.me', 'protonmail.com'],
  velocity: { resellerPerHour: 30, resellerPerDay: 200, domainPerDay: 5 },
  newReseller: { maxAgeDays: 14, largeOrderAmount: 50_000 },
});

/** Words that make a brand look-alike a phishing page rather than a coincidence. */
const LURE_WORDS = ['login', 'signin', 'secure', 'verify', 'verification', 'account', 'update', 'support', 'wallet', 'billing', 'auth', 'confirm', 'unlock'];

/** The registrable domains a brand legitimately owns (a brand's own order never fires). */
function ownDomain(brand: string, registrable: string): boolean {
  const [label] = registrable.split('.');
  return label === brand;
}

const SCORES = {
  brandExact: 30,
  brandLookAlike: 60,
  brandTypo: 50,
  brandLure: 20,
  mixedScripts: 40,
  sanctioned: 100,
  disposable: 25,
  disposableValidated: 50,
  freeMailValidated: 20,
  velocityReseller: 30,
  velocityDomain: 30,
  newResellerLarge: 30,
  otherReseller: 20,
} as const;

/** The registrable domain under the Public Suffix List (`paypal.co.uk`), or the name itself. */
function registrableOf(name: string): string {
  const bare = name.replace(/^\*\./, '');
  return getDomain(bare, { allowPrivateDomains: false }) ?? bare;
}

/** Brand rules over every label of every name: look-alikes, typo-squats, mixed scripts, lure words. */
function nameRules(domains: readonly string[], brands: readonly string[]): RuleHit[] {
  const hits: RuleHit[] = [];
  const seen = new Set<string>();
  const hit = (h: RuleHit) => {
    const key = `${h.rule}:${h.reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      hits.push(h);
    }
  };
  for (const name of domains) {
    const unicode = domainToUnicode(name) || name;
    const registrable = registrableOf(unicode);
    // Every label but the public suffix: `paypal` in `paypal.example.com` counts, `com` does not.
    const suffixLabels = registrable.split('.').length - 1;
    const labels = unicode.replace(/^\*\./, '').split('.').slice(0, -suffixLabels || undefined);
    for (const label of labels) {
      const scripts = scriptsOf(label);
      if (scripts.size > 1) {
        hit({ rule: 'name.mixed_scripts', score: SCORES.mixedScripts, reason: `"${unicode}" mixes ${[...scripts].join(' and ')} letters in one label, a common disguise.` });
      }
      const parts = [label, ...label.split('-')].filter((p) => p.length > 0);
      const lure = label.split('-').some((p) => LURE_WORDS.includes(skeleton(p)));
      for (const part of parts) {
        const shape = skeleton(part);
        for (const brand of brands) {
          if (ownDomain(brand, registrable)) continue;
          const literal = part === brand;
          if (shape === brand && !literal) {
            hit({ rule: 'name.brand_lookalike', score: SCORES.brandLookAlike, reason: `"${unicode}" looks like the brand "${brand}" (letters that render alike: skeleton "${shape}").` });
          } else if (literal) {
            hit({ rule: 'name.brand', score: SCORES.brandExact, reason: `"${unicode}" contains the brand "${brand}" without being one of its domains.` });
          } else if (brand.length >= 5 && part.length >= 4) {
            const distance = editDistance(shape, brand, 2);
            const limit = brand.length >= 9 ? 2 : 1;
            if (distance <= limit) {
              hit({ rule: 'name.brand_typo', score: SCORES.brandTypo, reason: `"${unicode}" is one slip away from the brand "${brand}" ("${part}", edit distance ${distance}).` });
            } else continue;
          } else continue;
          if (lure) hit({ rule: 'name.brand_lure', score: SCORES.brandLure, reason: `"${unicode}" pairs "${brand}" with a word phishing pages use (login, secure, verify …).` });
        }
      }
    }
  }
  return hits;
}

function contactRules(input: ScreenInput, config: FraudConfig): RuleHit[] {
  const hits: RuleHit[] = [];
  const { order } = input;
  const sanctioned = new Set(config.sanctionedCountries.map((c) => c.toUpperCase()));
  const places: [string, string | undefined][] = [
    ['the administrative contact', order.adminContact.country],
    ['the organisation', order.organization?.country],
    ['the organisation’s jurisdiction', order.organization?.jurisdictionCountry],
  ];
  for (const [who, country] of places) {
    if (country !== undefined && sanctioned.has(country.toUpperCase())) {
      hits.push({ rule: 'contact.sanctioned_country', score: SCORES.sanctioned, reason: `The country of ${who} (${country.toUpperCase()}) is under sanctions.` });
    }
  }
  const validated = order.validation !== 'dv';
  for (const [who, email] of [
    ['administrative contact', order.adminContact.email],
    ['approver', order.approverEmail],
  ] as const) {
    const domain = email.split('@')[1]?.toLowerCase() ?? '';
    if (config.disposableDomains.includes(domain)) {
      hits.push({
        rule: 'contact.disposable_email',
        score: validated ? SCORES.disposableValidated : SCORES.disposable,
        reason: `The ${who} uses a disposable mailbox (${domain}).`,
      });
    } else if (validated && who === 'administrative contact' && config.freeMailDomains.includes(domain)) {
      hits.push({ rule: 'contact.free_mail_on_validated', score: SCORES.freeMailValidated, reason: `An ${order.validation.toUpperCase()} order whose administrative contact uses a free mailbox (${domain}).` });
    }
  }
  return hits;
}

function historyRules(input: ScreenInput, config: FraudConfig): RuleHit[] {
  const hits: RuleHit[] = [];
  const { history, reseller, order } = input;
  if (history.resellerOrdersLastHour >= config.velocity.resellerPerHour || history.resellerOrdersLastDay >= config.velocity.resellerPerDay) {
    hits.push({
      rule: 'velocity.reseller',
      score: SCORES.velocityReseller,
      reason: `The reseller placed ${history.resellerOrdersLastHour} orders in the last hour and ${history.resellerOrdersLastDay} in the last day (limits ${config.velocity.resellerPerHour} and ${config.velocity.resellerPerDay}).`,
    });
  }
  if (history.domainOrdersLastDay >= config.velocity.domainPerDay) {
    hits.push({ rule: 'velocity.domain', score: SCORES.velocityDomain, reason: `The same domain was ordered ${history.domainOrdersLastDay} times in the last day (limit ${config.velocity.domainPerDay}).` });
  }
  const ageDays = (input.now.getTime() - reseller.createdAt.getTime()) / 86_400_000;
  const average = reseller.ordersPlaced > 0 ? reseller.totalSpent / reseller.ordersPlaced : 0;
  if (ageDays < config.newReseller.maxAgeDays && (order.priceAmount >= config.newReseller.largeOrderAmount || (average > 0 && order.priceAmount > average * 10))) {
    hits.push({ rule: 'reseller.new_large_order', score: SCORES.newResellerLarge, reason: `A reseller of ${Math.floor(ageDays)} days places an unusually large order (${order.priceAmount} minor units ${order.currency}).` });
  }
  if (history.sameDomainOtherResellerRecently) {
    hits.push({ rule: 'domain.other_reseller', score: SCORES.otherReseller, reason: 'Another reseller ordered a certificate for the same domain recently.' });
  }
  return hits;
}

/** Screens one order: every rule that fired, the sum of their points, and whether that reaches the threshold. */
export function screenOrder(input: ScreenInput, config: FraudConfig = DEFAULT_FRAUD_CONFIG): ScreenResult {
  const hits = [...nameRules(input.order.domains, config.brands), ...contactRules(input, config), ...historyRules(input, config)];
  const score = hits.reduce((sum, h) => sum + h.score, 0);
  return { score, hold: score >= config.holdThreshold, hits };
}
