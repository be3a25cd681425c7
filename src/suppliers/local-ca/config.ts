import { resolveTxt } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SupplierError } from '../supplier.js';

/** The DNS lookup the DNS-change method performs (BR 3.2.2.4.7); node:dns by default, a fake in tests. */
export interface DcvResolver {
  resolveTxt(hostname: string): Promise<string[][]>;
}

/** What the website-change method reads of an HTTP answer. */
export interface DcvHttpResponse {
  readonly status: number;
  text(): Promise<string>;
}

/** The HTTP GET the website-change method performs (BR 3.2.2.4.18); the global `fetch` by default, a fake in tests. */
export type DcvFetch = (url: string, init: { readonly signal: AbortSignal; readonly redirect: 'manual' }) => Promise<DcvHttpResponse>;

/** Configuration of the embedded CA, handed to {@link localCaFactory} by the wiring. */
export interface LocalCaConfig {
  /** 32 bytes: the AES-256-GCM key that seals the CA's private keys at rest (and keys the approval-code digests). */
  readonly encryptionKey: Buffer;
  /** Port of the CA's own validation site; 0 takes any free port. */
  readonly dcvPort: number;
  /** Address the validation site listens on; default 127.0.0.1. */
  readonly dcvHost?: string;
  /** Base URL put into approval emails; default `http://<dcvHost>:<actual port>`. */
  readonly dcvPublicUrl?: string;
  /** The CA's organisation name, in its certificates and on its pages; default "Embedded Trust Services". */
  readonly organizationName?: string;
  /** How long an approval code stays valid; default 72 hours, at most 30 days (BR 3.2.2.4: a Random Value lives at most 30 days). */
  readonly approvalCodeTtlHours?: number;
  /** DNS resolver for the DNS-change method; default node:dns. */
  readonly resolver?: DcvResolver;
  /** HTTP client for the website-change method; default the global `fetch`. */
  readonly fetch?: DcvFetch;
  /** Seconds between retries of events and emails the platform did not accept; default 30. */
  readonly outboxRetrySeconds?: number;
}

/** {@link LocalCaConfig} with every default filled in, frozen. */
export interface ResolvedConfig {
  readonly encryptionKey: Buffer;
  readonly dcvPort: number;
  readonly dcvHost: string;
  /** Without a trailing slash; undefined means "derive from the port the site actually got". */
  readonly dcvPublicUrl: string | undefined;
  readonly organizationName: string;
  readonly approvalCodeTtlMs: number;
  readonly resolver: DcvResolver;
  readonly fetch: DcvFetch;
  readonly outboxRetryMs: number;
}

/** The CA's name when none is configured: neutral, of no operator. */
export const DEFAULT_ORGANIZATION_NAME = 'Embedded Trust Services';
const DEFAULT_APPROVAL_CODE_TTL_HOURS = 72;
/** BR 3.2.2.4: a Random Value remains valid for use in a confirming response for no more than 30 days. */
const MAX_APPROVAL_CODE_TTL_HOURS = 30 * 24;
const DEFAULT_OUTBOX_RETRY_SECONDS = 30;
/** RFC 5280 Appendix A (ub-organization-name): the organisation name is an X.520 attribute of at most 64 characters. */
const MAX_ORGANIZATION_NAME_LENGTH = 64;
/** The CA common names append " Root R1" / " TLS CA 1" to the organisation name and must stay within ub-common-name (64). */
const MAX_NAME_FOR_COMMON_NAME = 64 - ' Root R1'.length;

function invalid(message: string): SupplierError {
  return new SupplierError('invalid_config', `local-ca: ${message}`, { retryable: false });
}

/**
 * Checks the configuration and fills in defaults.
 * @throws SupplierError (`invalid_config`, not retryable) with a sentence naming the setting and what it must be.
 */
export function resolveConfig(config: LocalCaConfig): ResolvedConfig {
  const { encryptionKey, dcvPort } = config;
  if (!Buffer.isBuffer(encryptionKey) || encryptionKey.length !== 32) {
    const got = Buffer.isBuffer(encryptionKey) ? `${encryptionKey.length} bytes` : typeof encryptionKey;
    throw invalid(`encryptionKey must be a Buffer of 32 bytes (an AES-256-GCM key for the CA's private keys); got ${got}.`);
  }
  if (!Number.isInteger(dcvPort) || dcvPort < 0 || dcvPort > 65535) {
    throw invalid(`dcvPort must be an integer from 0 (any free port) to 65535; got ${String(dcvPort)}.`);
  }
  const dcvHost = config.dcvHost ?? '127.0.0.1';
  if (typeof dcvHost !== 'string' || dcvHost.trim() === '') throw invalid('dcvHost must be a host name or an IP address to listen on.');

  let dcvPublicUrl: string | undefined;
  if (config.dcvPublicUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(config.dcvPublicUrl);
    } catch {
      throw invalid(`dcvPublicUrl must be an absolute http or https URL; got ${JSON.stringify(config.dcvPublicUrl)}.`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      throw invalid(`dcvPublicUrl must be an http or https URL without credentials, query or fragment; got ${JSON.stringify(config.dcvPublicUrl)}.`);
    }
    dcvPublicUrl = url.toString().replace(/\/+$/, '');
  }

  const organizationName = (config.organizationName ?? DEFAULT_ORGANIZATION_NAME).trim();
  if (organizationName === '' || organizationName.length > MAX_ORGANIZATION_NAME_LENGTH || organizationName.length > MAX_NAME_FOR_COMMON_NAME) {
    throw invalid(`organizationName must be 1 to ${MAX_NAME_FOR_COMMON_NAME} characters, so that the CA names stay within RFC 5280's 64-character bound.`);
  }
  if (/[\u0000-\u001f\u007f]/.test(organizationName)) throw invalid('organizationName must not contain control characters.');

  const ttlHours = config.approvalCodeTtlHours ?? DEFAULT_APPROVAL_CODE_TTL_HOURS;
  if (typeof ttlHours !== 'number' || !Number.isFinite(ttlHours) || ttlHours <= 0 || ttlHours > MAX_APPROVAL_CODE_TTL_HOURS) {
    throw invalid(`approvalCodeTtlHours must be more than 0 and at most ${MAX_APPROVAL_CODE_TTL_HOURS} (BR 3.2.2.4: a Random Value lives at most 30 days); got ${String(ttlHours)}.`);
  }
  const retrySeconds = config.outboxRetrySeconds ?? DEFAULT_OUTBOX_RETRY_SECONDS;
  if (typeof retrySeconds !== 'number' || !Number.isFinite(retrySeconds) || retrySeconds < 1) {
    throw invalid(`outboxRetrySeconds must be at least 1; got ${String(retrySeconds)}.`);
  }

  return Object.freeze({
    encryptionKey: Buffer.from(encryptionKey),
    dcvPort,
    dcvHost,
    dcvPublicUrl,
    organizationName,
    approvalCodeTtlMs: Math.round(ttlHours * 3_600_000),
    resolver: config.resolver ?? { resolveTxt },
    fetch: config.fetch ?? ((url, init) => fetch(url, init)),
    outboxRetryMs: retrySeconds * 1000,
  });
}

/** The site's default public base URL once the port is known; IPv6 literals go in brackets (RFC 3986 3.2.2). */
export function defaultPublicUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${isIP(shown) === 6 ? `[${shown}]` : shown}:${port}`;
}
