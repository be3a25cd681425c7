import countries from 'i18n-iso-countries';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';
import type { FieldError } from '../domain/errors.js';
import type { ValidationLevel } from '../domain/products.js';
import { normalizeName } from './domains.js';

/** A value with the errors found while checking it; `value` is set only when `errors` is empty. */
export interface Result<T> {
  readonly value?: T;
  readonly errors: FieldError[];
}

/** The administrative contact of an order: receives the order confirmation and the certificate. */
export interface Contact {
  readonly firstName: string;
  readonly lastName: string;
  /** Domain part in A-label form. */
  readonly email: string;
  /** E.164, e.g. `+493012345678`. */
  readonly phone: string;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
  readonly title?: string;
}

/** EV Guidelines 7.1.4.2.3 (subject:businessCategory): the four categories of organisation. */
export const BUSINESS_CATEGORIES = ['private_organization', 'government_entity', 'business_entity', 'non_commercial_entity'] as const;
/** One of `BUSINESS_CATEGORIES`. */
export type BusinessCategory = (typeof BUSINESS_CATEGORIES)[number];

/** The organisation an OV or EV certificate names (BR 3.2.2.1, EV Guidelines 3.2.2). */
export interface Organization {
  readonly legalName: string;
  readonly registrationNumber: string;
  readonly address: string;
  readonly city: string;
  readonly postalCode: string;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
  readonly state?: string;
  /** E.164. */
  readonly phone?: string;
  /** EV only: the country of incorporation or registration (EV Guidelines 7.1.4.2.2). */
  readonly jurisdictionCountry?: string;
  readonly jurisdictionState?: string;
  readonly jurisdictionLocality?: string;
  /** EV only. */
  readonly businessCategory?: BusinessCategory;
  /** EV only, optional: `YYYY-MM-DD`. */
  readonly incorporationDate?: string;
}

/** Whether a value is a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A field of a JSON object, read only when it is the object's own property: inherited members such
 * as `constructor` or a `__proto__` chain never count as submitted data.
 */
export function ownField(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function fail(path: string, code: string, message: string): FieldError {
  return { path, code, message };
}

/** Drops absent optional fields, so a stored or returned value has no `undefined` members. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** C0 and C1 control characters, including CR and LF (header injection in emails, BR 7.1.4.3 subject text). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

interface TextRule {
  /** How the field is named in messages: "First name". */
  readonly label: string;
  readonly max: number;
}

/** One line of text: trimmed, NFC, runs of spaces collapsed; no control characters. */
function readText(value: unknown, path: string, rule: TextRule, errors: FieldError[]): string | undefined {
  if (isMissing(value)) {
    errors.push(fail(path, 'text.required', `${rule.label} is required.`));
    return undefined;
  }
  if (typeof value !== 'string') {
    errors.push(fail(path, 'text.type', `${rule.label} must be a text; got ${describe(value)}.`));
    return undefined;
  }
  if (value.length > rule.max * 4) {
    errors.push(fail(path, 'text.too_long', `${rule.label} may be at most ${rule.max} characters long.`));
    return undefined;
  }
  if (CONTROL.test(value.trim())) {
    errors.push(fail(path, 'text.control_characters', `${rule.label} may not contain line breaks or other control characters.`));
    return undefined;
  }
  const text = value.normalize('NFC').trim().replace(/ {2,}/g, ' ');
  if ([...text].length > rule.max) {
    errors.push(fail(path, 'text.too_long', `${rule.label} may be at most ${rule.max} characters long.`));
    return undefined;
  }
  return text;
}

function readOptionalText(value: unknown, path: string, rule: TextRule, errors: FieldError[]): string | undefined {
  return isMissing(value) ? undefined : readText(value, path, rule, errors);
}

