import { resolveTxt } from 'node:dns/promises';
import { SupplierError } from '../supplier.js';

/** The challenge types the adapter can ask a customer to prepare (RFC 8555 8.3, 8.4). */
export const CHALLENGE_TYPES = ['dns-01', 'http-01'] as const;
/** One of {@link CHALLENGE_TYPES}. */
export type ChallengeType = (typeof CHALLENGE_TYPES)[number];

/** The DNS lookup of the self-check before a dns-01 challenge is answered; node:dns by default. */
export interface SelfCheckResolver {
  resolveTxt(hostname: string): Promise<string[][]>;
}

/** The HTTP GET of the self-check before an http-01 challenge is answered; the global `fetch` by default. */
export type SelfCheckFetch = (url: string, init: { readonly signal: AbortSignal; readonly redirect: 'follow' }) => Promise<{ readonly status: number; text(): Promise<string> }>;

/** Configuration of one ACME supplier, handed to {@link acmeFactory} by the wiring. */
export interface AcmeConfig {
  /** The CA's directory (RFC 8555 7.1.1), an https URL. */
  readonly directoryUrl: string;
  /** Names this supplier `acme:<label>` instead of `acme`, for several ACME CAs side by side. */
  readonly label?: string;
  /** External Account Binding (RFC 8555 7.3.4), for CAs that require one: the key id and the base64url MAC key they issued. */
  readonly eab?: { readonly kid: string; readonly hmacKey: string };
  /** Contact put on the ACME account (`mailto:`), where the CA sends expiry and policy notices. */
  readonly contactEmail?: string;
  /** 32 bytes: the AES-256-GCM key that seals the ACME account key at rest. */
  readonly encryptionKey: Buffer;
  /** Extra trust anchors (PEM) for the CA's TLS certificate, e.g. Pebble's; the system's otherwise. */
  readonly ca?: string | Buffer;
  /** The root certificate to deliver with each certificate (PEM). */
  readonly rootPem?: string;
  /** Where to fetch the root certificate at each issuance (Pebble: `https://127.0.0.1:15000/roots/0`); used when `rootPem` is not given. */
  readonly rootUrl?: string;
  /** Shortest wait between two checks of an order at the CA, and the poller's tick; default 5 s. */
  readonly pollIntervalMs?: number;
  /** Longest wait between two checks: the backoff doubles from `pollIntervalMs` up to this; default 5 min. */
  readonly maxPollMs?: number;
  /** The challenge for names whose requested method ACME cannot offer (`email`); default `dns-01`. Wildcards always use dns-01, IP addresses http-01. */
  readonly preferredChallenge?: ChallengeType;
  /** Time limit of one request to the CA; default 30 s. */
  readonly requestTimeoutMs?: number;
  /** How long a poller may work on one order before another process takes it over (its process died); default 2 min. */
  readonly leaseMs?: number;
  /**
   * Answer a challenge on the poller's schedule as soon as the adapter's own look-up sees the
   * published record or file (default true). When false, challenges are answered only by a re-check
   * (`resendApproval`).
   */
  readonly selfCheck?: boolean;
  /** DNS resolver for the self-check; default node:dns. */
  readonly resolver?: SelfCheckResolver;
  /** HTTP client for the self-check; default the global `fetch`. */
  readonly fetch?: SelfCheckFetch;
  /** Orders the poller works on at the same time; default 4. */
  readonly concurrency?: number;
  /**
   * Run the poller on its own timer (default true). When false, orders move only when the platform
   * calls `poll()`, e.g. from a scheduled job.
   */
  readonly autoPoll?: boolean;
}

/** {@link AcmeConfig} with every default filled in, frozen. */
export interface ResolvedConfig {
  readonly name: string;
  readonly directoryUrl: string;
  /** The directory's origin: every request of the ACME client to it goes through the adapter's transport. */
  readonly origin: string;
  readonly eab: { readonly kid: string; readonly hmacKey: string } | undefined;
  readonly contactEmail: string | undefined;
  readonly encryptionKey: Buffer;
  readonly ca: string | Buffer | undefined;
  readonly rootPem: string | undefined;
  readonly rootUrl: string | undefined;
  readonly pollIntervalMs: number;
  readonly maxPollMs: number;
  readonly preferredChallenge: ChallengeType;
  readonly requestTimeoutMs: number;
  readonly leaseMs: number;
  readonly selfCheck: boolean;
  readonly resolver: SelfCheckResolver;
  readonly fetch: SelfCheckFetch;
  readonly concurrency: number;
  readonly autoPoll: boolean;
}

/** The factory's name, and the supplier's without a label. */
export const ACME_SUPPLIER_NAME = 'acme';

function invalid(message: string): SupplierError {
  return new SupplierError('invalid_config', `acme: ${message}`, { retryable: false });
}

function httpsUrl(value: unknown, setting: string, why: string): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalid(`${setting} must be an absolute https URL (${why}); got ${JSON.stringify(value)}.`);
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') {
    throw invalid(`${setting} must be an https URL without credentials (${why}); got ${JSON.stringify(value)}.`);
  }
  return url;
}

function positiveMs(value: unknown, setting: string, fallback: number, min: number): number {
  const ms = value ?? fallback;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < min) throw invalid(`${setting} must be a number of milliseconds, at least ${min}; got ${String(value)}.`);
  return Math.round(ms);
}

