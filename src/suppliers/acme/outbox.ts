/**
 * What the adapter tells the platform goes through `acme_outbox`: each event and each instructions
 * email is written in the same transaction as the change that causes it, and handed over after the
 * commit. A crash between the CA's answer and the platform's sink loses nothing: pending rows are
 * delivered at the next start, and on a timer meanwhile. One process per supplier delivers at a time
 * (a lease in `acme_outbox_lease`), so events arrive in the order they were made. Delivery is at least
 * once, so every event keeps its id and every email its (order, recipient, sequence) identity.
 */
import type { SupplierEventSink, SupplierMailPort, SqlPort } from '../supplier.js';
import { OutboxRunner, reviveEvent } from '../shared/outbox.js';
import { canSendDcvInstructions, describeInstructions, type DcvInstructionsRequest } from './mail.js';
import { finishOutbox, pendingOutbox, recordOutboxFailure, releaseOutboxLease, takeOutboxLease, type OutboxRow } from './repository.js';

/** An instructions email as a queued row. */
export function instructionsEntry(supplierOrderId: string, request: DcvInstructionsRequest): OutboxRow {
  return {
    id: `${supplierOrderId}.dcv_instructions.${request.sequence}.${request.to}`,
    kind: 'dcv_instructions',
    supplierOrderId,
    payload: JSON.parse(JSON.stringify(request)) as Record<string, unknown>,
  };
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

/** Delivers queued work to the platform's ports (the loop is the shared {@link OutboxRunner}). */
export class Outbox {
  readonly #deps: OutboxDependencies;
  readonly #runner: OutboxRunner<OutboxRow>;

  constructor(deps: OutboxDependencies) {
    this.#deps = deps;
    const { sql, supplier } = deps;
    this.#runner = new OutboxRunner<OutboxRow>(
      {
        pending: (limit) => pendingOutbox(sql, supplier, limit),
        recordFailure: (id, error) => recordOutboxFailure(sql, id, error),
        takeLease: (holder, now, until) => takeOutboxLease(sql, supplier, holder, now, until),
        releaseLease: (holder) => releaseOutboxLease(sql, supplier, holder),
      },
      (row) => this.#deliver(row),
    );
  }

  /** See {@link OutboxRunner.drain}. */
  drain(): Promise<void> {
    return this.#runner.drain();
  }

  /** See {@link OutboxRunner.start}. */
  start(intervalMs: number): void {
    this.#runner.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.#runner.stop();
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
    // The platform writes the instructions email on the order's timeline as it queues it: nothing more to report.
    await mail.sendDcvInstructions(request);
    await finishOutbox(sql, row.id, 'delivered', clock.now());
  }
}
