import { resolve } from 'node:path';
import type { DatabaseConfig } from '../store/database.js';
import type { RateLimitConfig } from '../http/app.js';
import { DEFAULT_FRAUD_CONFIG, type FraudConfig } from '../fraud/index.js';
import { PRODUCT_CODES, type ProductCode } from '../domain/products.js';

/** The platform's configuration, read once from the environment at start-up, validated, frozen. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly rateLimit: RateLimitConfig | null;
  readonly csrCacheSize: number;
  /** The platform's name and website: no customer email may carry either (DESIGN.md Emails). */
  readonly platformName: string;
  readonly publicBaseUrl: string;
  /** The private, non-public sender domain of every customer email. */
  readonly mailDomain: string;
  readonly dkimSelector: string;
  /** Outbound relay; undefined: the embedded SMTP sink. */
  readonly smtpUrl: string | undefined;
  /** Port of the embedded SMTP sink (0: any free port), used when SMTP_URL is unset. */
  readonly smtpSinkPort: number;
  /** Replies to customer emails (0: no listener in this process). */
  readonly inboundSmtpPort: number;
  readonly inboundSmtpHost: string;
  /** The embedded CA's own validation site. */
  readonly dcvPort: number;
  readonly dcvPublicUrl: string | undefined;
  /** The supplier that takes every product the catalog does not send elsewhere. */
  readonly defaultSupplier: string;
  /** SUPPLIERS: suppliers in order of preference; a new order goes to the first able one. */
  readonly supplierChain: readonly string[];
  /** SUPPLIERS_<PRODUCT> (e.g. SUPPLIERS_DV_SINGLE): a product's own order of preference. */
  readonly productChains: Partial<Record<ProductCode, readonly string[]>>;
  /** An ACME CA (ACME_DIRECTORY_URL and friends); undefined: none. */
  readonly acme: AcmeSettings | undefined;
  /** Whether webhooks may target private and loopback addresses (the embedded default allows it; production should not). */
  readonly webhookAllowPrivateTargets: boolean | undefined;
  /** Days after the completion window at which uncompleted orders are cancelled automatically; null: never. */
  readonly autoCancelAfterDays: number | null;
  /** Days before expiry that a certificate's successor within the term is started. */
  readonly renewalLeadDays: number;
  /** The fraud screen's settings; defaults from `fraud/` for anything not set. */
  readonly fraud: FraudConfig;
  /** Development: a clock staff may move forward (`POST /v1/staff/dev/clock`). */
  readonly devClock: boolean;
  /** METRICS_TOKEN: when set, `/metrics` needs it as a bearer token. */
  readonly metricsToken: string | undefined;
  /** How long a claimed job is a runner's before another may take it over (a runner that died). */
  readonly jobLeaseMs: number;
  /** Secrets from the environment; what is missing is generated and kept in the data folder. */
  readonly secrets: Partial<Secrets>;
}

/** The ACME supplier's settings from the environment; files are read at start-up. */
export interface AcmeSettings {
  readonly directoryUrl: string;
  readonly label: string | undefined;
  readonly eab: { readonly kid: string; readonly hmacKey: string } | undefined;
  readonly contactEmail: string | undefined;
  /** PEM file of extra trust anchors for the CA's TLS certificate (a test CA's). */
  readonly caFile: string | undefined;
  /** PEM file of the root certificate delivered with each certificate. */
  readonly rootFile: string | undefined;
  /** Where the root is fetched from at each issuance, when no root file is given. */
  readonly rootUrl: string | undefined;
  readonly preferredChallenge: 'dns-01' | 'http-01' | undefined;
  readonly pollIntervalMs: number | undefined;
  readonly requestTimeoutMs: number | undefined;
  readonly leaseMs: number | undefined;
}

/** The platform's secrets (DESIGN.md): CA key encryption, DKIM, reply-address signing. */
export interface Secrets {
  /** 32 bytes, base64: encrypts the embedded CA's private keys at rest. */
  readonly caKeyEncryptionKey: string;
  readonly dkimPrivateKeyPem: string;
  /** base64: signs per-order reply addresses. */
  readonly replySigningKey: string;
  /** 32 bytes, base64: encrypts the ACME account keys at rest. */
  readonly acmeKeyEncryptionKey: string;
}

/** A configuration mistake, reported as one clear sentence before anything starts. */
export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}".`);
  return value;
}

