import { createPrivateKey, createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { platformTraces, traceIn } from './white-label.js';

/**
 * What the mail component is configured with. The wiring (`cli/`) reads the environment and the data
 * folder; nothing in `mail/` does.
 */
export interface MailConfig {
  /** The private, non-public sender domain (`MAIL_DOMAIN`): From, Reply-To, Message-ID, EHLO and DKIM `d=`. */
  readonly mailDomain: string;
  readonly dkim: { readonly selector: string; readonly privateKeyPem: string };
  /** Signs per-order reply addresses; at least 32 bytes. */
  readonly replyKey: Buffer;
  /** The platform's name (`PLATFORM_NAME`): no customer email may carry it. */
  readonly platformName: string;
  /** The platform's website (`PUBLIC_BASE_URL`): no customer email may carry it. */
  readonly publicBaseUrl: string;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const SELECTOR = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
/** RFC 8301 3.2: verifiers must accept 1024 to 4096 bits and may refuse smaller keys. */
const MIN_DKIM_BITS = 1024;
const MIN_REPLY_KEY_BYTES = 32;

/** Checks the mail configuration once at start-up and returns a frozen copy; throws a plain sentence naming what is wrong. */
export function checkMailConfig(config: MailConfig): MailConfig {
  const mailDomain = config.mailDomain.trim().toLowerCase();
  if (!HOSTNAME.test(mailDomain)) throw new Error(`MAIL_DOMAIN "${config.mailDomain}" is not a domain name.`);
  if (config.platformName.trim() === '') throw new Error('PLATFORM_NAME may not be empty: customer emails are checked against it.');
  try {
    new URL(config.publicBaseUrl);
  } catch {
    throw new Error(`PUBLIC_BASE_URL "${config.publicBaseUrl}" is not a URL.`);
  }
  // The mail domain is in every message's headers: one that names the platform breaks white-labelling everywhere.
  const trace = traceIn(mailDomain, platformTraces(config));
  if (trace !== undefined) throw new Error(`MAIL_DOMAIN "${mailDomain}" contains "${trace}" (the platform's name or website); customer emails must not carry it.`);
  if (!SELECTOR.test(config.dkim.selector)) throw new Error(`The DKIM selector "${config.dkim.selector}" is not a DNS label.`);
  let bits: number | undefined;
  try {
    const key = createPrivateKey(config.dkim.privateKeyPem);
    bits = key.asymmetricKeyType === 'rsa' ? key.asymmetricKeyDetails?.modulusLength : undefined;
  } catch {
    throw new Error('The DKIM private key is not a readable PEM private key.');
  }
  if (bits === undefined || bits < MIN_DKIM_BITS) throw new Error(`The DKIM private key must be an RSA key of at least ${MIN_DKIM_BITS} bits.`);
  if (config.replyKey.length < MIN_REPLY_KEY_BYTES) throw new Error(`The reply-address signing key must be at least ${MIN_REPLY_KEY_BYTES} bytes long.`);
  return Object.freeze({
    mailDomain,
    dkim: Object.freeze({ selector: config.dkim.selector.toLowerCase(), privateKeyPem: config.dkim.privateKeyPem }),
    replyKey: Buffer.from(config.replyKey),
    platformName: config.platformName.trim(),
    publicBaseUrl: config.publicBaseUrl,
  });
}

/** A DKIM key pair as PEM: PKCS#8 private key, SPKI public key. */
export interface DkimKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** A new RSA 2048 DKIM key (RFC 8301 recommends 2048 bits); the wiring keeps it in the data folder. */
export async function generateDkimKey(): Promise<DkimKeyPair> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** The TXT record to publish at `<selector>._domainkey.<mail domain>` (RFC 6376 3.6.1), from either key of the pair. */
export function dkimTxtRecord(keyPem: string): string {
  const der = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  return `v=DKIM1; k=rsa; p=${der.toString('base64')}`;
}

/** Where the DKIM TXT record lives. */
export function dkimRecordName(config: Pick<MailConfig, 'mailDomain' | 'dkim'>): string {
  return `${config.dkim.selector}._domainkey.${config.mailDomain}`;
}
