import { SCORES } from './scores.js';
import type { FraudConfig, RuleHit, ScreenInput } from './types.js';

/** Whether a mail domain is one of the listed ones or a subdomain of one (`eu.mailinator.com`). */
function listed(domain: string, list: readonly string[]): string | undefined {
  return list.find((d) => domain === d || domain.endsWith(`.${d}`));
}

function mailDomainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Sanctioned countries in the administrative contact or the organisation (its seat or its jurisdiction). */
export function sanctionRules(order: ScreenInput['order'], config: FraudConfig): RuleHit[] {
  const sanctioned = new Set(config.sanctionedCountries.map((c) => c.toUpperCase()));
  const places: readonly (readonly [string, string | undefined])[] = [
    ['The administrative contact’s country', order.adminContact.country],
    ['The organisation’s country', order.organization?.country],
    ['The organisation’s jurisdiction of incorporation', order.organization?.jurisdictionCountry],
  ];
  return places.flatMap(([place, country]) => {
    const code = country?.trim().toUpperCase();
    if (code === undefined || !sanctioned.has(code)) return [];
    return [{ rule: 'contact.sanctioned_country', score: SCORES.sanctionedCountry, reason: `${place} is ${code}, which is on the sanctions list.` }];
  });
}

/**
 * Throwaway mailboxes for the administrative or approver contact (weighed by the validation level), and
 * a free mailbox for the administrative contact of an OV/EV order, which vouches for an organisation.
 */
export function mailboxRules(order: ScreenInput['order'], config: FraudConfig): RuleHit[] {
  const hits: RuleHit[] = [];
  const validated = order.validation !== 'dv';
  const level = order.validation.toUpperCase();
  const seen = new Set<string>();
  for (const [who, address] of [
    ['administrative contact', order.adminContact.email],
    ['approver', order.approverEmail],
  ] as const) {
    const domain = mailDomainOf(address);
    const disposable = listed(domain, config.disposableDomains);
    if (disposable === undefined || seen.has(domain)) continue;
    seen.add(domain);
    hits.push({
      rule: 'contact.disposable_email',
      score: validated ? SCORES.disposableEmailValidated : SCORES.disposableEmail,
      reason: `The ${who}’s address "${address}" is at ${disposable}, a throwaway mailbox service${validated ? `, on an ${level} order that vouches for the contact` : ''}.`,
    });
  }
  const adminDomain = mailDomainOf(order.adminContact.email);
  const free = validated ? listed(adminDomain, config.freeMailDomains) : undefined;
  if (free !== undefined) {
    hits.push({
      rule: 'contact.free_mail',
      score: SCORES.freeMailValidated,
      reason: `The administrative contact of this ${level} order uses a free mailbox at ${free} rather than an address of the organisation.`,
    });
  }
  return hits;
}
