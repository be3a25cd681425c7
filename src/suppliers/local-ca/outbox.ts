/**
 * What the CA tells the platform goes through `localca_outbox`: each event and each approval email is
 * written in the same transaction as the change that causes it, and handed over after the commit. A
 * crash between signing and telling loses nothing: pending rows are delivered at the next start, and
 * on a timer meanwhile. One process at a time delivers (a lease in `localca_outbox_lease`), so events
 * arrive in the order they were made. Delivery is still at least once — a process can die after the
 * platform accepted a row and before it is marked done — so every event keeps its id and every email
 * its (order, round, recipient) identity, which is what the platform's ports expect.
 */
import type { Language } from '../../domain/order.js';
import type { SupplierEvent, SupplierEventSink, SupplierMailPort, SqlPort } from '../supplier.js';
import { enqueue, finishOutbox, pendingOutbox, recordOutboxFailure, releaseOutboxLease, takeOutboxLease, type OutboxRow } from './repository.js';
import type { KeyVault } from './vault.js';
import { eventEntry, OutboxRunner, reviveEvent } from '../shared/outbox.js';

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

/** Delivers queued work to the platform's ports (the loop is the shared {@link OutboxRunner}). */
export class Outbox {
  readonly #deps: OutboxDependencies;
  readonly #runner: OutboxRunner<OutboxRow>;

  constructor(deps: OutboxDependencies) {
    this.#deps = deps;
    const { sql } = deps;
    this.#runner = new OutboxRunner<OutboxRow>(
      {
        pending: (limit) => pendingOutbox(sql, limit),
        recordFailure: (id, error) => recordOutboxFailure(sql, id, error),
        takeLease: (holder, now, until) => takeOutboxLease(sql, holder, now, until),
        releaseLease: (holder) => releaseOutboxLease(sql, holder),
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
