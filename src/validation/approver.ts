import { isIP } from 'node:net';
import { getDomain } from 'tldts';
import { keyPath } from '../domain/errors.js';
import type { FieldError } from '../domain/errors.js';
import { isRecord, ownField, validateEmail } from './contacts.js';
import { comparableName, normalizeName } from './domains.js';
import type { NormalizedName } from './domains.js';
import type { Checked } from './types.js';

/**
 * BR 3.2.2.4.4 (Constructed Email to Domain Contact): the only local parts an approval email may go
 * to. Email to WHOIS contacts (3.2.2.4.2) is no longer allowed since 2025-07-15.
 */
export const APPROVER_LOCAL_PARTS = ['admin', 'administrator', 'webmaster', 'hostmaster', 'postmaster'] as const;

/** The ways an order's domain control can be validated. */
export const DCV_METHODS = ['email', 'dns', 'http'] as const;
/** One of `DCV_METHODS`. */
export type DcvMethod = (typeof DCV_METHODS)[number];

function isDcvMethod(value: unknown): value is DcvMethod {
  return typeof value === 'string' && (DCV_METHODS as readonly string[]).includes(value);
}

/** How control of one name is validated: an approval email to an allowed address, a DNS TXT record, or a file on the website. */
export type DcvChoice = { readonly method: 'email'; readonly email: string } | { readonly method: 'dns' } | { readonly method: 'http' };

/** Most `dcv` entries read; more than any product has names. */
const MAX_DCV_ENTRIES = 1000;

function fail(path: string, code: string, message: string): FieldError {
  return { path, code, message };
}

/**
 * The Authorization Domain Names of a name (BR 1.6.1): the name itself (without `*.`) and each parent
 * down to and including the registrable domain, never the public suffix above it.
 */
function authorizationDomains(ascii: string, registrableDomain: string): string[] {
  const domains: string[] = [];
  let current = ascii.startsWith('*.') ? ascii.slice(2) : ascii;
  while (current.length > registrableDomain.length && current.endsWith(`.${registrableDomain}`)) {
    domains.push(current);
    current = current.slice(current.indexOf('.') + 1);
  }
  domains.push(registrableDomain);
  return domains;
}

function constructedAddresses(domains: readonly string[]): string[] {
  return domains.flatMap((domain) => APPROVER_LOCAL_PARTS.map((local) => `${local}@${domain}`));
}

/**
 * The constructed approver addresses (BR 3.2.2.4.4) for a normalised A-label name, most specific
 * domain first: `a.b.example.co.uk` gives admin@… through postmaster@… at a.b.example.co.uk,
 * b.example.co.uk and example.co.uk. A wildcard uses the name without `*.`. IP addresses and names
 * without a registrable domain have none.
 */
export function approverEmailsFor(name: string): string[] {
  if (isIP(name) !== 0) return [];
  const base = name.startsWith('*.') ? name.slice(2) : name;
  const registrable = getDomain(base, { allowPrivateDomains: false, extractHostname: false, validateHostname: false });
  return registrable === null ? [] : constructedAddresses(authorizationDomains(base, registrable));
}

/**
 * For `GET /v1/approver-emails?domain=`: normalises the domain (errors on path `domain`) and lists its
 * approver addresses. An IP address is refused: it has no constructed addresses and is validated with
 * the http method (BR 3.2.2.5).
 */
export function approverEmailsForInput(domain: unknown): Checked<{ domain: string; unicode: string; emails: string[] }> {
  if (domain === undefined || domain === null || domain === '') {
    return { ok: false, errors: [fail('domain', 'domain.required', 'Give the domain to list approver addresses for, e.g. ?domain=example.com.')] };
  }
  if (typeof domain !== 'string') {
    return { ok: false, errors: [fail('domain', 'domain.type', 'The domain must be a text such as "example.com".')] };
  }
  const checked = normalizeName(domain, 'domain');
  if (!checked.ok) return checked;
  const name = checked.value;
  // Only IP addresses come back from normalizeName without a registrable domain.
  if (name.registrableDomain === null) {
    return { ok: false, errors: [fail('domain', 'approver.ip_address', `${name.ascii} is an IP address, which has no approver email addresses; its control is validated with the http method (BR 3.2.2.5).`)] };
  }
  return { ok: true, value: { domain: name.ascii, unicode: name.unicode, emails: constructedAddresses(authorizationDomains(name.ascii, name.registrableDomain)) } };
}

