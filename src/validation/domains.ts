import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { parse as parseDomain } from 'tldts';
import type { FieldError } from '../domain/errors.js';
import { billableNameCount } from '../domain/products.js';
import type { Product } from '../domain/products.js';
import type { Checked } from './types.js';

/** A certificate name after normalisation: what is stored, shown and compared. */
export interface NormalizedName {
  /** The stored form: lower-case A-labels (`xn--…`), `*.` kept for a wildcard; an IP address in canonical text form. */
  readonly ascii: string;
  /** The same name with U-labels, for showing to people (equals `ascii` for ASCII names and IPs). */
  readonly unicode: string;
  readonly kind: 'dns' | 'ip';
  /** Whether the name is `*.` + a domain name (BR 1.6.1 "Wildcard Domain Name"). */
  readonly wildcard: boolean;
  /** The domain registered under an ICANN public suffix (e.g. `example.co.uk`); `null` for an IP address. */
  readonly registrableDomain: string | null;
}

/** Most entries of `domains` that are looked at; a longer list is refused as a whole, unread. */
export const MAX_DOMAIN_ENTRIES = 1000;

/** Longest name text read at all; anything longer cannot be a valid name (253 octets, RFC 1035 2.3.4). */
const MAX_RAW_NAME_LENGTH = 1024;
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

/** Reserved for testing and documentation, never delegated (RFC 2606, RFC 6761 6.2-6.4). */
const RESERVED_TLDS: ReadonlySet<string> = new Set(['test', 'example', 'invalid', 'localhost']);

/**
 * Well-known private-use suffixes, named in the message so people see why (RFC 6762 `.local`,
 * ICANN's `.internal`, RFC 8375 `home.arpa`, RFC 9476 `.alt`). Any other TLD outside the root zone is
 * refused by the Public Suffix List check with the same code.
 */
const INTERNAL_SUFFIXES: readonly string[] = ['local', 'internal', 'home.arpa', 'alt', 'corp', 'lan', 'home', 'localdomain'];

function fail(path: string, code: string, message: string): FieldError {
  return { path, code, message };
}

function refused<T>(path: string, code: string, message: string): Checked<T> {
  return { ok: false, errors: [fail(path, code, message)] };
}

