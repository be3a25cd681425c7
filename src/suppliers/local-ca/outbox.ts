/**
 * What the CA tells the platform goes through `localca_outbox`: each event and each approval email is
 * written in the same transaction as the change that causes it, and handed over after the commit. A
 * crash between signing and telling loses nothing: pending rows are delivered at the next start, and
 * on a timer meanwhile. One process at a time delivers (a lease in `localca_outbox_lease`), so events
 * arrive in the order they were made. Delivery is still at least once — a process can die after the
 * platform accepted a row and before it is marked done — so every event keeps its id and every email
 * its (order, round, recipient) identity, which is what the platform's ports expect.
 */
import { randomBytes } from 'node:crypto';
import type { Language } from '../../domain/order.js';
import type { SupplierEvent, SupplierEventSink, SupplierMailPort, SqlPort } from '../supplier.js';
import { enqueue, finishOutbox, pendingOutbox, recordOutboxFailure, releaseOutboxLease, takeOutboxLease, type OutboxRow } from './repository.js';
import type { KeyVault } from './vault.js';

/** An event as a queued row; its id is the event id, so queueing the same event twice keeps one. */
export function eventEntry(supplierOrderId: string, event: SupplierEvent): OutboxRow {
  return { id: event.eventId, kind: 'event', supplierOrderId, payload: JSON.parse(JSON.stringify(event)) as Record<string, unknown> };
}

/** An approval email waiting to be handed to the mail port. */
export interface ApprovalEmail {
  readonly orderId: string;
  readonly to: string;
  readonly domains: readonly string[];
  readonly language: Language;
  readonly sequence: number;
  readonly expiresAt: Date;
  readonly code: string;
}

interface ApprovalEmailPayload {
  readonly orderId: string;
  readonly to: string;
  readonly domains: string[];
  readonly language: Language;
  readonly sequence: number;
  readonly expiresAt: string;
  /** The code, sealed for this row; removed once the email is handed over (or superseded). */
  readonly sealedCode?: string;
}

/** An approval email as a queued row. The code is the one secret in the outbox, so it is sealed like a private key. */
export function approvalEmailEntry(vault: KeyVault, supplierOrderId: string, email: ApprovalEmail): OutboxRow {
  const id = `${supplierOrderId}.approval_email.${email.sequence}.${email.to}`;
  const payload: ApprovalEmailPayload = {
    orderId: email.orderId,
    to: email.to,
    domains: [...email.domains],
    language: email.language,
    sequence: email.sequence,
    expiresAt: email.expiresAt.toISOString(),
    sealedCode: vault.seal(Buffer.from(email.code, 'utf8'), id),
  };
  return { id, kind: 'approval_email', supplierOrderId, payload: { ...payload } };
}

/** JSON turned the certificate's dates into text; the sink gets the event as it was made. */
function reviveEvent(payload: Record<string, unknown>): SupplierEvent {
  const event = payload as unknown as SupplierEvent;
  if (event.type !== 'issued') return event;
  return { ...event, certificate: { ...event.certificate, notBefore: new Date(event.certificate.notBefore), notAfter: new Date(event.certificate.notAfter) } };
}

/** What the outbox needs. */
export interface OutboxDependencies {
  readonly sql: SqlPort;
  readonly events: SupplierEventSink;
  readonly mail: SupplierMailPort;
  readonly clock: { now(): Date };
  readonly vault: KeyVault;
  /** The validation-site link for an order, from the site's current public URL. */
  readonly approvalUrl: (supplierOrderId: string) => string;
}

/** Rows read per round trip. */
const BATCH = 50;
/** How long a deliverer may go silent before another process takes over; renewed with every batch. */
const LEASE_MS = 60_000;
/** When another process holds the lease, look again this soon: it may have finished just before our rows committed. */
const BUSY_RETRY_MS = 1000;

/**
 * The lease runs on the machine's clock, not the injected one: it measures how long a process has
 * been silent, which is no business time, and a frozen test clock must not make a lease eternal.
 */
function wallClock(): number {
  return Date.now();
}

/** Delivers queued work to the platform's ports. */
export class Outbox {
  readonly #deps: OutboxDependencies;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #first: NodeJS.Immediate | undefined;
  #busyRetry: NodeJS.Timeout | undefined;
  #stopped = false;
  /** This process's name on the lease. */
  readonly #holder = randomBytes(8).toString('hex');

  constructor(deps: OutboxDependencies) {
    this.#deps = deps;
  }

  /**
   * Delivers everything pending, oldest first, and stops at the first failure so that an order's events
   * keep their order; the failed row is retried on the next drain. Never throws. Calls during a drain
   * join it and make it look again for rows queued meanwhile; after {@link stop}, calls do nothing.
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
    this.#first = undefined;
    this.#timer = undefined;
    this.#busyRetry = undefined;
    await this.#running;
  }

  async #drainOnce(): Promise<void> {
    const { sql } = this.#deps;
    if (!(await this.#lease())) {
      this.#busyRetry ??= setTimeout(() => {
        this.#busyRetry = undefined;
        void this.drain();
      }, BUSY_RETRY_MS).unref();
      return;
    }
    try {
      for (;;) {
        const rows = await pendingOutbox(sql, BATCH);
        if (rows.length === 0) return;
        for (const row of rows) {
          try {
            await this.#deliver(row);
          } catch (error) {
            await recordOutboxFailure(sql, row.id, error instanceof Error ? error.message : String(error));
            return;
          }
        }
        if (!(await this.#lease())) return;
      }
    } finally {
      await releaseOutboxLease(sql, this.#holder);
    }
  }

  #lease(): Promise<boolean> {
    const now = wallClock();
    return takeOutboxLease(this.#deps.sql, this.#holder, new Date(now), new Date(now + LEASE_MS));
  }

  async #deliver(row: OutboxRow): Promise<void> {
    const { sql, clock } = this.#deps;
    if (row.kind === 'event') {
      await this.#deps.events.emit(reviveEvent(row.payload));
      await finishOutbox(sql, row.id, 'delivered', clock.now());
      return;
    }
    const payload = row.payload as unknown as ApprovalEmailPayload;
    if (payload.sealedCode === undefined) {
      await finishOutbox(sql, row.id, 'superseded', clock.now());
      return;
    }
    await this.#deps.mail.sendApprovalEmail({
      orderId: payload.orderId,
      to: payload.to,
      domains: payload.domains,
      approvalUrl: this.#deps.approvalUrl(row.supplierOrderId),
      approvalCode: this.#deps.vault.open(payload.sealedCode, row.id).toString('utf8'),
      expiresAt: new Date(payload.expiresAt),
      language: payload.language,
      sequence: payload.sequence,
    });
    await sql.transaction(async (tx) => {
      const now = clock.now();
      await finishOutbox(tx, row.id, 'delivered', now);
      const sent: SupplierEvent = { type: 'approval_email_sent', eventId: `${row.supplierOrderId}.approval_email_sent.${payload.sequence}.${payload.to}`, orderId: payload.orderId, to: payload.to };
      await enqueue(tx, eventEntry(row.supplierOrderId, sent), now);
    });
  }
}