/** Paths of the two fields in the request; defaults are the order's top-level fields. */
export interface DcvPaths {
  readonly approverEmail?: string;
  readonly dcv?: string;
}

/** The approver contact and, for every name of the order (A-label key), how its control is validated. */
export interface ResolvedDcv {
  readonly approverEmail: string;
  readonly dcv: Record<string, DcvChoice>;
}

/** Whether `email` (domain already in A-label form) is a constructed address at one of `domains`. */
function isAllowedAddress(email: string, domains: ReadonlySet<string>): boolean {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at).toLowerCase();
  return (APPROVER_LOCAL_PARTS as readonly string[]).includes(local) && domains.has(email.slice(at + 1));
}

function allowedList(domains: readonly string[]): string {
  return domains.map((d) => `admin@${d}`).join(', ');
}

interface NameInfo {
  readonly name: NormalizedName;
  readonly domains: readonly string[];
  readonly domainSet: ReadonlySet<string>;
}

function nameInfo(name: NormalizedName): NameInfo {
  const domains = name.registrableDomain === null ? [] : authorizationDomains(name.ascii, name.registrableDomain);
  return { name, domains, domainSet: new Set(domains) };
}

/**
 * Checks one `dcv` entry against the name it is keyed by: BR 3.2.2.4.4 email to a constructed
 * address, 3.2.2.4.7 DNS change, 3.2.2.4.18 website change (never for a wildcard, 3.2.2.4.18 and
 * 3.2.2.6); an IP address only by website change (BR 3.2.2.5.1), as it has neither constructed
 * addresses nor a zone to publish a record in.
 */
function readChoice(entry: unknown, info: NameInfo, at: string, errors: FieldError[]): DcvChoice | undefined {
  const shown = info.name.unicode;
  if (!isRecord(entry)) {
    errors.push(fail(at, 'dcv.entry_type', `The validation choice for ${shown} must be an object such as {"method": "dns"}.`));
    return undefined;
  }
  const method = ownField(entry, 'method');
  const methodPath = `${at}.method`;
  if (method === undefined || method === null || method === '') {
    errors.push(fail(methodPath, 'dcv.method_required', `Choose how control of ${shown} is validated: "email", "dns" or "http".`));
    return undefined;
  }
  if (!isDcvMethod(method)) {
    errors.push(fail(methodPath, 'dcv.method_unknown', `The validation method for ${shown} must be "email", "dns" or "http".`));
    return undefined;
  }
  if (info.name.kind === 'ip' && method !== 'http') {
    errors.push(fail(methodPath, `dcv.${method}_not_for_ip`, `${shown} is an IP address: its control can only be validated with the http method (BR 3.2.2.5.1).`));
    return undefined;
  }
  if (method === 'http' && info.name.wildcard) {
    errors.push(fail(methodPath, 'dcv.http_not_for_wildcard', `${shown} is a wildcard name, which the website method cannot validate (BR 3.2.2.4.18); use "dns" or "email".`));
    return undefined;
  }
  if (method !== 'email') return { method };
  const emailPath = `${at}.email`;
  const email = validateEmail(ownField(entry, 'email'), emailPath, `The approval address for ${shown}`);
  if (email.value === undefined) {
    errors.push(...email.errors);
    return undefined;
  }
  if (!isAllowedAddress(email.value, info.domainSet)) {
    errors.push(fail(emailPath, 'dcv.email_not_allowed', `${email.value} may not approve ${shown}: use admin@, administrator@, webmaster@, hostmaster@ or postmaster@ at ${info.domains.join(', ')} (BR 3.2.2.4.4).`));
    return undefined;
  }
  return { method: 'email', email: email.value };
}

/**
 * Checks the approver email contact and the `dcv` choices of an order's names, and resolves how each
 * name is validated. `approverEmail` is always required and must be a valid address (it receives the
 * approval and fulfilment emails). A name without a `dcv` entry is validated by email to
 * `approverEmail`, which must then be one of that name's constructed addresses; otherwise the error on
 * `approverEmail` names the name. `dcv` is keyed by the order's domain as given or its A-label.
 * With `namesComplete` false (some `domains` entries were invalid), keys that match no valid name are
 * not reported, since they may belong to the entries still being fixed.
 */