/** A name shown inside a message: JSON quoting makes control characters and spaces visible, and cuts long input. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

interface IpRange {
  readonly bytes: Uint8Array;
  readonly bits: number;
  readonly code: string;
  readonly what: string;
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.'), Number);
}

/** Bytes of an IPv6 address in the compressed, all-hex form the WHATWG URL serializer produces. */
function ipv6Bytes(text: string): Uint8Array {
  const gap = text.indexOf('::');
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? '' : text.slice(gap + 2);
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const zeros = new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

function range(cidr: string, code: string, what: string): IpRange {
  const [address = '', bits = '0'] = cidr.split('/');
  const bytes = address.includes(':') ? ipv6Bytes(canonicalIpv6(address)) : ipv4Bytes(address);
  return { bytes, bits: Number(bits), code, what };
}

/**
 * BR 4.2.2 and 7.1.2.7.12: no Reserved IP Address, which BR 1.6.1 defines as any address in an
 * entry of the IANA IPv4 or IPv6 Special-Purpose Address Registry. Multicast (RFC 5771, RFC 4291
 * 2.7) is added because no subscriber can hold it. Specific entries come first so the message names
 * the most useful reason.
 */
const IPV4_RESERVED: readonly IpRange[] = [
  range('0.0.0.0/8', 'ip.reserved', '"this network" (RFC 791)'),
  range('10.0.0.0/8', 'ip.private', 'private-use (RFC 1918)'),
  range('100.64.0.0/10', 'ip.shared_address', 'shared address space for carrier-grade NAT (RFC 6598)'),
  range('127.0.0.0/8', 'ip.loopback', 'loopback (RFC 1122)'),
  range('169.254.0.0/16', 'ip.link_local', 'link-local (RFC 3927)'),
  range('172.16.0.0/12', 'ip.private', 'private-use (RFC 1918)'),
  range('192.0.2.0/24', 'ip.documentation', 'documentation, TEST-NET-1 (RFC 5737)'),
  range('192.0.0.0/24', 'ip.reserved', 'IETF protocol assignments (RFC 6890)'),
  range('192.31.196.0/24', 'ip.reserved', 'AS112-v4 (RFC 7535)'),
  range('192.52.193.0/24', 'ip.reserved', 'AMT (RFC 7450)'),
  range('192.88.99.0/24', 'ip.reserved', 'deprecated 6to4 relay anycast (RFC 7526)'),
  range('192.168.0.0/16', 'ip.private', 'private-use (RFC 1918)'),
  range('192.175.48.0/24', 'ip.reserved', 'direct delegation AS112 service (RFC 7534)'),
  range('198.18.0.0/15', 'ip.reserved', 'benchmarking (RFC 2544)'),
  range('198.51.100.0/24', 'ip.documentation', 'documentation, TEST-NET-2 (RFC 5737)'),
  range('203.0.113.0/24', 'ip.documentation', 'documentation, TEST-NET-3 (RFC 5737)'),
  range('224.0.0.0/4', 'ip.multicast', 'multicast (RFC 5771)'),
  range('240.0.0.0/4', 'ip.reserved', 'reserved for future use and limited broadcast (RFC 1112, RFC 919)'),
];

const IPV6_RESERVED: readonly IpRange[] = [
  range('::/128', 'ip.reserved', 'the unspecified address (RFC 4291)'),
  range('::1/128', 'ip.loopback', 'loopback (RFC 4291)'),
  range('::ffff:0:0/96', 'ip.ipv4_mapped', 'IPv4-mapped (RFC 4291); use the IPv4 address itself'),
  range('64:ff9b::/96', 'ip.reserved', 'IPv4/IPv6 translation (RFC 6052)'),
  range('64:ff9b:1::/48', 'ip.reserved', 'local-use IPv4/IPv6 translation (RFC 8215)'),
  range('100::/63', 'ip.reserved', 'discard-only and dummy prefixes (RFC 6666, RFC 9780)'),
  range('2001::/23', 'ip.reserved', 'IETF protocol assignments (RFC 2928), including Teredo'),
  range('2001:db8::/32', 'ip.documentation', 'documentation (RFC 3849)'),
  range('2002::/16', 'ip.reserved', '6to4 (RFC 3056)'),
  range('2620:4f:8000::/48', 'ip.reserved', 'direct delegation AS112 service (RFC 7534)'),
  range('3fff::/20', 'ip.documentation', 'documentation (RFC 9637)'),
  range('5f00::/16', 'ip.reserved', 'segment routing SIDs (RFC 9602)'),
  range('fc00::/7', 'ip.private', 'unique-local (RFC 4193)'),
  range('fe80::/10', 'ip.link_local', 'link-local (RFC 4291)'),
  range('ff00::/8', 'ip.multicast', 'multicast (RFC 4291)'),
];

/** Everything outside 2000::/3 is unassigned or reserved by the IETF (IANA IPv6 Address Space registry). */
const IPV6_GLOBAL_UNICAST = range('2000::/3', 'ip.reserved', 'outside the global unicast space 2000::/3 (RFC 4291)');

function inRange(bytes: Uint8Array, r: IpRange): boolean {
  if (bytes.length !== r.bytes.length) return false;
  const whole = r.bits >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== r.bytes[i]) return false;
  const rest = r.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[whole] ?? 0) & mask) === ((r.bytes[whole] ?? 0) & mask);
}

/** RFC 5952 text form (lower case, longest zero run compressed), as the WHATWG URL parser serialises it. */
function canonicalIpv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

