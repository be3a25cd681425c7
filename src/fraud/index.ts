import { mailboxRules, sanctionRules } from './contact.rules.js';
import { DEFAULT_FRAUD_CONFIG } from './defaults.js';
import { newResellerRules, otherResellerRules, velocityRules } from './history.rules.js';
import { nameRules, registrableDomainsOf } from './name.rules.js';
import type { FraudConfig, ScreenInput, ScreenResult } from './types.js';

export { DEFAULT_FRAUD_CONFIG } from './defaults.js';
export { SCORES } from './scores.js';
export { FRAUD_RULES, type FraudConfig, type FraudRule, type RuleHit, type ScreenInput, type ScreenResult } from './types.js';

/**
 * The fraud screen (issue 7), run between `received` and release: every rule that fires adds points
 * with a sentence staff can read, and an order whose points reach `holdThreshold` goes to `on_hold`
 * instead of to a supplier. Pure: no clock, no I/O; the same input always gives the same verdict,
 * and the score is exactly the sum of the hits.
 */
export function screenOrder(input: ScreenInput, config: FraudConfig = DEFAULT_FRAUD_CONFIG): ScreenResult {
  const registrable = registrableDomainsOf(input.order.domains);
  const hits = [
    ...nameRules(input.order.domains, config),
    ...sanctionRules(input.order, config),
    ...mailboxRules(input.order, config),
    ...velocityRules(input, registrable, config),
    ...newResellerRules(input, config),
    ...otherResellerRules(input, registrable),
  ];
  const score = hits.reduce((sum, hit) => sum + hit.score, 0);
  return { score, hold: score >= config.holdThreshold, hits };
}
