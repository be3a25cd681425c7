import type { FieldError } from '../domain/errors.js';
import { CURRENCIES, isCurrency, parseMajorAmount, type Currency } from '../domain/money.js';
import { LANGUAGES, type Language } from '../domain/order.js';
import { validateEmail } from './contacts.js';

/** Everything a reseller may brand its order confirmations with (issue: customer mail). */
export interface Branding {
  readonly displayName?: string;
  /** `data:image/png;base64,…` or `data:image/jpeg;base64,…`, embedded inline in the email. */
  readonly logo?: string;
  readonly primaryColor?: string;
  readonly accentColor?: string;
  readonly signature?: string;
  readonly supportEmail?: string;
  readonly supportPhone?: string;
  readonly website?: string;
}

/** Where document requests go, which language customer emails default to, and how renewals get their CSR. */
export interface AccountSettings {
  readonly defaultLanguage: Language;
  readonly documentRequestsTo: 'reseller' | 'customer';
  /**
   * Renew with the previous certificate's CSR (the same key) while it may still be used, instead of
   * asking for a new CSR before each certificate of the term. Off by default: a new key is better.
   */
  readonly renewalKeyReuse: boolean;
}

export const DEFAULT_SETTINGS: AccountSettings = { defaultLanguage: 'en', documentRequestsTo: 'reseller', renewalKeyReuse: false };

export interface NewReseller {
  readonly name: string;
  readonly repEmail: string;
  readonly currency: Currency;
  readonly creditLimit: number;
}

const COLOR = /^#[0-9a-fA-F]{6}$/;
const LOGO = /^data:image\/(png|jpeg);base64,([A-Za-z0-9+/]+={0,2})$/;
const MAX_LOGO_BYTES = 256 * 1024;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

type Result<T> = { value?: T; errors: FieldError[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A single-line text of 1..max characters without control characters or line breaks. */
function line(value: unknown, path: string, max: number, errors: FieldError[]): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push({ path, code: 'text.required', message: `${path} must be a non-empty text.` });
    return undefined;
  }
  const text = value.trim();
  if (text.length > max) errors.push({ path, code: 'text.too_long', message: `${path} may be at most ${max} characters long.` });
  else if (CONTROL.test(text) || /[\r\n]/.test(text)) errors.push({ path, code: 'text.control_characters', message: `${path} may not contain line breaks or control characters.` });
  else return text;
  return undefined;
}

/**
 * Words a reseller's customers must never see (DESIGN.md Emails: the platform's name and website). The
 * reseller's name and branding reach the order confirmation, so they may not carry them either.
 */
function refuseTraces(value: string | undefined, path: string, forbidden: readonly string[], errors: FieldError[]): void {
  const lower = value?.toLowerCase();
  const trace = lower === undefined ? undefined : forbidden.find((t) => t !== '' && lower.includes(t.toLowerCase()));
  if (trace !== undefined) {
    errors.push({ path, code: 'branding.platform_trace', message: `${path} may not contain "${trace}": emails to your customers carry your brand only.` });
  }
}

/** Checks a reseller account to be created by staff; `forbidden` are the platform's name and website host. */
export function validateNewReseller(input: unknown, forbidden: readonly string[] = []): Result<NewReseller> {
  const errors: FieldError[] = [];
  if (!isObject(input)) return { errors: [{ path: '', code: 'body.not_object', message: 'The request body must be a JSON object.' }] };
  const name = line(input.name, 'name', 200, errors);
  refuseTraces(name, 'name', forbidden, errors);
  const email = validateEmail(input.repEmail, 'repEmail');
  errors.push(...email.errors);
  const currency = input.currency ?? 'EUR';
  if (!isCurrency(currency)) {
    errors.push({ path: 'currency', code: 'currency.unsupported', message: `currency must be one of ${CURRENCIES.join(', ')}.` });
  }
  const creditLimit = validateMinorAmount(input.creditLimit ?? 0, 'creditLimit', errors, { min: 0 });
  if (errors.length > 0 || name === undefined || email.value === undefined || creditLimit === undefined) return { errors };
  return { value: { name, repEmail: email.value, currency: currency as Currency, creditLimit }, errors };
}

/**
 * An amount in minor units as an integer, or a major-unit string (`"250.00"`) for people typing it.
 * Floats are refused: money never passes through floating point.
 */
export function validateMinorAmount(value: unknown, path: string, errors: FieldError[], range: { min?: number; max?: number } = {}): number | undefined {
  let amount: number | undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) amount = value;
  else if (typeof value === 'string') amount = parseMajorAmount(value);
  if (amount === undefined) {
    errors.push({ path, code: 'amount.invalid', message: `${path} must be a whole number of minor units (e.g. 25000) or a decimal text in major units (e.g. "250.00").` });
    return undefined;
  }
  const { min = Number.MIN_SAFE_INTEGER, max = 100_000_000_00 } = range;
  if (amount < min || amount > max) {
    errors.push({ path, code: 'amount.out_of_range', message: `${path} must be between ${min} and ${max} minor units.` });
    return undefined;
  }
  return amount;
}

