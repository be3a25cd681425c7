import { describe, expect, it } from 'vitest';
import { addMonths, dueReminder, needsSuccessor, nextStep, renewalStartsAt, validityWithinTerm } from './subscription.js';
import { dcvReusable, dcvReuseDays } from './validity.js';

const at = (iso: string) => new Date(iso);
const DAY = 86_400_000;

describe('the subscription term', () => {
  it('adds calendar months, keeping the day or taking the last of a shorter month', () => {
    expect(addMonths(at('2026-11-26T12:00:00Z'), 24).toISOString()).toBe('2028-11-26T12:00:00.000Z');
    expect(addMonths(at('2027-01-31T00:00:00Z'), 1).toISOString()).toBe('2027-02-28T00:00:00.000Z');
    expect(addMonths(at('2027-02-28T00:00:00Z'), 12).toISOString()).toBe('2028-02-28T00:00:00.000Z');
    expect(addMonths(at('2028-02-29T00:00:00Z'), 12).toISOString()).toBe('2029-02-28T00:00:00.000Z');
  });

  it('asks for the longest validity the Baseline Requirements allow at issuance, never past the term', () => {
    const termEnd = at('2028-11-26T12:00:00Z');
    expect(validityWithinTerm(at('2026-11-26T12:00:00Z'), termEnd)).toBe(199);
    expect(validityWithinTerm(at('2027-03-14T23:59:59Z'), termEnd)).toBe(199);
    expect(validityWithinTerm(at('2027-03-15T00:00:00Z'), termEnd)).toBe(99);
    expect(validityWithinTerm(at('2028-10-01T12:00:00Z'), termEnd)).toBe(56);
    expect(validityWithinTerm(at('2029-03-15T00:00:00Z'), at('2030-01-01T00:00:00Z'))).toBe(46);
  });

  it('starts a successor before expiry only while the term goes on', () => {
    expect(renewalStartsAt(at('2027-06-13T12:00:00Z')).toISOString()).toBe('2027-05-14T12:00:00.000Z');
    expect(needsSuccessor(at('2028-11-26T12:00:00Z'), at('2028-11-26T12:00:00Z'))).toBe(false);
    expect(needsSuccessor(at('2028-11-25T12:00:00Z'), at('2028-11-26T12:00:00Z'))).toBe(true);
  });

  it('reminds of the most urgent threshold reached, and of nothing before the first or after the date', () => {
    const expiry = at('2027-06-13T12:00:00Z');
    const days = [14, 7, 1];
    expect(dueReminder(expiry, new Date(expiry.getTime() - 15 * DAY), days)).toBeUndefined();
    expect(dueReminder(expiry, new Date(expiry.getTime() - 14 * DAY), days)).toBe(14);
    expect(dueReminder(expiry, new Date(expiry.getTime() - 3 * DAY), days)).toBe(7);
    expect(dueReminder(expiry, new Date(expiry.getTime() - 1), days)).toBe(1);
    expect(dueReminder(expiry, expiry, days)).toBeUndefined();
  });

  it('says what happens next', () => {
    const now = at('2027-01-01T00:00:00Z');
    const base = { termEndsAt: at('2028-11-26T12:00:00Z'), current: { notAfter: at('2027-06-13T12:00:00Z') }, revoked: false, openRenewal: null };
    expect(nextStep(base, now)).toEqual({ action: 'renewal', at: at('2027-05-14T12:00:00Z') });
    expect(nextStep({ ...base, openRenewal: { status: 'awaiting_csr' } }, now).action).toBe('renewal_awaiting_csr');
    expect(nextStep({ ...base, revoked: true }, now).action).toBe('none');
    expect(nextStep({ ...base, current: { notAfter: at('2028-11-26T12:00:00Z') } }, now)).toEqual({ action: 'term_ends', at: at('2028-11-26T12:00:00Z') });
    expect(nextStep(base, at('2028-11-27T00:00:00Z')).action).toBe('ended');
    expect(nextStep({ ...base, termEndsAt: null }, now).action).toBe('none');
  });
});

describe('domain validation reuse (BR 4.2.1)', () => {
  it('follows the reduction dates', () => {
    expect(dcvReuseDays(at('2026-03-14T00:00:00Z'))).toBe(398);
    expect(dcvReuseDays(at('2026-11-26T00:00:00Z'))).toBe(200);
    expect(dcvReuseDays(at('2027-03-15T00:00:00Z'))).toBe(100);
    expect(dcvReuseDays(at('2029-03-15T00:00:00Z'))).toBe(10);
    expect(dcvReusable(at('2026-11-26T12:00:00Z'), at('2027-03-06T12:00:00Z'))).toBe(true);
    expect(dcvReusable(at('2026-11-26T12:00:00Z'), at('2027-05-14T12:00:00Z'))).toBe(false);
  });
});
