import { randomBytes } from 'node:crypto';
import type { SupplierEvent } from '../supplier.js';

/** How an outbox row ended. */
export const OUTBOX_OUTCOMES = ['delivered', 'superseded'] as const;
/** One of {@link OUTBOX_OUTCOMES}. */
export type OutboxOutcome = (typeof OUTBOX_OUTCOMES)[number];

/**
 * An adapter's outbox (DESIGN.md: nothing is lost if a process dies): what it tells the platform is
 * written in the same transaction as the change that causes it and handed over after the commit, by one
 * process at a time (a lease), oldest first, so events arrive in the order they were made. Delivery is
 * at least once, so every row keeps a stable id. The adapter owns the table and says how a row is
 * delivered; this is the loop around it.
 */

/** A queued row: an event, or an email the platform is asked to send. */
export interface OutboxRow<Kind extends string = string> {
  /** Stable: the event id, or the identity of the email (order, round, recipient). */
  readonly id: string;
  readonly kind: Kind;
  readonly supplierOrderId: string;
  readonly payload: Record<string, unknown>;
}

/** The adapter's table, through its repository. */
export interface OutboxStore<Row extends OutboxRow> {
  pending(limit: number): Promise<Row[]>;
  recordFailure(id: string, error: string): Promise<void>;
  /** Takes (or extends) the single delivery lease until `until`; false while another holder has it. */
  takeLease(holder: string, now: Date, until: Date): Promise<boolean>;
  releaseLease(holder: string): Promise<void>;
}

/** An event as a queued row; its id is the event id, so queueing the same event twice keeps one. */
export function eventEntry(supplierOrderId: string, event: SupplierEvent): OutboxRow<'event'> {
  return { id: event.eventId, kind: 'event', supplierOrderId, payload: JSON.parse(JSON.stringify(event)) as Record<string, unknown> };
}

/** JSON turned the certificate's dates into text; the sink gets the event as it was made. */
export function reviveEvent(payload: Record<string, unknown>): SupplierEvent {
  const event = payload as unknown as SupplierEvent;
  if (event.type !== 'issued') return event;
  return { ...event, certificate: { ...event.certificate, notBefore: new Date(event.certificate.notBefore), notAfter: new Date(event.certificate.notAfter) } };
}

/** Rows read per round trip. */
const BATCH = 50;
/** How long a deliverer may go silent before another process takes over; renewed with every batch. */
const LEASE_MS = 60_000;
/** When another process holds the lease, look again this soon: it may have finished just before our rows committed. */
const BUSY_RETRY_MS = 1000;

/** Delivers an adapter's queued rows with `deliver`, under the lease, in order. */
export class OutboxRunner<Row extends OutboxRow> {
  readonly #store: OutboxStore<Row>;
  readonly #deliver: (row: Row) => Promise<void>;
  /** This process's name on the lease. */
  readonly #holder = randomBytes(8).toString('hex');
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #first: NodeJS.Immediate | undefined;
  #busyRetry: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(store: OutboxStore<Row>, deliver: (row: Row) => Promise<void>) {
    this.#store = store;
    this.#deliver = deliver;
  }

  /**
   * Delivers everything pending, oldest first, and stops at the first failure so that events keep
   * their order; the failed row is retried on the next drain. Never throws. Calls during a drain join
   * it and make it look again for rows queued meanwhile; after {@link stop}, calls do nothing.
   */
  drain(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#drainOnce();
        } while (this.#again);
      } catch {
        // The storage itself failed; the rows are still pending and the timer or the next change retries.
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /**
   * Delivers what an earlier run left pending, on the next turn of the event loop — after the wiring
   * that awaited the factory has finished connecting its sink — and then every `intervalMs` until
   * {@link stop}. The timers do not keep the process alive.
   */
  start(intervalMs: number): void {
    this.#first = setImmediate(() => void this.drain());
    this.#timer = setInterval(() => void this.drain(), intervalMs);
    this.#timer.unref();
  }

  /** Stops the timers, refuses further drains, and waits for a drain in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearImmediate(this.#first);
    clearInterval(this.#timer);
    clearTimeout(this.#busyRetry);
    await this.#running;
  }

  async #drainOnce(): Promise<void> {
    if (!(await this.#lease())) {
      this.#busyRetry ??= setTimeout(() => {
        this.#busyRetry = undefined;
        void this.drain();
      }, BUSY_RETRY_MS).unref();
      return;
    }
    try {
      for (;;) {
        const rows = await this.#store.pending(BATCH);
        if (rows.length === 0) return;
        for (const row of rows) {
          try {
            await this.#deliver(row);
          } catch (error) {
            await this.#store.recordFailure(row.id, error instanceof Error ? error.message : String(error));
            return;
          }
        }
        if (!(await this.#lease())) return;
      }
    } finally {
      await this.#store.releaseLease(this.#holder);
    }
  }

  /** The lease runs on the machine's clock: it measures silence, which a frozen test clock must not make eternal. */
  #lease(): Promise<boolean> {
    const now = Date.now();
    return this.#store.takeLease(this.#holder, new Date(now), new Date(now + LEASE_MS));
  }
}
