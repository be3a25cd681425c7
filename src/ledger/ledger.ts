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
    // One statement: the entry a reference already made, else the conditional update (it takes the row
    // lock and checks the credit limit and the currency) with the new entry at the balance it left. The
    // check constraint `resellers_balance_within_credit` stands behind it should anything else write the row.
    let rows: (EntryRow & { previous: boolean })[];
    try {
      rows = await trx
        .with('previous', (db) => db.selectFrom('ledger_entries').select(ENTRY_COLUMNS).where('reseller_id', '=', m.resellerId).where('reference', '=', m.reference))
        .with('moved', (db) =>
          db
            .updateTable('resellers')
            .set({ balance: sql<number>`balance + ${m.amount}` })
            .where('id', '=', m.resellerId)
            .where('currency', '=', m.currency)
            .where(sql<boolean>`(balance + ${m.amount} >= -credit_limit or ${m.amount} > 0)`)
            .where((eb) => eb.not(eb.exists(eb.selectFrom('previous').select('previous.id'))))
            .returning('balance'),
        )
        .with('entry', (db) =>
          db
            .insertInto('ledger_entries')
            .columns(['reseller_id', 'kind', 'amount', 'currency', 'balance_after', 'order_id', 'reference', 'note', 'actor_type', 'actor_id', 'created_at'])
            .expression((eb) =>
              eb
                .selectFrom('moved')
                .select([
                  eb.val(m.resellerId).as('reseller_id'),
                  eb.val(m.kind).as('kind'),
                  eb.val(m.amount).as('amount'),
                  eb.val(m.currency).as('currency'),
                  'moved.balance',
                  eb.val(m.orderId ?? null).as('order_id'),
                  eb.val(m.reference).as('reference'),
                  eb.val(m.note ?? null).as('note'),
                  eb.val(m.actor.type).as('actor_type'),
                  eb.val(m.actor.id).as('actor_id'),
                  eb.val(this.#clock.now()).as('created_at'),
                ]),
            )
            .returning(ENTRY_COLUMNS),
        )
        .selectFrom('previous')
        .select([...ENTRY_COLUMNS, sql<boolean>`true`.as('previous')])
        .unionAll((db) => db.selectFrom('entry').select([...ENTRY_COLUMNS, sql<boolean>`false`.as('previous')]))
        .execute();
    } catch (error) {
      if (sqlState(error) === CHECK_VIOLATION) throw insufficientFunds();
      throw error;
    }
    const row = rows[0];
    if (row?.previous === true) return { entry: this.#sameOrConflict(row, m), applied: false };
    if (row !== undefined) return { entry: toEntry(row), applied: true };
    // Nothing moved: say why.
    const reseller = await trx.selectFrom('resellers').select('currency').where('id', '=', m.resellerId).executeTakeFirst();
    if (!reseller) throw new CertbrokerError('not_found', 'reseller.not_found', 'No such reseller.');
    if (reseller.currency !== m.currency) {
      throw new CertbrokerError('invalid', 'ledger.currency_mismatch', `This account keeps its balance in ${reseller.currency}, not ${m.currency}.`);
    }
    throw insufficientFunds();
  }

  /** The entry a reseller's movement with `reference` made, if any. */
  async findByReference(db: Executor, resellerId: string, reference: string): Promise<LedgerEntry | undefined> {
    const row = await db.selectFrom('ledger_entries').select(ENTRY_COLUMNS).where('reseller_id', '=', resellerId).where('reference', '=', reference).executeTakeFirst();
    return row && toEntry(row);
  }

  /** A reseller's entries, newest first, after the cursor (an entry id) if given. */
  async list(db: Executor, resellerId: string, page: { limit: number; before?: number }): Promise<LedgerEntry[]> {
    let query = db.selectFrom('ledger_entries').select(ENTRY_COLUMNS).where('reseller_id', '=', resellerId);
    if (page.before !== undefined) query = query.where('id', '<', page.before);
    const rows = await query.orderBy('id', 'desc').limit(page.limit).execute();
    return rows.map(toEntry);
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