function hostname(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = (env[name] || fallback).toLowerCase();
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(value)) throw new ConfigError(`${name} must be a domain name, not "${value}".`);
  return value;
}

function list(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '').split(',').map((v) => v.trim().toLowerCase()).filter((v) => v !== '');
}

/** FRAUD_HOLD_THRESHOLD, FRAUD_BRANDS (added to the defaults), FRAUD_SANCTIONED_COUNTRIES (replaces them), FRAUD_RESELLER_ORDERS_PER_HOUR/DAY. */
function fraudConfig(env: NodeJS.ProcessEnv): FraudConfig {
  const d = DEFAULT_FRAUD_CONFIG;
  const sanctioned = list(env, 'FRAUD_SANCTIONED_COUNTRIES').map((c) => c.toUpperCase());
  if (sanctioned.some((c) => !/^[A-Z]{2}$/.test(c))) throw new ConfigError('FRAUD_SANCTIONED_COUNTRIES must be a comma-separated list of ISO 3166-1 alpha-2 codes.');
  return Object.freeze({
    ...d,
    holdThreshold: integer(env, 'FRAUD_HOLD_THRESHOLD', d.holdThreshold, 1, 100_000),
    brands: [...new Set([...d.brands, ...list(env, 'FRAUD_BRANDS')])],
    sanctionedCountries: sanctioned.length > 0 ? sanctioned : d.sanctionedCountries,
    velocity: {
      resellerPerHour: integer(env, 'FRAUD_RESELLER_ORDERS_PER_HOUR', d.velocity.resellerPerHour, 1, 10_000_000),
      resellerPerDay: integer(env, 'FRAUD_RESELLER_ORDERS_PER_DAY', d.velocity.resellerPerDay, 1, 10_000_000),
      domainPerDay: d.velocity.domainPerDay,
    },
  });
}

/** The names of suppliers in a comma-separated list; what they name is checked when the platform starts. */
function supplierList(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  const names = list(env, name);
  if (names.length === 0) return undefined;
  const bad = names.find((n) => !/^[a-z0-9][a-z0-9._:-]{0,60}$/.test(n));
  if (bad !== undefined) throw new ConfigError(`${name} must be a comma-separated list of supplier names such as acme,local-ca; "${bad}" is not one.`);
  return [...new Set(names)];
}

