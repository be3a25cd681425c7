/**
 * CA/Browser Forum Baseline Requirements 6.3.2: the maximum validity of a TLS subscriber certificate
 * falls in steps. One table, read by the catalog, the suppliers and the renewal scheduler.
 */
export const MAX_VALIDITY_SCHEDULE: readonly { readonly from: string; readonly maxDays: number }[] = [
  { from: '2026-03-15T00:00:00Z', maxDays: 200 },
  { from: '2027-03-15T00:00:00Z', maxDays: 100 },
  { from: '2029-03-15T00:00:00Z', maxDays: 47 },
];

/** Days kept below the maximum so that clock skew between us and a CA can never exceed the limit. */
const VALIDITY_MARGIN_DAYS = 1;

/** The longest validity the Baseline Requirements allow for a certificate issued at `at`. */
export function maxCertificateValidityDays(at: Date): number {
  let maxDays = 398; // BR 6.3.2 before 2026-03-15
  for (const step of MAX_VALIDITY_SCHEDULE) {
    if (at.getTime() >= Date.parse(step.from)) maxDays = step.maxDays;
  }
  return maxDays;
}

/** The validity the platform asks for: a little under the maximum in force at `at`. */
export function defaultCertificateValidityDays(at: Date): number {
  return maxCertificateValidityDays(at) - VALIDITY_MARGIN_DAYS;
}

/**
 * BR 4.2.1 / 3.2.2.4: how long a domain validation may be reused for a new certificate, by the date of
 * issuance. Read by the suppliers (may they issue without validating again?) and by the renewal
 * scheduler (does the next certificate of a term need the approval email again?).
 */
export const DCV_REUSE_SCHEDULE: readonly { readonly from: string; readonly days: number }[] = [
  { from: '2026-03-15T00:00:00Z', days: 200 },
  { from: '2027-03-15T00:00:00Z', days: 100 },
  { from: '2029-03-15T00:00:00Z', days: 10 },
];

/** Days a domain validation done before `at` may be reused at `at` (398 before the first reduction). */
export function dcvReuseDays(at: Date): number {
  let days = 398;
  for (const step of DCV_REUSE_SCHEDULE) if (at.getTime() >= Date.parse(step.from)) days = step.days;
  return days;
}

/** Whether a validation done at `validatedAt` may still be reused for a certificate issued at `at`. */
export function dcvReusable(validatedAt: Date, at: Date): boolean {
  return at.getTime() <= validatedAt.getTime() + dcvReuseDays(at) * 86_400_000;
}