/** Letters of any script (with combining marks), spaces, hyphens, apostrophes and dots: "Anne-Marie", "O'Brien", "Jr.". */
const PERSON_NAME = /^[\p{L}\p{M} .'\u2019-]+$/u;
const LETTER = /\p{L}/u;

function readPersonName(value: unknown, path: string, label: string, errors: FieldError[]): string | undefined {
  const text = readText(value, path, { label, max: 64 }, errors);
  if (text === undefined) return undefined;
  if (!PERSON_NAME.test(text) || !LETTER.test(text)) {
    errors.push(fail(path, 'name.invalid_characters', `${label} may contain only letters, spaces, hyphens, apostrophes and dots.`));
    return undefined;
  }
  return text;
}

/** RFC 5321 4.5.3.1.3: a path is at most 256 octets including the angle brackets. */
const MAX_EMAIL_LENGTH = 254;
/** RFC 5321 4.5.3.1.1. */
const MAX_LOCAL_PART_LENGTH = 64;
/** RFC 5322 3.2.3 atext; a dot-atom is atoms joined by single dots. */
const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;

/**
 * Checks an email address pragmatically (RFC 5321/5322): a dot-atom local part of at most 64
 * characters, `@`, and a registrable DNS name (checked like a certificate name, IDN converted to
 * A-labels). Display names, quoted local parts, address literals and control characters are refused.
 * The value is the address with its domain in lower-case A-label form.
 */
export function validateEmail(value: unknown, path: string, label = 'The email address'): Result<string> {
  const refuse = (code: string, message: string): Result<string> => ({ errors: [fail(path, code, message)] });
  if (isMissing(value)) return refuse('email.required', `${label} is required.`);
  if (typeof value !== 'string') return refuse('email.type', `${label} must be a text; got ${describe(value)}.`);
  const text = value.trim();
  if (text.length > MAX_EMAIL_LENGTH * 4) return refuse('email.too_long', `${label} is longer than an email address can be (${MAX_EMAIL_LENGTH} characters, RFC 5321 4.5.3.1.3).`);
  if (CONTROL.test(text)) return refuse('email.control_characters', `${label} may not contain line breaks or other control characters.`);
  if (text.includes('<') || text.includes('>')) {
    return refuse('email.display_name', `${label} must be the bare address, such as admin@example.com, without a display name or angle brackets.`);
  }
  if (text.includes('"')) return refuse('email.quoted_local_part', `${label} has a quoted local part, which is not accepted; use an address without quotes.`);
  if (/\s/.test(text)) return refuse('email.invalid', `${label} may not contain spaces.`);
  const at = text.indexOf('@');
  if (at === -1 || at !== text.lastIndexOf('@')) return refuse('email.invalid', `${label} must have exactly one @ between the mailbox and the domain, as in admin@example.com.`);
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (local === '') return refuse('email.invalid', `${label} has nothing before the @.`);
  if (local.length > MAX_LOCAL_PART_LENGTH) {
    return refuse('email.local_part_too_long', `${label} has a part before the @ of ${local.length} characters; at most ${MAX_LOCAL_PART_LENGTH} are allowed (RFC 5321 4.5.3.1.1).`);
  }
  if (!local.split('.').every((atom) => ATOM.test(atom))) {
    return refuse('email.invalid_local_part', `${label} has a part before the @ that is not a plain dot-atom (RFC 5322 3.4.1): use ASCII letters, digits and !#$%&'*+/=?^_\`{|}~- with single dots between them.`);
  }
  if (domain.startsWith('[')) return refuse('email.invalid_domain', `${label} uses an address literal; give a domain name after the @.`);
  const name = normalizeName(domain, path);
  if (!name.ok) {
    const reason = name.errors.map((e) => e.message).join(' ');
    return refuse('email.invalid_domain', `${label} has an invalid domain: ${reason}`);
  }
  if (name.value.kind !== 'dns' || name.value.wildcard) {
    return refuse('email.invalid_domain', `${label} must have a domain name after the @, not an IP address or wildcard.`);
  }
  const address = `${local}@${name.value.ascii}`;
  if (address.length > MAX_EMAIL_LENGTH) return refuse('email.too_long', `${label} is ${address.length} characters long; an email address has at most ${MAX_EMAIL_LENGTH} (RFC 5321 4.5.3.1.3).`);
  return { value: address, errors: [] };
}

const ALPHA2: ReadonlySet<string> = new Set(Object.keys(countries.getAlpha2Codes()));

function readCountry(value: unknown, path: string, label: string, errors: FieldError[]): string | undefined {
  if (isMissing(value)) {
    errors.push(fail(path, 'country.required', `${label} is required, as a two-letter ISO 3166-1 code such as DE or US.`));
    return undefined;
  }
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!/^[A-Z]{2}$/.test(code) || !ALPHA2.has(code)) {
    errors.push(fail(path, 'country.unknown', `${label} must be a two-letter ISO 3166-1 alpha-2 country code such as DE or US.`));
    return undefined;
  }
  return code;
}