function acmeSettings(env: NodeJS.ProcessEnv): AcmeSettings | undefined {
  const directoryUrl = env.ACME_DIRECTORY_URL;
  if (directoryUrl === undefined || directoryUrl === '') {
    const stray = Object.keys(env).find((key) => key.startsWith('ACME_') && key !== 'ACME_ACCOUNT_KEY_ENCRYPTION_KEY' && env[key] !== '');
    if (stray !== undefined) throw new ConfigError(`${stray} is set but ACME_DIRECTORY_URL is not: set the CA's directory URL to use an ACME supplier.`);
    return undefined;
  }
  if (!/^https:\/\//.test(directoryUrl)) throw new ConfigError('ACME_DIRECTORY_URL must be the https URL of the CA\'s ACME directory (RFC 8555 7.1.1).');
  const kid = env.ACME_EAB_KID || undefined;
  const hmacKey = env.ACME_EAB_HMAC_KEY || undefined;
  if ((kid === undefined) !== (hmacKey === undefined)) throw new ConfigError('ACME_EAB_KID and ACME_EAB_HMAC_KEY go together: set both for External Account Binding, or neither.');
  const challenge = env.ACME_PREFERRED_CHALLENGE || undefined;
  if (challenge !== undefined && challenge !== 'dns-01' && challenge !== 'http-01') throw new ConfigError(`ACME_PREFERRED_CHALLENGE must be dns-01 or http-01, not "${challenge}".`);
  return Object.freeze({
    directoryUrl,
    label: env.ACME_LABEL || undefined,
    eab: kid !== undefined && hmacKey !== undefined ? { kid, hmacKey } : undefined,
    contactEmail: env.ACME_CONTACT_EMAIL || undefined,
    caFile: env.ACME_CA_FILE ? resolve(env.ACME_CA_FILE) : undefined,
    rootFile: env.ACME_ROOT_FILE ? resolve(env.ACME_ROOT_FILE) : undefined,
    rootUrl: env.ACME_ROOT_URL || undefined,
    preferredChallenge: challenge,
    pollIntervalMs: env.ACME_POLL_INTERVAL_MS ? integer(env, 'ACME_POLL_INTERVAL_MS', 5000, 10, 3_600_000) : undefined,
    requestTimeoutMs: env.ACME_REQUEST_TIMEOUT_MS ? integer(env, 'ACME_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000) : undefined,
    leaseMs: env.ACME_LEASE_MS ? integer(env, 'ACME_LEASE_MS', 120_000, 1000, 3_600_000) : undefined,
  });
}

function productChains(env: NodeJS.ProcessEnv): Partial<Record<ProductCode, readonly string[]>> {
  const chains: Partial<Record<ProductCode, readonly string[]>> = {};
  for (const product of PRODUCT_CODES) {
    const chain = supplierList(env, `SUPPLIERS_${product.toUpperCase().replace(/-/g, '_')}`);
    if (chain !== undefined) chains[product] = chain;
  }
  return chains;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.CERTBROKER_DATA_DIR || './data');
  const url = env.DATABASE_URL;
  if (url !== undefined && url !== '' && !/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL.');
  const rateMax = integer(env, 'RATE_LIMIT_MAX', 1200, 0, 10_000_000);
  return Object.freeze({
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir,
    database: url ? { kind: 'postgres', url } : { kind: 'pglite', dataDir: resolve(dataDir, 'pglite') },
    rateLimit: rateMax === 0 ? null : { max: rateMax, windowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1000, 86_400_000) },
    csrCacheSize: integer(env, 'CSR_CACHE_SIZE', 1000, 0, 1_000_000),
    platformName: env.PLATFORM_NAME || 'certbroker',
    publicBaseUrl: env.PUBLIC_BASE_URL || `http://127.0.0.1:${integer(env, 'PORT', 8080, 0, 65535)}`,
    mailDomain: hostname(env, 'MAIL_DOMAIN', 'mailer.invalid'),
    dkimSelector: env.DKIM_SELECTOR || 's1',
    smtpUrl: env.SMTP_URL || undefined,
    smtpSinkPort: integer(env, 'SMTP_SINK_PORT', 2526, 0, 65535),
    dcvPort: integer(env, 'DCV_PORT', 8081, 0, 65535),
    inboundSmtpPort: integer(env, 'INBOUND_SMTP_PORT', 2525, 0, 65535),
    inboundSmtpHost: env.INBOUND_SMTP_HOST || '127.0.0.1',
    dcvPublicUrl: env.DCV_PUBLIC_URL || undefined,
    defaultSupplier: env.SUPPLIER || 'local-ca',
    supplierChain: supplierList(env, 'SUPPLIERS') ?? [env.SUPPLIER || 'local-ca'],
    productChains: productChains(env),
    acme: acmeSettings(env),
    webhookAllowPrivateTargets: env.WEBHOOK_ALLOW_PRIVATE_TARGETS === undefined || env.WEBHOOK_ALLOW_PRIVATE_TARGETS === '' ? undefined : env.WEBHOOK_ALLOW_PRIVATE_TARGETS === '1',
    jobLeaseMs: integer(env, 'JOB_LEASE_MS', 60_000, 1000, 3_600_000),
    autoCancelAfterDays: env.AUTO_CANCEL_AFTER_DAYS ? integer(env, 'AUTO_CANCEL_AFTER_DAYS', 0, 0, 365) : null,
    renewalLeadDays: integer(env, 'RENEWAL_LEAD_DAYS', 30, 1, 90),
    devClock: env.CERTBROKER_DEV_CLOCK === '1',
    metricsToken: env.METRICS_TOKEN || undefined,
    fraud: fraudConfig(env),
    secrets: {
      ...(env.CA_KEY_ENCRYPTION_KEY && { caKeyEncryptionKey: env.CA_KEY_ENCRYPTION_KEY }),
      ...(env.DKIM_PRIVATE_KEY && { dkimPrivateKeyPem: env.DKIM_PRIVATE_KEY }),
      ...(env.REPLY_SIGNING_KEY && { replySigningKey: env.REPLY_SIGNING_KEY }),
      ...(env.ACME_ACCOUNT_KEY_ENCRYPTION_KEY && { acmeKeyEncryptionKey: env.ACME_ACCOUNT_KEY_ENCRYPTION_KEY }),
    },
  } satisfies Config);
}
