import { sql } from 'kysely';
import type { Clock } from '../domain/clock.js';
import { CertbrokerError } from '../domain/errors.js';
import type { Actor } from '../domain/order.js';
import type { Currency, Money } from '../domain/money.js';
import { CHECK_VIOLATION, sqlState, type Executor, type Tx } from '../store/database.js';

/** The kinds of ledger movement (DESIGN.md Money); the database check constraint uses the same list. */
export const LEDGER_KINDS = ['top_up', 'order_debit', 'refund', 'adjustment', 'reissue_debit'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** One movement of a reseller's money, as shown to the reseller. */
export interface LedgerEntry {
  readonly id: number;
  readonly kind: LedgerKind;
  readonly amount: Money;
  readonly balanceAfter: Money;
  readonly orderId: string | null;
  readonly reference: string;
  readonly note: string | null;
  readonly createdAt: Date;
}

/** A movement to record. `reference` makes it idempotent: the same reference twice moves money once. */
export interface Movement {
  readonly resellerId: string;
  readonly kind: LedgerKind;
  /** Signed minor units: negative takes money from the reseller. */
  readonly amount: number;
  readonly currency: Currency;
  readonly reference: string;
  readonly orderId?: string;
  readonly note?: string;
  readonly actor: Actor;
}

export interface MovementResult {
  readonly entry: LedgerEntry;
  /** False when the reference had already been used and nothing moved this time. */
  readonly applied: boolean;
}

type EntryRow = {
  id: number;
  kind: string;
  amount: number;
  currency: string;
  balance_after: number;
  order_id: string | null;
  reference: string;
  note: string | null;
  created_at: Date;
};

const ENTRY_COLUMNS = ['id', 'kind', 'amount', 'currency', 'balance_after', 'order_id', 'reference', 'note', 'created_at'] as const;

function toEntry(row: EntryRow): LedgerEntry {
  const currency = row.currency as Currency;
  return {
    id: row.id,
    kind: row.kind as LedgerKind,
    amount: { amount: row.amount, currency },
    balanceAfter: { amount: row.balance_after, currency },
    orderId: row.order_id,
    reference: row.reference,
    note: row.note,
    createdAt: row.created_at,
  };
}

/**
 * The only code that moves money. Every movement updates the cached balance and appends an entry in one
 * transaction; the database refuses a balance below the credit limit and a second movement with the
 * same reference (or a second debit or refund for one order).
 */
export class Ledger {
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Records a movement inside the caller's transaction. Throws `payment_required` when the balance would
   * fall below the credit limit, `conflict` when the reference was used for a different movement.
   */
  async move(trx: Tx, m: Movement): Promise<MovementResult> {
    if (!Number.isSafeInteger(m.amount) || m.amount === 0) {
      throw new CertbrokerError('invalid', 'ledger.bad_amount', 'A ledger movement must be a non-zero whole number of minor units.');
    }
    const previous = await this.#byReference(trx, m.resellerId, m.reference);
    if (previous) return { entry: this.#sameOrConflict(previous, m), applied: false };

    // The conditional update takes the row lock and checks the limit in one statement; the check
    // constraint `resellers_balance_within_credit` stands behind it should anything else write the row.
    let updated: { balance: number; currency: string } | undefined;
    try {
      updated = await trx
        .updateTable('resellers')
        .set({ balance: sql<number>`balance + ${m.amount}` })
        .where('id', '=', m.resellerId)
        .where(sql<boolean>`(balance + ${m.amount} >= -credit_limit or ${m.amount} > 0)`)
        .returning(['balance', 'currency'])
        .executeTakeFirst();
    } catch (error) {
      if (sqlState(error) === CHECK_VIOLATION) throw insufficientFunds();
      throw error;
    }
    if (!updated) {
      const exists = await trx.selectFrom('resellers').select('id').where('id', '=', m.resellerId).executeTakeFirst();
      if (!exists) throw new CertbrokerError('not_found', 'reseller.not_found', 'No such reseller.');
      throw insufficientFunds();
    }
    if (updated.currency !== m.currency) {
      throw new CertbrokerError('invalid', 'ledger.currency_mismatch', `This account keeps its balance in ${updated.currency}, not ${m.currency}.`);
    }
    const row = await trx
      .insertInto('ledger_entries')
      .values({
        reseller_id: m.resellerId,
        kind: m.kind,
        amount: m.amount,
        currency: m.currency,
        balance_after: updated.balance,
        order_id: m.orderId ?? null,
        reference: m.reference,
        note: m.note ?? null,
        actor_type: m.actor.type,
        actor_id: m.actor.id,
        created_at: this.#clock.now(),
      })
      .returning(ENTRY_COLUMNS)
      .executeTakeFirstOrThrow();
    return { entry: toEntry(row), applied: true };
  }

  /** A reseller's entries, newest first, after the cursor (an entry id) if given. */
  async list(db: Executor, resellerId: string, page: { limit: number; before?: number }): Promise<LedgerEntry[]> {
    let query = db.selectFrom('ledger_entries').select(ENTRY_COLUMNS).where('reseller_id', '=', resellerId);
    if (page.before !== undefined) query = query.where('id', '<', page.before);
    const rows = await query.orderBy('id', 'desc').limit(page.limit).execute();
    return rows.map(toEntry);
  }

  async #byReference(trx: Tx, resellerId: string, reference: string): Promise<EntryRow | undefined> {
    return trx
      .selectFrom('ledger_entries')
      .select(ENTRY_COLUMNS)
      .where('reseller_id', '=', resellerId)
      .where('reference', '=', reference)
      .executeTakeFirst();
  }

  #sameOrConflict(row: EntryRow, m: Movement): LedgerEntry {
    if (row.kind !== m.kind || row.amount !== m.amount || row.currency !== m.currency || row.order_id !== (m.orderId ?? null)) {
      throw new CertbrokerError(
        'conflict',
        'idempotency.reused',
        `The reference "${m.reference}" was already used for a different movement (${row.kind} of ${row.amount} ${row.currency}).`,
      );
    }
    return toEntry(row);
  }
}

function insufficientFunds(): CertbrokerError {
  return new CertbrokerError('payment_required', 'balance.insufficient', 'The account balance (with its credit limit) does not cover this amount. Top up the account and try again.');
}