/** Checks branding fields; absent fields are removed, present ones must be valid and free of `forbidden` words. */
export function validateBranding(input: unknown, forbidden: readonly string[] = []): Result<Branding> {
  if (!isObject(input)) return { errors: [{ path: '', code: 'body.not_object', message: 'The request body must be a JSON object.' }] };
  const errors: FieldError[] = [];
  const out: Record<string, string> = {};
  const optionalLine = (key: keyof Branding, max: number) => {
    if (input[key] === undefined || input[key] === null) return;
    const text = line(input[key], key, max, errors);
    if (text !== undefined) out[key] = text;
  };
  optionalLine('displayName', 200);
  optionalLine('supportPhone', 40);
  for (const key of ['primaryColor', 'accentColor'] as const) {
    const v = input[key];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string' && COLOR.test(v)) out[key] = v.toLowerCase();
    else errors.push({ path: key, code: 'color.invalid', message: `${key} must be a colour in the form #rrggbb.` });
  }
  if (input.signature !== undefined && input.signature !== null) {
    const s = input.signature;
    if (typeof s !== 'string' || s.length > 2000 || CONTROL.test(s)) {
      errors.push({ path: 'signature', code: 'signature.invalid', message: 'signature must be a text of at most 2000 characters without control characters.' });
    } else out.signature = s.replace(/\r\n?/g, '\n').trim();
  }
  if (input.supportEmail !== undefined && input.supportEmail !== null) {
    const e = validateEmail(input.supportEmail, 'supportEmail');
    errors.push(...e.errors);
    if (e.value !== undefined) out.supportEmail = e.value;
  }
  if (input.website !== undefined && input.website !== null) {
    const w = input.website;
    let ok = false;
    if (typeof w === 'string' && w.length <= 300) {
      try {
        ok = ['https:', 'http:'].includes(new URL(w).protocol);
      } catch {
        ok = false;
      }
    }
    if (ok) out.website = w as string;
    else errors.push({ path: 'website', code: 'url.invalid', message: 'website must be an http(s) URL of at most 300 characters.' });
  }
  if (input.logo !== undefined && input.logo !== null) {
    const match = typeof input.logo === 'string' ? LOGO.exec(input.logo) : null;
    if (!match) errors.push({ path: 'logo', code: 'logo.invalid', message: 'logo must be a data: URL of a PNG or JPEG image (data:image/png;base64,…).' });
    else if (Buffer.byteLength(match[2] ?? '', 'base64') > MAX_LOGO_BYTES) errors.push({ path: 'logo', code: 'logo.too_large', message: `logo may be at most ${MAX_LOGO_BYTES / 1024} KiB.` });
    else out.logo = input.logo as string;
  }
  for (const [key, value] of Object.entries(out)) if (key !== 'logo') refuseTraces(value, key, forbidden, errors);
  return errors.length > 0 ? { errors } : { value: out, errors };
}

/** Checks account settings; absent fields keep their previous value (`current`). */
export function validateSettings(input: unknown, current: AccountSettings): Result<AccountSettings> {
  if (!isObject(input)) return { errors: [{ path: '', code: 'body.not_object', message: 'The request body must be a JSON object.' }] };
  const errors: FieldError[] = [];
  const defaultLanguage = input.defaultLanguage ?? current.defaultLanguage;
  if (!(LANGUAGES as readonly unknown[]).includes(defaultLanguage)) {
    errors.push({ path: 'defaultLanguage', code: 'language.unsupported', message: `defaultLanguage must be one of ${LANGUAGES.join(', ')}.` });
  }
  const documentRequestsTo = input.documentRequestsTo ?? current.documentRequestsTo;
  if (documentRequestsTo !== 'reseller' && documentRequestsTo !== 'customer') {
    errors.push({ path: 'documentRequestsTo', code: 'settings.invalid', message: 'documentRequestsTo must be "reseller" or "customer".' });
  }
  const renewalKeyReuse = input.renewalKeyReuse ?? current.renewalKeyReuse;
  if (typeof renewalKeyReuse !== 'boolean') {
    errors.push({ path: 'renewalKeyReuse', code: 'settings.invalid', message: 'renewalKeyReuse must be true or false.' });
  }
  if (errors.length > 0) return { errors };
  return { value: { defaultLanguage: defaultLanguage as Language, documentRequestsTo: documentRequestsTo as AccountSettings['documentRequestsTo'], renewalKeyReuse: renewalKeyReuse as boolean }, errors };
}
