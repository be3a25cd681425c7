/**
 * Domain control validation material: approval codes for the constructed-email method (BR 3.2.2.4.4)
 * and Random Values for the DNS-change (3.2.2.4.7) and website-change (3.2.2.4.18) methods, with the
 * lookups that check them.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { DcvFetch, DcvResolver } from './config.js';

/** Crockford-style alphabet without 0, 1, I and O, which people confuse when typing a code from an email. */
const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
/** 24 letters of 5 bits: 120 bits, over the 112 bits of entropy BR 1.6.1 asks of a Random Value. */
const CODE_LENGTH = 24;
const CODE_GROUP = 4;

/** A new approval code from the CSPRNG, shown in groups of four letters. */
export function newApprovalCode(): string {
  // 256 is a multiple of 32, so taking each byte modulo 32 keeps every letter equally likely.
  const letters = [...randomBytes(CODE_LENGTH)].map((byte) => CODE_ALPHABET[byte % CODE_ALPHABET.length]!).join('');
  const groups: string[] = [];
  for (let start = 0; start < CODE_LENGTH; start += CODE_GROUP) groups.push(letters.slice(start, start + CODE_GROUP));
  return groups.join('-');
}

/** A typed-in code in its canonical form (upper case, no spaces or dashes), or undefined when it cannot be a code. */
export function normalizeApprovalCode(input: string): string | undefined {
  const code = input.replace(/[\s-]+/g, '').toUpperCase();
  if (code.length !== CODE_LENGTH) return undefined;
  for (const letter of code) if (!CODE_ALPHABET.includes(letter)) return undefined;
  return code;
}

/** A Random Value for the DNS and website methods: 128 bits from the CSPRNG, at least the 112 BR 1.6.1 requires. */
export function newToken(): string {
  return randomBytes(16).toString('hex');
}

/** BR 3.2.2.4: a Random Value remains valid for use in a confirming response for no more than 30 days from its creation. */
export const TOKEN_LIFETIME_MS = 30 * 86_400_000;

/** The name whose control a check proves: the wildcard's base domain (BR 3.2.2.6). */
function baseName(name: string): string {
  return name.startsWith('*.') ? name.slice(2) : name;
}

/** Where the DNS-change method looks: a TXT record at the name prefixed with an underscore label (BR 3.2.2.4.7). */
export function dnsRecordName(name: string): string {
  return `_pki-validation.${baseName(name)}`;
}

/** Where the website-change method looks: the well-known path over port 80 (BR 3.2.2.4.18). */
export function httpValidationUrl(name: string, token: string): string {
  const host = isIP(name) === 6 ? `[${name}]` : name;
  return `http://${host}/.well-known/pki-validation/${token}.txt`;
}

/** What one check found, in a sentence for the validation page. */
export interface CheckResult {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

/** DNS-change: some TXT record at the name holds exactly the Random Value. */
export async function checkDns(resolver: DcvResolver, name: string, token: string): Promise<CheckResult> {
  const record = dnsRecordName(name);
  let answers: string[][];
  try {
    answers = await resolver.resolveTxt(record);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { name, passed: false, detail: `No TXT record found at ${record}${typeof code === 'string' ? ` (${code})` : ''}.` };
  }
  // RFC 7208 3.3 style: a TXT record's character strings form one value when joined.
  const passed = answers.some((chunks) => chunks.join('').trim() === token);
  return { name, passed, detail: passed ? `The TXT record at ${record} holds the expected value.` : `The TXT records at ${record} do not hold the expected value.` };
}

/** How long the website check waits for an answer. */
const HTTP_TIMEOUT_MS = 5000;
/** More than a Random Value file ever holds; a larger answer is not read. */
const MAX_HTTP_BODY = 64 * 1024;

/**
 * Website-change: the file answers 200 and contains the Random Value. Redirects are not followed, so
 * the answer comes from the name itself (BR 3.2.2.4.18 allows redirects only under conditions this
 * check does not evaluate).
 */
export async function checkHttp(fetcher: DcvFetch, name: string, token: string): Promise<CheckResult> {
  const url = httpValidationUrl(name, token);
  try {
    const response = await fetcher(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS), redirect: 'manual' });
    if (response.status !== 200) return { name, passed: false, detail: `${url} answered with status ${response.status}, not 200.` };
    const body = (await response.text()).slice(0, MAX_HTTP_BODY);
    const passed = body.includes(token);
    return { name, passed, detail: passed ? `${url} holds the expected value.` : `${url} does not contain the expected value.` };
  } catch {
    return { name, passed: false, detail: `${url} could not be fetched within ${HTTP_TIMEOUT_MS / 1000} seconds.` };
  }
}
