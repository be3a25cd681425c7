import type { Clock } from '../domain/clock.js';
import { CertbrokerError } from '../domain/errors.js';
import { isProductCode, TERM_MONTHS } from '../domain/products.js';
import type { Actor } from '../domain/order.js';
import type { FieldError } from '../domain/errors.js';
import type { Ledger, LedgerEntry } from '../ledger/ledger.js';
import type { Db } from '../store/database.js';
import { newId } from '../store/ids.js';
import * as repo from '../store/accounts.repository.js';
import type { ApiKeyInfo, Reseller } from '../store/accounts.repository.js';
import {
  DEFAULT_SETTINGS,
  validateBranding,
  validateMinorAmount,
  validateNewReseller,
  validateSettings,
  type AccountSettings,
  type Branding,
} from '../validation/account.js';
import { validateEmail } from '../validation/contacts.js';
import { generateApiKey } from './api-keys.js';

export interface CreatedKey {
  readonly key: ApiKeyInfo;
  /** Shown once, never stored. */
  readonly secret: string;
}

function invalid(errors: readonly FieldError[]): CertbrokerError {
  return new CertbrokerError('invalid', 'request.invalid', 'The request has invalid fields.', errors);
}

function notFound(): CertbrokerError {
  return new CertbrokerError('not_found', 'reseller.not_found', 'No such reseller.');
}

/** Use cases for reseller and staff accounts, their keys, settings and money top-ups. */
export class AccountsService {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #ledger: Ledger;
  readonly #changed: (resellerId: string) => void;
  readonly #forbidden: readonly string[];

  /**
   * `onResellerChanged` hears of every change to a reseller's account, settings or prices (cache
   * invalidation); `forbiddenBrandTerms` (the platform's name and website host) may not appear in a
   * reseller's name or branding, which reach its customers.
   */
  constructor(deps: { db: Db; clock: Clock; ledger: Ledger; onResellerChanged?: (resellerId: string) => void; forbiddenBrandTerms?: readonly string[] }) {
    this.#db = deps.db;
    this.#forbidden = deps.forbiddenBrandTerms ?? [];
    this.#clock = deps.clock;
    this.#ledger = deps.ledger;
    this.#changed = deps.onResellerChanged ?? (() => undefined);
  }

  /** Creates a reseller account with its first API key (staff or CLI). */
  async createReseller(input: unknown): Promise<{ reseller: Reseller; apiKey: CreatedKey }> {
    const checked = validateNewReseller(input, this.#forbidden);
    if (!checked.value) throw invalid(checked.errors);
    const value = checked.value;
    return this.#db.transaction().execute(async (trx) => {
      const reseller = await repo.insertReseller(trx, { id: newId('res'), ...value, createdAt: this.#clock.now() });
      const apiKey = await this.#newKey(trx, { resellerId: reseller.id }, 'default');
      return { reseller, apiKey };
    });
  }

  async getReseller(resellerId: string): Promise<Reseller> {
    const reseller = await repo.findReseller(this.#db, resellerId);
    if (!reseller) throw notFound();
    return reseller;
  }

  async listResellers(page: { limit: number; after?: string }): Promise<Reseller[]> {
    return repo.listResellers(this.#db, page);
  }

  /** Credits a reseller's balance; the reference makes it idempotent (a bank transfer id, an invoice number). */
  async topUp(actor: Actor, resellerId: string, input: { amount: unknown; reference: unknown; note?: unknown }): Promise<{ entry: LedgerEntry; applied: boolean }> {
    const errors: FieldError[] = [];
    const amount = validateMinorAmount(input.amount, 'amount', errors, { min: 1 });
    const reference = input.reference;
    if (typeof reference !== 'string' || reference.length < 1 || reference.length > 200) {
      errors.push({ path: 'reference', code: 'reference.invalid', message: 'reference must be a text of 1 to 200 characters that identifies this payment; the same reference never credits twice.' });
    }
    const note = typeof input.note === 'string' ? input.note.slice(0, 500) : undefined;
    if (errors.length > 0 || amount === undefined) throw invalid(errors);
    const reseller = await this.getReseller(resellerId);
    return this.#db.transaction().execute((trx) =>
      this.#ledger.move(trx, {
        resellerId,
        kind: 'top_up',
        amount,
        currency: reseller.currency,
        reference: `top_up:${reference as string}`,
        ...(note !== undefined && { note }),
        actor,
      }),
    );
  }