function checkIp(text: string, version: 4 | 6, path: string): Checked<NormalizedName> {
  const ascii = version === 4 ? text : canonicalIpv6(text);
  const bytes = version === 4 ? ipv4Bytes(ascii) : ipv6Bytes(ascii);
  const table = version === 4 ? IPV4_RESERVED : IPV6_RESERVED;
  const hit = table.find((r) => inRange(bytes, r)) ?? (version === 6 && !inRange(bytes, IPV6_GLOBAL_UNICAST) ? IPV6_GLOBAL_UNICAST : undefined);
  if (hit) {
    return refused(path, hit.code, `${ascii} is a reserved IP address: ${hit.what}. Certificates may only name public IP addresses (BR 4.2.2, 7.1.2.7.12).`);
  }
  return { ok: true, value: { ascii, unicode: ascii, kind: 'ip', wildcard: false, registrableDomain: null } };
}

/** Text meant as an IPv6 address (hex digits, colons, dots, perhaps a zone index); other text with a colon is a DNS name with a bad character. */
const IPV6_LIKE = /^[0-9a-f:.]+(?:%.*)?$/;
/** LDH labels (RFC 1035 2.3.1, RFC 5890 2.3.1); the regular expression has no nesting, so it runs in linear time. */
const LDH_LABEL = /^[a-z0-9-]+$/;
/** A last label that the WHATWG URL parser would read as an IPv4 number (decimal or hex). */
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/;

function checkLabels(ascii: string, shown: string, path: string): FieldError | null {
  if (ascii.length > MAX_NAME_LENGTH) {
    return fail(path, 'domain.too_long', `${quote(shown)} is ${ascii.length} characters long in A-label form; a domain name has at most ${MAX_NAME_LENGTH} (RFC 1035 2.3.4).`);
  }
  if (ascii.endsWith('.')) {
    return fail(path, 'domain.trailing_dot', `${quote(shown)} ends with a dot; write the name without the final dot (RFC 5280 4.2.1.6 preferred name syntax).`);
  }
  const labels = ascii.split('.');
  for (const label of labels) {
    if (label === '') {
      return fail(path, 'domain.empty_label', `${quote(shown)} has an empty label (two dots in a row or a leading dot).`);
    }
    if (label.includes('_')) {
      return fail(path, 'domain.underscore', `${quote(shown)} contains an underscore, which certificates may no longer carry in a DNS name (BR 7.1.2.7.12, ballot SC12).`);
    }
    if (!LDH_LABEL.test(label)) {
      const bad = [...label].find((c) => !/[a-z0-9-]/.test(c)) ?? label;
      return fail(path, 'domain.invalid_characters', `${quote(shown)} contains ${quote(bad)}; a DNS name has only letters, digits, hyphens and dots (RFC 1035 2.3.1).`);
    }
    if (label.length > MAX_LABEL_LENGTH) {
      return fail(path, 'domain.label_too_long', `The label ${quote(label)} of ${quote(shown)} is ${label.length} characters long; a label has at most ${MAX_LABEL_LENGTH} (RFC 1035 2.3.4).`);
    }
    if (label.startsWith('-') || label.endsWith('-')) {
      return fail(path, 'domain.label_hyphen', `The label ${quote(label)} of ${quote(shown)} starts or ends with a hyphen, which DNS names do not allow (RFC 1035 2.3.1).`);
    }
    if (label.slice(2, 4) === '--' && !label.startsWith('xn--')) {
      return fail(path, 'domain.reserved_hyphens', `The label ${quote(label)} of ${quote(shown)} has hyphens in its third and fourth place, which is reserved for encoded labels such as xn-- (RFC 5891 4.2.3.1).`);
    }
    if (label.startsWith('xn--')) {
      const decoded = domainToUnicode(label);
      if (decoded === '' || decoded === label || domainToASCII(decoded) !== label) {
        return fail(path, 'domain.invalid_punycode', `The label ${quote(label)} of ${quote(shown)} is not a valid A-label: it does not decode to an internationalised label and back (RFC 5890 2.3.2.1).`);
      }
    }
  }
  const tld = labels[labels.length - 1] ?? '';
  if (NUMERIC_LABEL.test(tld)) {
    return fail(path, 'domain.numeric_tld', `${quote(shown)} ends in a numeric label: it is neither a DNS name nor a valid IPv4 address in dotted-decimal form.`);
  }
  return null;
}

