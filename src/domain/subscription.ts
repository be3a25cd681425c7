import { defaultCertificateValidityDays } from './validity.js';

/**
 * Subscriptions over short certificates: an order buys a term of months; certificates live at most
 * the Baseline Requirements' maximum (domain/validity.ts), so a chain of certificates covers the term.
 * Everything here is pure: the use cases pass in the facts and the time.
 */

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/** Days before a certificate expires that its successor is started (configurable per platform). */
export const DEFAULT_RENEWAL_LEAD_DAYS = 30;

/** Days before expiry at which a certificate with no successor yet is reminded of, most distant first. */
export const CERTIFICATE_REMINDER_DAYS = [14, 7, 1] as const;

/** Days before the end of the term at which the reseller and the administrative contact are reminded. */
export const TERM_REMINDER_DAYS = [60, 30, 7] as const;

/** A successor is not worth issuing for less than this: the last certificate covers the term's end. */
const MIN_RENEWAL_DAYS = 1;

/** `months` calendar months after `start` (the last day of a shorter month when the day does not exist). */
export function addMonths(start: Date, months: number): Date {
  const end = new Date(start.getTime());
  const day = end.getUTCDate();
  end.setUTCDate(1);
  end.setUTCMonth(end.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + 1, 0)).getUTCDate();
  end.setUTCDate(Math.min(day, lastDay));
  return end;
}

/** The term an order's first certificate starts. */
export function termOf(firstIssuedAt: Date, termMonths: number): { startsAt: Date; endsAt: Date } {
  return { startsAt: firstIssuedAt, endsAt: addMonths(firstIssuedAt, termMonths) };
}

/** Whether a certificate ending at `notAfter` leaves part of the term uncovered (a successor is due). */
export function needsSuccessor(notAfter: Date, termEndsAt: Date): boolean {
  return termEndsAt.getTime() - notAfter.getTime() >= MIN_RENEWAL_DAYS * DAY_MS;
}

/** When the successor of a certificate ending at `notAfter` is started. */
export function renewalStartsAt(notAfter: Date, leadDays: number = DEFAULT_RENEWAL_LEAD_DAYS): Date {
  return new Date(notAfter.getTime() - leadDays * DAY_MS);
}

/**
 * The validity to ask for a certificate of the term issued at `at`: the longest the Baseline
 * Requirements allow then, but not beyond the end of the term (rounded up to whole days).
 */
export function validityWithinTerm(at: Date, termEndsAt: Date): number {
  const left = Math.ceil((termEndsAt.getTime() - at.getTime()) / DAY_MS);
  return Math.max(MIN_RENEWAL_DAYS, Math.min(defaultCertificateValidityDays(at), left));
}

/**
 * The reminder due at `now` for something that happens at `at`, given the days before it that are
 * reminded of: the most urgent threshold already reached, or none (before the first, or after `at`).
 * A sweep that ran late sends only the most urgent one.
 */
export function dueReminder(at: Date, now: Date, days: readonly number[]): number | undefined {
  if (now.getTime() >= at.getTime()) return undefined;
  const reached = days.filter((d) => now.getTime() >= at.getTime() - d * DAY_MS);
  return reached.length === 0 ? undefined : Math.min(...reached);
}

/** Whole days from `now` until `at`, rounded up (a certificate expiring in 6.2 days has 7 days left). */
export function daysUntil(at: Date, now: Date): number {
  return Math.ceil((at.getTime() - now.getTime()) / DAY_MS);
}

/** What the platform does next for a subscription, as shown on the order page and in the API. */
export type NextStep =
  | { readonly action: 'none'; readonly at: null }
  | { readonly action: 'renewal'; readonly at: Date }
  | { readonly action: 'renewal_awaiting_csr'; readonly at: null }
  | { readonly action: 'renewal_in_progress'; readonly at: null }
  | { readonly action: 'term_ends'; readonly at: Date }
  | { readonly action: 'ended'; readonly at: Date };

/** The facts the next step follows from. */
export interface SubscriptionFacts {
  readonly termEndsAt: Date | null;
  /** The certificate in use: the newest one that is not revoked. */
  readonly current: { readonly notAfter: Date } | null;
  /** Every certificate of the order is revoked (and not superseded): nothing more is issued. */
  readonly revoked: boolean;
  readonly openRenewal: { readonly status: 'awaiting_csr' | 'pending' } | null;
}

export function nextStep(facts: SubscriptionFacts, now: Date, leadDays: number = DEFAULT_RENEWAL_LEAD_DAYS): NextStep {
  const { termEndsAt, current } = facts;
  if (termEndsAt === null || current === null || facts.revoked) return { action: 'none', at: null };
  if (now.getTime() >= termEndsAt.getTime()) return { action: 'ended', at: termEndsAt };
  if (facts.openRenewal !== null) return facts.openRenewal.status === 'awaiting_csr' ? { action: 'renewal_awaiting_csr', at: null } : { action: 'renewal_in_progress', at: null };
  if (needsSuccessor(current.notAfter, termEndsAt)) return { action: 'renewal', at: renewalStartsAt(current.notAfter, leadDays) };
  return { action: 'term_ends', at: termEndsAt };
}
