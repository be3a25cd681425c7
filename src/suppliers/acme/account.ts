/**
 * The supplier's ACME account: one key per (supplier, directory), made on the first start, kept sealed
 * in `acme_accounts`, and reused by every later start and every process. The account itself is
 * registered with the CA on first use (RFC 8555 7.3), not at start-up, so the platform starts while the
 * CA is down; its URL is stored, so later starts never register again.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as acme from 'acme-client';
import { SupplierError, type SqlPort } from '../supplier.js';
import { jwkThumbprint } from './challenges.js';
import { toSupplierError } from './errors.js';
import { findAccount, insertAccount, setAccountUrl } from './repository.js';
import { SealError, type SealedBox } from '../shared/sealed-box.js';

/** What the account needs. */
export interface AccountSettings {
  readonly supplier: string;
  readonly directoryUrl: string;
  readonly eab: { readonly kid: string; readonly hmacKey: string } | undefined;
  readonly contactEmail: string | undefined;
}

function sealContext(settings: AccountSettings): string {
  return `acme_accounts:${settings.supplier}:${settings.directoryUrl}`;
}

/** An ACME account key: ECDSA P-256, signing as ES256 (RFC 7518 3.4), which every ACME CA accepts. */
function newAccountKey(): Buffer {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' });
}

/** The account key and, once registered, the client that speaks for it. */
export class AcmeAccount {
  readonly #sql: SqlPort;
  readonly #clock: { now(): Date };
  readonly #settings: AccountSettings;
  readonly #keyPem: string;
  #accountUrl: string | null;
  #client: Promise<acme.Client> | undefined;
  /** RFC 7638 thumbprint of the account's public key: the second half of every key authorization (RFC 8555 8.1). */
  readonly thumbprint: string;

  private constructor(deps: { sql: SqlPort; clock: { now(): Date }; settings: AccountSettings; keyPem: string; accountUrl: string | null }) {
    this.#sql = deps.sql;
    this.#clock = deps.clock;
    this.#settings = deps.settings;
    this.#keyPem = deps.keyPem;
    this.#accountUrl = deps.accountUrl;
    this.thumbprint = jwkThumbprint(createPublicKey(deps.keyPem).export({ format: 'jwk' }));
  }

  /**
   * Loads the account key, creating and sealing it on the first start. Two processes starting at once
   * both make a key, but only one is stored (`on conflict do nothing`) and both go on with that one.
   * @throws SupplierError (`invalid_config`) when the configured encryption key does not open the stored key.
   */
  static async open(deps: { sql: SqlPort; vault: SealedBox; clock: { now(): Date }; settings: AccountSettings }): Promise<AcmeAccount> {
    const { sql, vault, settings } = deps;
    let row = await findAccount(sql, settings.supplier, settings.directoryUrl);
    if (row === undefined) {
      await insertAccount(sql, settings.supplier, settings.directoryUrl, vault.seal(newAccountKey(), sealContext(settings)), deps.clock.now());
      row = await findAccount(sql, settings.supplier, settings.directoryUrl);
    }
    if (row === undefined) throw new SupplierError('storage', `${settings.supplier}: the account key could not be stored.`, { retryable: true });
    let der: Buffer;
    try {
      der = vault.open(row.keySealed, sealContext(settings));
    } catch (error) {
      if (!(error instanceof SealError)) throw error;
      throw new SupplierError(
        'invalid_config',
        `${settings.supplier}: encryptionKey does not open the stored ACME account key for ${settings.directoryUrl}; configure the key it was sealed with (a new key would mean a new account at the CA).`,
        { retryable: false },
      );
    }
    const keyPem = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
    return new AcmeAccount({ sql, clock: deps.clock, settings, keyPem, accountUrl: row.accountUrl });
  }

  /** The account URL at the CA, once registered. */
  get accountUrl(): string | null {
    return this.#accountUrl;
  }

  /**
   * The ACME client of the account, registering the account first if it never was (RFC 8555 7.3: terms
   * of service agreed by whoever configured the supplier; with External Account Binding, 7.3.4).
   * A failed registration is tried again on the next call.
   * @throws SupplierError mapped from the CA's answer (`account` when it demands External Account Binding).
   */
  client(): Promise<acme.Client> {
    this.#client ??= this.#connect().catch((error: unknown) => {
      this.#client = undefined;
      throw toSupplierError(this.#settings.supplier, 'registering the ACME account', error, this.#clock.now());
    });
    return this.#client;
  }

  async #connect(): Promise<acme.Client> {
    const { directoryUrl, eab, contactEmail, supplier } = this.#settings;
    // Another process of the platform may have registered the account since this one opened it.
    this.#accountUrl ??= (await findAccount(this.#sql, supplier, directoryUrl))?.accountUrl ?? null;
    const client = new acme.Client({
      directoryUrl,
      accountKey: this.#keyPem,
      ...(this.#accountUrl !== null && { accountUrl: this.#accountUrl }),
      ...(eab !== undefined && { externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmacKey } }),
    });
    if (this.#accountUrl !== null) return client;
    try {
      await client.createAccount({ termsOfServiceAgreed: true, ...(contactEmail !== undefined && { contact: [`mailto:${contactEmail}`] }) });
    } catch (error) {
      // Two processes registered the same key at once: the CA knows the account already, and answers
      // the second registration with an update it may refuse. Ask only for the existing account (RFC 8555 7.3.1).
      await client.createAccount({ onlyReturnExisting: true }).catch(() => {
        throw error;
      });
    }
    const accountUrl = client.getAccountUrl();
    await setAccountUrl(this.#sql, supplier, directoryUrl, accountUrl, this.#clock.now());
    this.#accountUrl = accountUrl;
    return client;
  }
}