  /** A staff adjustment: a separate, reasoned ledger entry (positive credits, negative debits). */
  async adjust(actor: Actor, resellerId: string, input: { amount: unknown; reason: unknown; reference: unknown }): Promise<{ entry: LedgerEntry; applied: boolean }> {
    const errors: FieldError[] = [];
    const amount = validateMinorAmount(input.amount, 'amount', errors);
    if (amount === 0) errors.push({ path: 'amount', code: 'amount.zero', message: 'amount may not be zero.' });
    if (typeof input.reason !== 'string' || input.reason.trim().length < 3 || input.reason.length > 500) {
      errors.push({ path: 'reason', code: 'reason.required', message: 'reason must say why, in 3 to 500 characters; the reseller sees it in the ledger.' });
    }
    if (typeof input.reference !== 'string' || input.reference.length < 1 || input.reference.length > 200) {
      errors.push({ path: 'reference', code: 'reference.invalid', message: 'reference must be a text of 1 to 200 characters; the same reference never moves money twice.' });
    }
    if (errors.length > 0 || amount === undefined) throw invalid(errors);
    const reseller = await this.getReseller(resellerId);
    return this.#db.transaction().execute((trx) =>
      this.#ledger.move(trx, { resellerId, kind: 'adjustment', amount, currency: reseller.currency, reference: `adjustment:${input.reference as string}`, note: (input.reason as string).trim(), actor }),
    );
  }

  async setCreditLimit(resellerId: string, input: { creditLimit: unknown }): Promise<Reseller> {
    const errors: FieldError[] = [];
    const creditLimit = validateMinorAmount(input.creditLimit, 'creditLimit', errors, { min: 0 });
    if (creditLimit === undefined) throw invalid(errors);
    const updated = await repo.updateReseller(this.#db, resellerId, { creditLimit });
    if (!updated) throw notFound();
    this.#changed(resellerId);
    return updated;
  }

  /** Sets a per-reseller price for one product and term (staff). */
  async setPrice(resellerId: string, input: Record<string, unknown>): Promise<void> {
    const errors: FieldError[] = [];
    if (!isProductCode(input.product)) errors.push({ path: 'product', code: 'product.unknown', message: 'product must be one of the catalog codes.' });
    if (!(TERM_MONTHS as readonly unknown[]).includes(input.termMonths)) {
      errors.push({ path: 'termMonths', code: 'term.unsupported', message: `termMonths must be one of ${TERM_MONTHS.join(', ')}.` });
    }
    const amount = validateMinorAmount(input.amount, 'amount', errors, { min: 0 });
    const extraNameAmount = validateMinorAmount(input.extraNameAmount ?? 0, 'extraNameAmount', errors, { min: 0 });
    if (errors.length > 0 || amount === undefined || extraNameAmount === undefined) throw invalid(errors);
    await this.getReseller(resellerId);
    await repo.upsertResellerPrice(this.#db, { resellerId, product: input.product as string, termMonths: input.termMonths as number, amount, extraNameAmount });
    this.#changed(resellerId);
  }

  async setBranding(resellerId: string, input: unknown): Promise<Reseller> {
    const checked = validateBranding(input, this.#forbidden);
    if (!checked.value) throw invalid(checked.errors);
    const updated = await repo.updateReseller(this.#db, resellerId, { branding: { ...checked.value } });
    if (!updated) throw notFound();
    this.#changed(resellerId);
    return updated;
  }

  async setSettings(resellerId: string, input: unknown): Promise<Reseller> {
    const reseller = await this.getReseller(resellerId);
    const checked = validateSettings(input, settingsOf(reseller));
    if (!checked.value) throw invalid(checked.errors);
    const updated = await repo.updateReseller(this.#db, resellerId, { settings: { ...checked.value } });
    if (!updated) throw notFound();
    this.#changed(resellerId);
    return updated;
  }

  async createApiKey(resellerId: string, input: { name?: unknown }): Promise<CreatedKey> {
    const name = input.name ?? 'api key';
    if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
      throw invalid([{ path: 'name', code: 'text.invalid', message: 'name must be a text of 1 to 100 characters.' }]);
    }
    await this.getReseller(resellerId);
    return this.#newKey(this.#db, { resellerId }, name.trim());
  }

  async listApiKeys(resellerId: string): Promise<ApiKeyInfo[]> {
    return repo.listResellerKeys(this.#db, resellerId);
  }

  /** Revokes a key at once; another reseller's key id is not found. */
  async revokeApiKey(resellerId: string, keyId: string): Promise<ApiKeyInfo> {
    const key = await repo.revokeResellerKey(this.#db, resellerId, keyId, this.#clock.now());
    if (!key) throw new CertbrokerError('not_found', 'api_key.not_found', 'No such API key.');
    return key;
  }

  /** Creates a staff account with its API key. */
  async createStaff(input: { email: unknown }): Promise<{ id: string; apiKey: CreatedKey }> {
    const email = validateEmail(input.email, 'email');
    if (email.value === undefined) throw invalid(email.errors);
    const address = email.value;
    return this.#db.transaction().execute(async (trx) => {
      if (await repo.findStaffByEmail(trx, address)) {
        throw new CertbrokerError('conflict', 'staff.exists', `A staff account for ${address} already exists.`);
      }
      const id = newId('stf');
      await repo.insertStaff(trx, { id, email: address, createdAt: this.#clock.now() });
      const apiKey = await this.#newKey(trx, { staffId: id }, 'default');
      return { id, apiKey };
    });
  }

  async #newKey(db: Parameters<typeof repo.insertApiKey>[0], owner: { resellerId: string } | { staffId: string }, name: string): Promise<CreatedKey> {
    const generated = generateApiKey('resellerId' in owner ? 'reseller' : 'staff');
    const key = await repo.insertApiKey(db, {
      id: newId('key'),
      owner,
      name,
      prefix: generated.prefix,
      keyHash: generated.hash,
      createdAt: this.#clock.now(),
    });
    return { key, secret: generated.secret };
  }
}

/** A reseller's settings with defaults for anything never set. */
export function settingsOf(reseller: Reseller): AccountSettings {
  return { ...DEFAULT_SETTINGS, ...(reseller.settings as Partial<AccountSettings>) };
}

/** A reseller's branding as stored (validated on the way in). */
export function brandingOf(reseller: Reseller): Branding {
  return reseller.branding as Branding;
}