/**
 * Checks the configuration and fills in defaults.
 * @throws SupplierError (`invalid_config`, not retryable) with a sentence naming the setting and what it must be.
 */
export function resolveConfig(config: AcmeConfig): ResolvedConfig {
  if (config === null || typeof config !== 'object') throw invalid('the configuration must be an object with at least directoryUrl and encryptionKey.');
  // RFC 8555 6.1: all ACME communication is over HTTPS.
  const directory = httpsUrl(config.directoryUrl, 'directoryUrl', 'RFC 8555 6.1: ACME runs over HTTPS only');

  const { encryptionKey } = config;
  if (!Buffer.isBuffer(encryptionKey) || encryptionKey.length !== 32) {
    const got = Buffer.isBuffer(encryptionKey) ? `${encryptionKey.length} bytes` : typeof encryptionKey;
    throw invalid(`encryptionKey must be a Buffer of 32 bytes (an AES-256-GCM key for the ACME account key); got ${got}.`);
  }

  let name = ACME_SUPPLIER_NAME;
  if (config.label !== undefined) {
    if (typeof config.label !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,39}$/.test(config.label)) {
      throw invalid(`label must be 1 to 40 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit; got ${JSON.stringify(config.label)}.`);
    }
    name = `${ACME_SUPPLIER_NAME}:${config.label}`;
  }

  let eab: ResolvedConfig['eab'];
  if (config.eab !== undefined) {
    const { kid, hmacKey } = config.eab ?? {};
    if (typeof kid !== 'string' || kid.trim() === '') throw invalid('eab.kid must be the key identifier the CA issued for External Account Binding (RFC 8555 7.3.4).');
    if (typeof hmacKey !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(hmacKey) || Buffer.from(hmacKey, 'base64url').length < 16) {
      throw invalid('eab.hmacKey must be the MAC key the CA issued, base64url-encoded (RFC 8555 7.3.4), of at least 16 bytes.');
    }
    eab = Object.freeze({ kid, hmacKey });
  }

  let contactEmail: string | undefined;
  if (config.contactEmail !== undefined) {
    if (typeof config.contactEmail !== 'string' || !/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/.test(config.contactEmail)) {
      throw invalid(`contactEmail must be an email address for the account's mailto: contact (RFC 8555 7.3); got ${JSON.stringify(config.contactEmail)}.`);
    }
    contactEmail = config.contactEmail;
  }

  if (config.ca !== undefined && !((typeof config.ca === 'string' || Buffer.isBuffer(config.ca)) && String(config.ca).includes('-----BEGIN CERTIFICATE-----'))) {
    throw invalid('ca must be one or more PEM certificates (a string or a Buffer) to trust for the CA\'s TLS certificate.');
  }
  if (config.rootPem !== undefined && !(typeof config.rootPem === 'string' && config.rootPem.includes('-----BEGIN CERTIFICATE-----'))) {
    throw invalid('rootPem must be the PEM root certificate to deliver with the certificates.');
  }
  const rootUrl = config.rootUrl === undefined ? undefined : httpsUrl(config.rootUrl, 'rootUrl', 'where the root certificate is fetched from').toString();

  const pollIntervalMs = positiveMs(config.pollIntervalMs, 'pollIntervalMs', 5000, 10);
  const maxPollMs = positiveMs(config.maxPollMs, 'maxPollMs', 300_000, 10);
  if (maxPollMs < pollIntervalMs) throw invalid(`maxPollMs (${maxPollMs}) must be at least pollIntervalMs (${pollIntervalMs}).`);
  const requestTimeoutMs = positiveMs(config.requestTimeoutMs, 'requestTimeoutMs', 30_000, 100);
  const leaseMs = positiveMs(config.leaseMs, 'leaseMs', 120_000, 1000);
  if (leaseMs <= requestTimeoutMs) throw invalid(`leaseMs (${leaseMs}) must be longer than requestTimeoutMs (${requestTimeoutMs}): a lease must outlive one request.`);

  const preferredChallenge = config.preferredChallenge ?? 'dns-01';
  if (!(CHALLENGE_TYPES as readonly string[]).includes(preferredChallenge)) {
    throw invalid(`preferredChallenge must be ${CHALLENGE_TYPES.join(' or ')}; got ${JSON.stringify(preferredChallenge)}.`);
  }
  const selfCheck = config.selfCheck ?? true;
  if (typeof selfCheck !== 'boolean') throw invalid('selfCheck must be true or false.');
  const concurrency = config.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw invalid(`concurrency must be a whole number from 1 to 64; got ${String(concurrency)}.`);

  const autoPoll = config.autoPoll ?? true;
  if (typeof autoPoll !== 'boolean') throw invalid('autoPoll must be true or false.');

  return Object.freeze({
    name,
    directoryUrl: directory.toString(),
    origin: directory.origin,
    eab,
    contactEmail,
    encryptionKey: Buffer.from(encryptionKey),
    ca: config.ca,
    rootPem: config.rootPem,
    rootUrl,
    pollIntervalMs,
    maxPollMs,
    preferredChallenge,
    requestTimeoutMs,
    leaseMs,
    selfCheck,
    resolver: config.resolver ?? { resolveTxt },
    fetch: config.fetch ?? ((url, init) => fetch(url, init)),
    concurrency,
    autoPoll,
  });
}
