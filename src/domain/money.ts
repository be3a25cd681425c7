/** Currencies the platform keeps balances in. All have two minor-unit digits (ISO 4217). */
export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'] as const;
export type Currency = (typeof CURRENCIES)[number];

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}

/** An amount in integer minor units (cents) with its currency. Never a float. */
export interface Money {
  readonly amount: number;
  readonly currency: Currency;
}

const MAJOR_AMOUNT = /^(-?)(\d{1,12})(?:\.(\d{1,2}))?$/;

/**
 * Parses a major-unit amount as typed by a person (`250`, `250.5`, `250.00`) into minor units,
 * without going through floating point. Returns `undefined` for anything else.
 */
export function parseMajorAmount(text: string): number | undefined {
  const match = MAJOR_AMOUNT.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  const minor = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return sign === '-' ? -minor : minor;
}

/** Formats minor units as a major-unit string (`-1234` → `-12.34`). */
export function formatMinor(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