const PHONE_TEXT = /^\+?[0-9 ()./-]+$/;
const MAX_PHONE_LENGTH = 40;

/** Parses a phone number with libphonenumber-js (full metadata) and returns it in E.164. */
function readPhone(value: unknown, path: string, label: string, region: string | undefined, errors: FieldError[]): string | undefined {
  if (isMissing(value)) {
    errors.push(fail(path, 'phone.required', `${label} is required.`));
    return undefined;
  }
  if (typeof value !== 'string') {
    errors.push(fail(path, 'phone.type', `${label} must be a text such as "+49 30 1234567"; got ${describe(value)}.`));
    return undefined;
  }
  const text = value.trim();
  if (text.length > MAX_PHONE_LENGTH || !PHONE_TEXT.test(text)) {
    errors.push(fail(path, 'phone.invalid_characters', `${label} may contain only digits, a leading +, spaces and ( ) . / - (at most ${MAX_PHONE_LENGTH} characters).`));
    return undefined;
  }
  const parsed = parsePhoneNumberFromString(text, region === undefined ? undefined : { defaultCountry: region as CountryCode });
  if (parsed === undefined || !parsed.isValid()) {
    const hint = region === undefined || text.startsWith('+') ? 'Write it in international form, such as +49 30 1234567.' : `It is read as a number in ${region}; write it in international form, such as +49 30 1234567, if it is from elsewhere.`;
    errors.push(fail(path, 'phone.invalid', `${label} is not a valid phone number. ${hint}`));
    return undefined;
  }
  return parsed.number;
}

function readOptionalPhone(value: unknown, path: string, label: string, region: string | undefined, errors: FieldError[]): string | undefined {
  return isMissing(value) ? undefined : readPhone(value, path, label, region, errors);
}

/**
 * Checks the administrative contact: first and last name, email, phone (E.164, read with the
 * contact's country as default region) and country; `title` is optional. A missing contact is
 * checked as an empty one, so each required field gets its own error on its own path
 * (`adminContact.email`), which is what a form shows next to each input.
 */
export function validateContact(value: unknown, path = 'adminContact'): Result<Contact> {
  if (value !== undefined && value !== null && !isRecord(value)) {
    return { errors: [fail(path, 'contact.type', `The contact must be an object with firstName, lastName, email, phone and country; got ${describe(value)}.`)] };
  }
  const record = value ?? {};
  const at = (key: string) => `${path}.${key}`;
  const errors: FieldError[] = [];
  const firstName = readPersonName(ownField(record, 'firstName'), at('firstName'), 'First name', errors);
  const lastName = readPersonName(ownField(record, 'lastName'), at('lastName'), 'Last name', errors);
  const email = validateEmail(ownField(record, 'email'), at('email'), 'The contact email address');
  errors.push(...email.errors);
  const country = readCountry(ownField(record, 'country'), at('country'), 'Country', errors);
  const phone = readPhone(ownField(record, 'phone'), at('phone'), 'Phone number', country, errors);
  const title = readOptionalText(ownField(record, 'title'), at('title'), { label: 'Title', max: 64 }, errors);
  if (errors.length > 0 || firstName === undefined || lastName === undefined || email.value === undefined || country === undefined || phone === undefined) {
    return { errors };
  }
  return { value: withoutUndefined({ firstName, lastName, email: email.value, phone, country, title }), errors };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function readDate(value: unknown, path: string, label: string, errors: FieldError[]): string | undefined {
  if (isMissing(value)) return undefined;
  const match = typeof value === 'string' ? ISO_DATE.exec(value.trim()) : null;
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day) return match[0];
  }
  errors.push(fail(path, 'date.invalid', `${label} must be a calendar date in the form YYYY-MM-DD.`));
  return undefined;
}

