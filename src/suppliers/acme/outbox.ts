/**
 * What the adapter tells the platform goes through `acme_outbox`: each event and each instructions
 * email is written in the same transaction as the change that causes it, and handed over after the
 * commit. A crash between the CA's answer and the platform's sink loses nothing: pending rows are
 * delivered at the next start, and on a timer meanwhile. One process per supplier delivers at a time
 * (a lease in `acme_outbox_lease`), so events arrive in the order they were made. Delivery is at least
 * once, so every event keeps its id and every email its (order, recipient, sequence) identity.
 */
import { randomBytes } from 'node:crypto';
import type { SupplierEvent, SupplierEventSink, SupplierMailPort, SqlPort } from '../supplier.js';
import { canSendDcvInstructions, describeInstructions, type DcvInstructionsRequest } from './mail.js';
import { enqueue, finishOutbox, pendingOutbox, recordOutboxFailure, releaseOutboxLease, takeOutboxLease, type OutboxRow } from './repository.js';

/** An event as a queued row; its id is the event id, so queueing the same event twice keeps one. */
export function eventEntry(supplierOrderId: string, event: SupplierEvent): OutboxRow {
  return { id: event.eventId, kind: 'event', supplierOrderId, payload: JSON.parse(JSON.stringify(event)) as Record<string, unknown> };
}

/** An instructions email as a queued row. */
export function instructionsEntry(supplierOrderId: string, request: DcvInstructionsRequest): OutboxRow {
  return {
    id: `${supplierOrderId}.dcv_instructions.${request.sequence}.${request.to}`,
    kind: 'dcv_instructions',
    supplierOrderId,
    payload: JSON.parse(JSON.stringify(request)) as Record<string, unknown>,
  };
}

/** JSON turned dates into text; the ports get values as they were made. */
function reviveEvent(payload: Record<string, unknown>): SupplierEvent {
  const event = payload as unknown as SupplierEvent;
  if (event.type !== 'issued') return event;
  return { ...event, certificate: { ...event.certificate, notBefore: new Date(event.certificate.notBefore), notAfter: new Date(event.certificate.notAfter) } };
}

function reviveInstructions(payload: Record<string, unknown>): DcvInstructionsRequest {
  const request = payload as unknown as DcvInstructionsRequest & { expiresAt?: string };
  const { expiresAt, ...rest } = request;
  return expiresAt === undefined ? rest : { ...rest, expiresAt: new Date(expiresAt) };
}

/** What the outbox needs. */
export interface OutboxDependencies {
  readonly supplier: string;
  readonly sql: SqlPort;
  readonly events: SupplierEventSink;
  readonly mail: SupplierMailPort;
  readonly clock: { now(): Date };
}

/** Rows read per round trip. */
const BATCH = 50;
/** How long a deliverer may go silent before another process takes over; renewed with every batch. */
const LEASE_MS = 60_000;
/** When another process holds the lease, look again this soon: it may have finished just before our rows committed. */
const BUSY_RETRY_MS = 1000;

/** Delivers queued work to the platform's ports. */
export class Outbox {
  readonly #deps: OutboxDependencies;
  readonly #holder = randomBytes(8).toString('hex');
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #first: NodeJS.Immediate | undefined;
  #busyRetry: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(deps: OutboxDependencies) {
    this.#deps = deps;
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

  /** Delivers what an earlier run left pending on the next turn of the event loop, then every `intervalMs`; the timers do not keep the process alive. */
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
    const { sql, supplier } = this.#deps;
    if (!(await this.#lease())) {
      this.#busyRetry ??= setTimeout(() => {
        this.#busyRetry = undefined;
        void this.drain();
      }, BUSY_RETRY_MS).unref();
      return;
    }
    try {
      for (;;) {
        const rows = await pendingOutbox(sql, supplier, BATCH);
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
      await releaseOutboxLease(sql, supplier, this.#holder);
    }
  }

  /** The lease runs on the machine's clock: it measures silence, which a frozen test clock must not make eternal. */
  #lease(): Promise<boolean> {
    const now = Date.now();
    return takeOutboxLease(this.#deps.sql, this.#deps.supplier, this.#holder, new Date(now), new Date(now + LEASE_MS));
  }

  async #deliver(row: OutboxRow): Promise<void> {
    const { sql, clock, events, mail } = this.#deps;
    if (row.kind === 'event') {
      await events.emit(reviveEvent(row.payload));
      await finishOutbox(sql, row.id, 'delivered', clock.now());
      return;
    }
    const request = reviveInstructions(row.payload);
    if (!canSendDcvInstructions(mail)) {
      // The platform's mail port cannot send instructions: they go on the order's timeline instead.
      await events.emit({
        type: 'validation_started',
        eventId: `${row.id}.timeline`,
        orderId: request.orderId,
        supplierOrderId: row.supplierOrderId,
        detail: `Publish for domain control validation (instructions for ${request.to}): ${describeInstructions(request.instructions)}`,
      });
      await finishOutbox(sql, row.id, 'delivered', clock.now());
      return;
    }
    await mail.sendDcvInstructions(request);
    await sql.transaction(async (tx) => {
      const now = clock.now();
      await finishOutbox(tx, row.id, 'delivered', now);
      const sent: SupplierEvent = { type: 'approval_email_sent', eventId: `${row.id}.sent`, orderId: request.orderId, to: request.to };
      await enqueue(tx, eventEntry(row.supplierOrderId, sent), now);
    });
  }
}