function hasSuffix(name: string, suffix: string): boolean {
  return name === suffix || name.endsWith(`.${suffix}`);
}

/** BR 4.2.2 (no Internal Names), RFC 6761 reserved names, and the Public Suffix List's ICANN section. */
function checkPlacement(base: string, wildcard: boolean, shown: string, path: string): Checked<string> {
  if (!base.includes('.')) {
    return wildcard
      ? refused(path, 'domain.wildcard_over_public_suffix', `${quote(shown)} puts the wildcard directly over a top-level domain, which would cover every domain registered there (BR 3.2.2.6).`)
      : refused(path, 'domain.single_label', `${quote(shown)} is a single-label name, an internal name that no one can prove control of on the public internet (BR 4.2.2).`);
  }
  const tld = base.slice(base.lastIndexOf('.') + 1);
  if (tld === 'onion') {
    return refused(path, 'domain.onion', `${quote(shown)} is a Tor onion service name; those need the special validation of BR Appendix B, which is not offered.`);
  }
  if (RESERVED_TLDS.has(tld)) {
    return refused(path, 'domain.reserved_tld', `${quote(shown)} is under .${tld}, a top-level domain reserved for testing and documentation that is never delegated (RFC 2606, RFC 6761).`);
  }
  const internal = INTERNAL_SUFFIXES.find((suffix) => hasSuffix(base, suffix));
  if (internal !== undefined) {
    return refused(path, 'domain.internal_name', `${quote(shown)} is under .${internal}, a private-use name that is not in the public DNS: internal names are not allowed (BR 4.2.2).`);
  }
  if (tld === 'arpa') {
    return refused(path, 'domain.reserved_tld', `${quote(shown)} is under .arpa, the infrastructure domain for reverse lookups and protocols (RFC 3172), not for server names.`);
  }
  // The BR view of the Public Suffix List is its ICANN section: private registrations such as
  // github.io do not turn a subdomain into a separate registrable domain for domain validation.
  const parsed = parseDomain(base, { allowPrivateDomains: false, extractHostname: false, validateHostname: false, detectIp: false, mixedInputs: false });
  if (parsed.isIcann !== true) {
    return refused(path, 'domain.internal_name', `${quote(shown)} ends in .${tld}, which is not a top-level domain in the IANA root zone: internal names are not allowed (BR 4.2.2).`);
  }
  if (parsed.domain === null) {
    return wildcard
      ? refused(path, 'domain.wildcard_over_public_suffix', `${quote(shown)} puts the wildcard directly over the public suffix ${quote(base)}, which would cover every domain registered there (BR 3.2.2.6).`)
      : refused(path, 'domain.public_suffix', `${quote(shown)} is a public suffix under which others register domains; no one can hold it (BR 3.2.2.4, Public Suffix List).`);
  }
  return { ok: true, value: parsed.domain };
}

/**
 * Normalises one certificate name and checks it against the name rules of the Baseline Requirements:
 * trimmed and lower-cased; a U-label becomes an A-label (both are returned); LDH syntax and lengths;
 * a wildcard only as the whole leftmost label; a registrable domain under an ICANN public suffix;
 * no internal names, reserved TLDs or `.onion`; IP addresses only when public.
 */