function readBusinessCategory(value: unknown, path: string, errors: FieldError[]): BusinessCategory | undefined {
  const choices = BUSINESS_CATEGORIES.join(', ');
  if (isMissing(value)) {
    errors.push(fail(path, 'business_category.required', `Business category is required for EV certificates (EV Guidelines 7.1.4.2.3): one of ${choices}.`));
    return undefined;
  }
  const found = BUSINESS_CATEGORIES.find((c) => c === value);
  if (found === undefined) errors.push(fail(path, 'business_category.unknown', `Business category must be one of ${choices} (EV Guidelines 7.1.4.2.3).`));
  return found;
}

/**
 * Checks the organisation of an OV or EV order. OV and EV need the legal name, registration number,
 * address, city, postal code and country (BR 3.2.2.1); EV also needs the jurisdiction of
 * incorporation and the business category (EV Guidelines 7.1.4.2). EV-only fields sent with an OV
 * order are left out of the value, unchecked.
 *
 * DV: the value is always null and the input is not checked. A DV certificate names no organisation
 * (BR 7.1.2.7.2), so the data would be thrown away; errors about it would only block a valid order,
 * for example when a form still holds the organisation from an OV product chosen before.
 */
export function validateOrganization(value: unknown, level: ValidationLevel, path = 'organization'): Result<Organization | null> {
  if (level === 'dv') return { value: null, errors: [] };
  if (value === undefined || value === null) {
    return { errors: [fail(path, 'organization.required', `${level.toUpperCase()} certificates name the organisation: its legal name, registration number, address, city, postal code and country are required (BR 3.2.2.1).`)] };
  }
  if (!isRecord(value)) {
    return { errors: [fail(path, 'organization.type', `The organisation must be an object; got ${describe(value)}.`)] };
  }
  const at = (key: string) => `${path}.${key}`;
  const field = (key: string) => ownField(value, key);
  const errors: FieldError[] = [];
  const legalName = readText(field('legalName'), at('legalName'), { label: 'Legal name', max: 256 }, errors);
  const registrationNumber = readText(field('registrationNumber'), at('registrationNumber'), { label: 'Registration number', max: 64 }, errors);
  const address = readText(field('address'), at('address'), { label: 'Street address', max: 256 }, errors);
  const city = readText(field('city'), at('city'), { label: 'City', max: 128 }, errors);
  const postalCode = readText(field('postalCode'), at('postalCode'), { label: 'Postal code', max: 40 }, errors);
  const country = readCountry(field('country'), at('country'), 'Country', errors);
  const state = readOptionalText(field('state'), at('state'), { label: 'State or province', max: 128 }, errors);
  const phone = readOptionalPhone(field('phone'), at('phone'), 'Organisation phone number', country, errors);
  const ev = level === 'ev'
    ? {
        jurisdictionCountry: readCountry(field('jurisdictionCountry'), at('jurisdictionCountry'), 'Jurisdiction country (EV Guidelines 7.1.4.2.2)', errors),
        jurisdictionState: readOptionalText(field('jurisdictionState'), at('jurisdictionState'), { label: 'Jurisdiction state or province', max: 128 }, errors),
        jurisdictionLocality: readOptionalText(field('jurisdictionLocality'), at('jurisdictionLocality'), { label: 'Jurisdiction locality', max: 128 }, errors),
        businessCategory: readBusinessCategory(field('businessCategory'), at('businessCategory'), errors),
        incorporationDate: readDate(field('incorporationDate'), at('incorporationDate'), 'Incorporation date', errors),
      }
    : {};
  if (errors.length > 0 || legalName === undefined || registrationNumber === undefined || address === undefined || city === undefined || postalCode === undefined || country === undefined) {
    return { errors };
  }
  return { value: withoutUndefined({ legalName, registrationNumber, address, city, postalCode, country, state, phone, ...ev }), errors };
}
