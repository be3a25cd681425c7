import { formatMinor } from '../domain/money.js';
import { SCORES } from './scores.js';
import type { FraudConfig, RuleHit, ScreenInput } from './types.js';

const DAY_MS = 86_400_000;

/** `"a.com" and "b.com"`, or "the order's domains" when there are none to name (an order for IP addresses only). */
function named(domains: readonly string[]): string {
  return domains.length === 0 ? 'the order’s domains' : domains.map((d) => `"${d}"`).join(' and ');
}

/**
 * Velocity: more orders from one reseller per hour or per day, or for one registrable domain per day,
 * than the configured limits allow. The counts leave this order out, so it is one too many when the
 * count already reaches the limit.
 */
export function velocityRules(input: ScreenInput, registrableDomains: readonly string[], config: FraudConfig): RuleHit[] {
  const { history } = input;
  const { velocity } = config;
  const hits: RuleHit[] = [];
  if (history.resellerOrdersLastHour >= velocity.resellerPerHour) {
    hits.push({
      rule: 'velocity.reseller_hour',
      score: SCORES.velocityResellerHour,
      reason: `This is the reseller’s order number ${history.resellerOrdersLastHour + 1} in the last hour, more than the ${velocity.resellerPerHour} an hour allowed.`,
    });
  }
  if (history.resellerOrdersLastDay >= velocity.resellerPerDay) {
    hits.push({
      rule: 'velocity.reseller_day',
      score: SCORES.velocityResellerDay,
      reason: `This is the reseller’s order number ${history.resellerOrdersLastDay + 1} in the last day, more than the ${velocity.resellerPerDay} a day allowed.`,
    });
  }
  if (history.domainOrdersLastDay >= velocity.domainPerDay) {
    hits.push({
      rule: 'velocity.domain',
      score: SCORES.velocityDomain,
      reason: `Orders for ${named(registrableDomains)} in the last day, from any reseller: ${history.domainOrdersLastDay} before this one, and ${velocity.domainPerDay} a day are allowed.`,
    });
  }
  return hits;
}

/**
 * A young reseller's unusually large order: at or above the configured amount, or far above its own
 * average so far. Compared in integers (price × orders against multiple × total), never through a float.
 */
export function newResellerRules(input: ScreenInput, config: FraudConfig): RuleHit[] {
  const { order, reseller } = input;
  const { maxAgeDays, largeOrderAmount, averageMultiple } = config.newReseller;
  const ageMs = input.now.getTime() - reseller.createdAt.getTime();
  if (ageMs >= maxAgeDays * DAY_MS) return [];
  const price = `${formatMinor(order.priceAmount)} ${order.currency}`;
  const age = `${Math.floor(ageMs / DAY_MS)} days old`;
  let why: string | undefined;
  if (order.priceAmount >= largeOrderAmount) {
    why = `at or above the ${formatMinor(largeOrderAmount)} that is large for an account younger than ${maxAgeDays} days`;
  } else if (reseller.ordersPlaced > 0 && order.priceAmount * reseller.ordersPlaced > averageMultiple * reseller.totalSpent) {
    why = `more than ${averageMultiple} times its average order of ${formatMinor(Math.round(reseller.totalSpent / reseller.ordersPlaced))}`;
  }
  if (why === undefined) return [];
  return [{ rule: 'reseller.new_large_order', score: SCORES.newResellerLargeOrder, reason: `The reseller’s account is ${age} and this order costs ${price}, ${why}.` }];
}

/** The same registrable domain ordered recently through another reseller (the caller decides how recent). */
export function otherResellerRules(input: ScreenInput, registrableDomains: readonly string[]): RuleHit[] {
  if (!input.history.sameDomainOtherResellerRecently) return [];
  return [{ rule: 'domain.other_reseller', score: SCORES.otherReseller, reason: `Another reseller ordered a certificate for ${named(registrableDomains)} recently.` }];
}