export function resolveDcv(
  names: readonly NormalizedName[],
  approverEmail: unknown,
  dcv: unknown,
  options: { readonly paths?: DcvPaths; readonly namesComplete?: boolean } = {},
): { value?: ResolvedDcv; errors: FieldError[] } {
  const approverPath = options.paths?.approverEmail ?? 'approverEmail';
  const dcvPath = options.paths?.dcv ?? 'dcv';
  const errors: FieldError[] = [];
  const approver = validateEmail(approverEmail, approverPath, 'The approver email address');
  errors.push(...approver.errors);

  const infos = new Map(names.map((name) => [name.ascii, nameInfo(name)]));
  const chosen = new Map<string, DcvChoice>();
  const keyOf = new Map<string, string>();
  if (dcv !== undefined && dcv !== null) {
    if (!isRecord(dcv)) {
      errors.push(fail(dcvPath, 'dcv.type', 'dcv must be an object keyed by domain, such as {"example.com": {"method": "dns"}}.'));
    } else {
      const keys = Object.keys(dcv);
      if (keys.length > MAX_DCV_ENTRIES) {
        errors.push(fail(dcvPath, 'dcv.too_many', `dcv has ${keys.length} entries; an order has at most ${MAX_DCV_ENTRIES} names, so it was not read.`));
      } else {
        for (const key of keys) {
          const at = keyPath(dcvPath, key);
          const ascii = comparableName(key);
          const info = infos.get(ascii);
          if (info === undefined) {
            if (options.namesComplete !== false) {
              errors.push(fail(at, 'dcv.unknown_domain', `${JSON.stringify(key)} is not one of the order's domains; dcv may only choose methods for names in domains.`));
            }
            continue;
          }
          const earlier = keyOf.get(ascii);
          if (earlier !== undefined) {
            errors.push(fail(at, 'dcv.duplicate_domain', `${JSON.stringify(key)} is the same domain as the dcv entry ${JSON.stringify(earlier)}; give one entry per domain.`));
            continue;
          }
          keyOf.set(ascii, key);
          const choice = readChoice(ownField(dcv, key), info, at, errors);
          if (choice) chosen.set(ascii, choice);
        }
      }
    }
  }

  for (const info of infos.values()) {
    const { ascii, unicode, kind } = info.name;
    if (keyOf.has(ascii)) continue;
    if (kind === 'ip') {
      errors.push(fail(keyPath(dcvPath, ascii), 'dcv.required_for_ip', `${ascii} is an IP address, which cannot be validated by email; set {"method": "http"} for it (BR 3.2.2.5.1).`));
    } else if (approver.value !== undefined && !isAllowedAddress(approver.value, info.domainSet)) {
      errors.push(
        fail(
          approverPath,
          'approver.not_allowed',
          `${approver.value} may not approve ${unicode}: use one of ${allowedList(info.domains)} (or administrator@, webmaster@, hostmaster@, postmaster@ there), or choose dns or http for it in dcv (BR 3.2.2.4.4).`,
        ),
      );
    } else if (approver.value !== undefined) {
      chosen.set(ascii, { method: 'email', email: approver.value });
    }
  }
  if (errors.length > 0 || approver.value === undefined) return { errors };
  // With no errors every name has a choice: an accepted dcv entry or the approver address.
  const resolved = Object.fromEntries(names.flatMap((n) => {
    const choice = chosen.get(n.ascii);
    return choice ? [[n.ascii, choice] as const] : [];
  }));
  return { value: { approverEmail: approver.value, dcv: resolved }, errors };
}

/**
 * The errors of `resolveDcv` alone: `approverEmail` and `dcv` checked against the order's names
 * (paths `approverEmail`, `dcv["example.com"].method`, `dcv["example.com"].email`).
 */
export function validateDcv(names: readonly NormalizedName[], approverEmail: unknown, dcv: unknown, paths: DcvPaths = {}): FieldError[] {
  return resolveDcv(names, approverEmail, dcv, { paths }).errors;
}