export function normalizeName(input: string, path: string): Checked<NormalizedName> {
  const text = input.trim().toLowerCase();
  if (text === '') return refused(path, 'domain.required', 'A domain name is required here.');
  if (text.length > MAX_RAW_NAME_LENGTH) {
    return refused(path, 'domain.too_long', `The domain name is ${text.length} characters long; a domain name has at most ${MAX_NAME_LENGTH} (RFC 1035 2.3.4).`);
  }
  const version = isIP(text);
  if ((version === 4 || version === 6) && !text.includes('%')) return checkIp(text, version, path);
  if (text.startsWith('[') || (text.includes(':') && IPV6_LIKE.test(text))) {
    return refused(path, 'ip.invalid', `${quote(text)} is not a valid IP address; write an IPv6 address without brackets or zone index, e.g. 2001:db8::1.`);
  }
  const wildcard = text.startsWith('*.');
  const rest = wildcard ? text.slice(2) : text;
  if (rest.includes('*')) {
    return refused(path, 'domain.wildcard_position', `${quote(text)} has a wildcard in the wrong place: a wildcard must be the whole leftmost label, as in *.example.com (BR 1.6.1 "Wildcard Domain Name").`);
  }
  // Pure ASCII input is checked as typed so that each mistake is named; only input with non-ASCII
  // characters goes through UTS #46 (node's domainToASCII), which also maps full-width dots and letters.
  const isAscii = !/[^\x20-\x7e]/.test(rest);
  if (!isAscii && /[\x00-\x1f\x7f-\x9f]/.test(rest)) {
    return refused(path, 'domain.invalid_characters', `${quote(text)} contains control characters, which a domain name cannot have.`);
  }
  const base = isAscii ? rest : domainToASCII(rest);
  if (base === '') {
    return refused(path, 'domain.invalid_idn', `${quote(text)} is not a valid internationalised domain name (IDNA 2008, UTS #46).`);
  }
  const labelError = checkLabels(base, text, path);
  if (labelError) return { ok: false, errors: [labelError] };
  const placement = checkPlacement(base, wildcard, text, path);
  if (!placement.ok) return placement;
  const prefix = wildcard ? '*.' : '';
  return {
    ok: true,
    value: { ascii: prefix + base, unicode: prefix + domainToUnicode(base), kind: 'dns', wildcard, registrableDomain: placement.value },
  };
}

/**
 * The form in which two spellings of a name compare equal, without judging the name: lower case,
 * A-labels, canonical IPv6. Text that cannot be converted is compared as lower-cased text.
 */
export function comparableName(name: string): string {
  const text = name.trim().toLowerCase();
  const version = isIP(text);
  if (version === 4) return text;
  if (version === 6 && !text.includes('%')) return canonicalIpv6(text);
  if (text.length > MAX_RAW_NAME_LENGTH || !/[^\x20-\x7e]/.test(text)) return text;
  const wildcard = text.startsWith('*.');
  const ascii = domainToASCII(wildcard ? text.slice(2) : text);
  return ascii === '' ? text : (wildcard ? '*.' : '') + ascii;
}

function itemPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/**
 * IP addresses fit only the DV and OV multi-domain products: a single-domain product is sold for one
 * domain name and its `www.`/base companion, and EV certificates carry domain names only (EV
 * Guidelines 9.2.2). Validating an IP address needs the http method (see `approver.ts`).
 */
function allowsIpAddresses(product: Product): boolean {
  return product.validation !== 'ev' && product.maxNames > 1;
}

function tooManyMessage(product: Product, count: number, first: string | undefined): string {
  if (product.companionName === 'www') {
    const companion = first && !first.startsWith('www.') ? `www.${first}` : 'the www. name';
    return `${product.name} covers one domain name plus its free companion (${companion}); the order has ${count} names that count.`;
  }
  if (product.companionName === 'base') {
    const companion = first && first.startsWith('*.') ? first.slice(2) : 'the bare domain';
    return `${product.name} covers one wildcard name plus its free base domain (${companion}); the order has ${count} names that count.`;
  }
  return `${product.name} covers at most ${product.maxNames} names; the order has ${count}.`;
}

/**
 * Checks the `domains` list of an order: each entry normalised (`domains[i]`), no duplicates after
 * normalisation, wildcards and IP addresses only where the product allows them, and the count within
 * the product (the free companion name does not count; entries with errors of their own are not
 * counted). With `product` null (not chosen yet) only the
 * product-independent rules run. `names` holds the normalised, distinct entries in order.
 */
export function validateNames(product: Product | null, names: readonly unknown[], path = 'domains'): { names: NormalizedName[]; errors: FieldError[] } {
  if (names.length === 0) {
    return { names: [], errors: [fail(path, 'domains.required', 'At least one domain name is required: the names the certificate is for, as in the CSR.')] };
  }
  if (names.length > MAX_DOMAIN_ENTRIES) {
    return { names: [], errors: [fail(path, 'domains.too_many', `The order lists ${names.length} names; no product covers more than ${MAX_DOMAIN_ENTRIES}, so the list was not read.`)] };
  }
  const errors: FieldError[] = [];
  const result: NormalizedName[] = [];
  const firstIndex = new Map<string, number>();
  names.forEach((entry, index) => {
    const at = itemPath(path, index);
    if (typeof entry !== 'string') {
      errors.push(fail(at, 'domain.type', `Each domain must be a string such as "example.com"; got ${entry === null ? 'null' : Array.isArray(entry) ? 'an array' : typeof entry}.`));
      return;
    }
    const checked = normalizeName(entry, at);
    if (!checked.ok) {
      errors.push(...checked.errors);
      return;
    }
    const name = checked.value;
    const seen = firstIndex.get(name.ascii);
    if (seen !== undefined) {
      errors.push(fail(at, 'domain.duplicate', `${quote(name.unicode)} is listed twice: it is the same name as ${itemPath(path, seen)} once normalised.`));
      return;
    }
    firstIndex.set(name.ascii, index);
    if (product && name.wildcard && !product.wildcard) {
      errors.push(fail(at, 'domain.wildcard_not_allowed', `${product.name} does not cover wildcard names such as ${quote(name.unicode)}; choose a wildcard product.`));
    }
    if (product && name.kind === 'ip' && !allowsIpAddresses(product)) {
      errors.push(fail(at, 'domain.ip_not_allowed', `${product.name} does not cover IP addresses; IP addresses are offered on the DV and OV multi-domain products (EV certificates name domains only, EV Guidelines 9.2.2).`));
    }
    result.push(name);
  });
  // Counted over the distinct names that normalised: an entry with its own error may be meant as the
  // free companion, so counting it would add a second, misleading error until it is fixed.
  if (product) {
    const ascii = result.map((n) => n.ascii);
    const count = billableNameCount(product, ascii);
    if (count > product.maxNames) errors.push(fail(path, 'domains.too_many', tooManyMessage(product, count, ascii[0])));
  }
  return { names: result, errors };
}

/**
 * Compares the order's names (A-label form, in `domains` order) with the CSR's names. Each order
 * name must be in the CSR (`domains[i]`, `domain.not_in_csr`) and each CSR name in the order
 * (`csr`, `csr.name_not_in_order`), so the certificate carries exactly what was ordered and validated.
 */
export function compareWithCsr(orderNames: readonly string[], csrNames: readonly string[], path = 'domains', csrPath = 'csr'): FieldError[] {
  const errors: FieldError[] = [];
  const inCsr = new Set(csrNames.map(comparableName));
  const inOrder = new Set(orderNames.map(comparableName));
  const listed = csrNames.length > 10 ? `${csrNames.slice(0, 10).join(', ')}, …` : csrNames.join(', ');
  orderNames.forEach((name, index) => {
    if (!inCsr.has(comparableName(name))) {
      errors.push(fail(itemPath(path, index), 'domain.not_in_csr', `${quote(name)} is not in the CSR, which asks for: ${listed || 'no names'}. The domains must be exactly the CSR's names.`));
    }
  });
  const reported = new Set<string>();
  for (const name of csrNames) {
    const key = comparableName(name);
    if (!inOrder.has(key) && !reported.has(key)) {
      reported.add(key);
      errors.push(fail(csrPath, 'csr.name_not_in_order', `The CSR asks for ${quote(name)}, which is not in the order's domains; add it to the domains or make a CSR without it.`));
    }
  }
  return errors;
}
