import type { Clock } from '../domain/clock.js';
import { CertbrokerError } from '../domain/errors.js';
import type { Actor } from '../domain/order.js';
import type { Money } from '../domain/money.js';
import type { ExpiryNoticeKind } from '../mail/templates/expiry-notice.js';
import type { ResellerNoticeKind } from '../mail/templates/reseller-notice.js';
import { PRODUCT_CODES, PRODUCTS, type ProductCode } from '../domain/products.js';
import { defaultCertificateValidityDays } from '../domain/validity.js';
import type { Job, JobQueue } from '../jobs/queue.js';
import { DeferredJobError, PermanentJobError } from '../jobs/queue.js';
import type { Reseller } from '../store/accounts.repository.js';
import type { Db, Executor } from '../store/database.js';
import * as f from '../store/fulfilment.repository.js';
import { newId } from '../store/ids.js';
import { closeOutage, findIncident, listIncidents, openIncident, resolveIncident, type SupplierIncident } from '../store/incidents.repository.js';
import { appendEvent, findOrder, type OrderDetails } from '../store/orders.repository.js';
import { replaceDomains, startTerm } from '../store/subscriptions.repository.js';
import { termOf } from '../domain/subscription.js';
import { openRefundRequest, orderMoney } from '../store/refunds.repository.js';
import {
  canResendApproval,
  INITIAL_REQUEST_ID,
  SupplierError,
  type ApprovalEmailRequest,
  type DcvInstructionsRequest,
  type IssuedCertificate,
  type Supplier,
  type SupplierEvent,
} from '../suppliers/supplier.js';
import { approverEmailsFor } from '../validation/approver.js';
import { comparableName } from '../validation/domains.js';
import { validateEmail } from '../validation/contacts.js';
import { encodeContext, encodeInteger, encodeOid, encodeSequence, encodeSet } from '../validation/der.js';
import type { WebhookEventType, Webhooks } from './webhooks.js';
import { jobOrder, jobReseller, ownedOrder } from './lookups.js';
import { SupplierCircuits, type SupplierHealth } from './supplier-health.js';

/** The emails of the seed's step 2 (and the hold notice), as the use cases ask for them. */
export type OrderEmail =
  | { readonly template: 'order-confirmation'; readonly to: string }
  | { readonly template: 'approval'; readonly to: string; readonly approval: ApprovalEmailRequest }
  | { readonly template: 'dcv-instructions'; readonly to: string; readonly instructions: DcvInstructionsRequest }
  | { readonly template: 'fulfilment'; readonly to: string; readonly certificate: IssuedCertificate }
  | { readonly template: 'hold-notice'; readonly to: string }
  | { readonly template: 'expiry-notice'; readonly to: string; readonly notice: { readonly kind: ExpiryNoticeKind; readonly at: Date } }
  | {
      readonly template: 'reseller-notice';
      readonly to: string;
      readonly notice: { readonly kind: ResellerNoticeKind; readonly amount?: Money; readonly note: string | null; readonly date?: Date; readonly serialNumber?: string };
    };

/** The mail port of the use cases: queues one logical email in the caller's transaction. */
export interface OrderMail {
  queue(trx: Executor, email: OrderEmail & { readonly order: OrderDetails; readonly reseller: Reseller; readonly sequence: number }): Promise<void>;
}

/** Decides whether an order may go to a supplier at once. The fraud screen of a later issue plugs in here. */
export type Screen = (order: OrderDetails) => Promise<{ readonly hold: boolean }>;

export const passAll: Screen = async () => ({ hold: false });

/** A supplier ended a reissue or renewal without a certificate (`SubscriptionsService.requestDeclined`). */
export type RequestDeclined = (order: OrderDetails, requestId: string, reason: string) => Promise<void>;

/** What happens to a certificate that arrived after a cancellation closed its order. */
export type AfterClose = (trx: Executor, order: OrderDetails, certificate: { readonly id: string; readonly serialNumber: string }) => Promise<void>;

/** Where a supplier's `documents_requested` event goes (the documents use case). */
export type DocumentsRequested = (order: OrderDetails, event: Extract<SupplierEvent, { type: 'documents_requested' }>, supplierName: string) => Promise<void>;

const SYSTEM: Actor = { type: 'system', id: 'fulfilment' };

/** Certificate download formats (DESIGN.md): the leaf; leaf + intermediates; + root; PKCS#7 of leaf + intermediates. */
export const CERTIFICATE_FORMATS = ['pem', 'chain', 'full', 'pkcs7'] as const;
export type CertificateFormat = (typeof CERTIFICATE_FORMATS)[number];

/**
 * Fulfilment use cases: from a placed order to a supplier, through validation, to the certificate and
 * the emails around it. Every handler is safe to run twice: each step checks what is already done.
 */
export class FulfilmentService {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #queue: JobQueue;
  readonly #suppliers: ReadonlyMap<string, Supplier>;
  readonly #defaultSupplier: string;
  readonly #chain: readonly string[];
  readonly #explicitChain: boolean;
  readonly #productChains: Partial<Record<ProductCode, readonly string[]>>;
  readonly #circuits: SupplierCircuits;
  readonly #mail: OrderMail;
  readonly #webhooks: Webhooks;
  readonly #screen: Screen;
  readonly #releasedFromHold: (orderId: string) => Promise<boolean>;
  readonly #documentsRequested: DocumentsRequested;
  readonly #afterClose: AfterClose;
  readonly #requestDeclined: RequestDeclined;

  constructor(deps: {
    db: Db;
    clock: Clock;
    queue: JobQueue;
    suppliers: ReadonlyMap<string, Supplier>;
    /** The supplier that takes every product unless the catalog names one that is configured. */
    defaultSupplier: string;
    /** Suppliers in order of preference; a new order goes to the first able one (default: the default supplier alone). */
    supplierChain?: readonly string[];
    /** A product's own order of preference, instead of `supplierChain`. */
    productChains?: Partial<Record<ProductCode, readonly string[]>>;
    circuits?: SupplierCircuits;
    mail: OrderMail;
    webhooks: Webhooks;
    screen?: Screen;
    /** Whether staff released an order the screen held (it then goes on to its supplier). */
    releasedFromHold?: (orderId: string) => Promise<boolean>;
    /** Records a supplier's document request (OV/EV) and routes it to the reseller (`DocumentsService.recordRequest`). */
    documentsRequested?: DocumentsRequested;
    /** A certificate arrived for an order a cancellation closed first: revoke it (`SubscriptionsService.revokeUnwanted`), in the issuing transaction. */
    afterClose?: AfterClose;
    requestDeclined?: RequestDeclined;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#queue = deps.queue;
    this.#suppliers = deps.suppliers;
    this.#defaultSupplier = deps.defaultSupplier;
    this.#chain = deps.supplierChain ?? [deps.defaultSupplier];
    this.#explicitChain = deps.supplierChain !== undefined;
    this.#productChains = deps.productChains ?? {};
    this.#circuits = deps.circuits ?? new SupplierCircuits();
    this.#mail = deps.mail;
    this.#webhooks = deps.webhooks;
    this.#screen = deps.screen ?? passAll;
    this.#releasedFromHold = deps.releasedFromHold ?? (async () => false);
    this.#documentsRequested =
      deps.documentsRequested ??
      (async (order) => {
        throw new PermanentJobError(`a supplier asked for documents for ${order.id}, but no documents service is wired`);
      });
    this.#afterClose =
      deps.afterClose ??
      (async (_trx, order) => {
        throw new PermanentJobError(`a certificate arrived after ${order.id} was closed, but nothing is wired to revoke it`);
      });
    this.#requestDeclined =
      deps.requestDeclined ??
      (async (order) => {
        throw new PermanentJobError(`a supplier declined a request of ${order.id}, but nothing is wired to record it`);
      });
    for (const name of [this.#defaultSupplier, ...this.#chain, ...Object.values(this.#productChains).flat()]) {
      if (!this.#suppliers.has(name)) throw new Error(`The supplier "${name}" is not configured.`);
    }
    for (const product of PRODUCT_CODES) {
      if (this.#chainOf(product).length === 0) {
        const level = PRODUCTS[product].validation.toUpperCase();
        throw new Error(`No configured supplier issues ${level} certificates, so ${product} cannot be fulfilled: add one (e.g. local-ca) to its supplier list.`);
      }
    }
  }

  /** Queues the first step after placement, in the placing transaction. */
  async afterPlacement(trx: Executor, orderId: string): Promise<void> {
    await this.#queue.enqueue(trx, { name: 'order.screen', payload: { orderId }, dedupeKey: `order.screen:${orderId}` });
  }

  /** `order.screen`: the seam for the fraud screen; a passing order goes to its supplier and is confirmed. */
  async screenJob(job: Job): Promise<void> {
    const order = await this.#order(job);
    if (order.status !== 'received') return;
    const verdict = await this.#screen(order);
    const reseller = await this.#reseller(order.resellerId);
    await this.#db.transaction().execute(async (trx) => {
      if (verdict.hold) {
        const now = this.#clock.now();
        const moved = await f.transitionOrder(trx, {
          orderId: order.id,
          from: ['received'],
          to: 'on_hold',
          at: now,
          actor: SYSTEM,
          type: 'order.on_hold',
          // The rules that fired are for staff (the hold queue); the reseller's timeline stays neutral.
          note: 'Held for review before it goes to a supplier.',
        });
        if (!moved) return;
        await f.setHold(trx, order.id, { by: 'platform', since: now }, now);
        await this.#notify(trx, order, 'order.hold', { by: 'platform' });
        // The confirmation says the order is under review (no reason), instead of announcing the approval email.
        const held: OrderDetails = { ...order, status: 'on_hold', hold: { by: 'platform', since: now } };
        await this.#mail.queue(trx, { template: 'order-confirmation', to: order.adminContact.email, order: held, reseller, sequence: 0 });
        await this.#holdNotices(trx, held, reseller, 0);
        return;
      }
      await this.#queue.enqueue(trx, { name: 'supplier.submit', payload: { orderId: order.id }, dedupeKey: `supplier.submit:${order.id}` });
      await this.#mail.queue(trx, { template: 'order-confirmation', to: order.adminContact.email, order, reseller, sequence: 0 });
    });
  }

  /**
   * `supplier.submit`: hands the order to the first able supplier of its chain (idempotent there per
   * order id) and records acceptance. An order never goes to two suppliers: once one accepted, only that
   * one is asked again; failover happens only before acceptance, so the seven-day clock is untouched.
   */
  async submitJob(job: Job): Promise<void> {
    const order = await this.#order(job);
    if (order.status !== 'received' && !(order.status === 'on_hold' && (await this.#releasedFromHold(order.id)))) return;
    const reseller = await this.#reseller(order.resellerId);
    // The request the certificate will answer exists before any supplier hears of the order, so that no
    // supplier event can name a request we do not know yet (idempotent for retries and failover).
    await f.insertCertificateRequest(this.#db, { id: f.initialRequestId(order.id), orderId: order.id, kind: 'initial', csrPem: order.csrPem, at: this.#clock.now() });
    const accepted = await f.findSupplierOrder(this.#db, order.id);
    const candidates = accepted ? [accepted.supplier] : this.#candidates(order);
    let lastError: unknown;
    const refusals: { supplier: string; error: SupplierError }[] = [];
    for (const name of candidates) {
      const supplier = this.#suppliers.get(name) as Supplier;
      let supplierOrderId = accepted?.supplierOrderId;
      if (supplierOrderId === undefined) {
        try {
          supplierOrderId = (await supplier.submit(this.#submitRequest(order, reseller))).supplierOrderId;
        } catch (error) {
          if (error instanceof SupplierError && !error.retryable) {
            // This supplier will not take the order as it is (e.g. CAA names another CA): the next one may.
            refusals.push({ supplier: name, error });
            await this.#supplierEvent(order.id, name, 'supplier.refused', `${name} refused the order (${error.code}): ${error.message}`);
            continue;
          }
          await this.#supplierFailed(order.id, name, error);
          lastError = error;
          continue;
        }
        await this.#supplierAnswered(name);
      }
      await this.#accepted(order, supplier, supplierOrderId);
      return;
    }
    if (lastError !== undefined) {
      // A supplier that is down or busy may take it later: retry, not before the time it named.
      const retryAt = lastError instanceof SupplierError ? lastError.retryAt : undefined;
      if (retryAt !== undefined) throw new DeferredJobError((lastError as Error).message, retryAt);
      throw lastError;
    }
    const first = refusals[0];
    if (first !== undefined) {
      const reason = refusals.map((r) => r.error.message).join(' ');
      await this.#supplierClosed(order, 'cancelled_by_supplier', reason, first.supplier, first.error.code);
      return;
    }
    throw new Error(`no supplier is available for ${order.product}`);
  }

  /** A supplier answered: its circuit closes, and an open outage incident with it. */
  async #supplierAnswered(name: string): Promise<void> {
    this.#circuits.succeeded(name);
    await closeOutage(this.#db, name, this.#clock.now());
  }

  /** A supplier could not be reached or was busy: on the timeline, in its circuit, and an incident once it is down. */
  async #supplierFailed(orderId: string, name: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.#circuits.failed(name, message);
    await this.#supplierEvent(orderId, name, 'supplier.unavailable', `${name} could not take the order: ${message}`);
    if (!this.#circuits.available(name)) {
      await openIncident(this.#db, { supplier: name, kind: 'outage', orderId: null, detail: `${name} failed ${this.#circuits.health(name).consecutiveFailures} times in a row; new orders go to the next supplier. Last error: ${message}`, at: this.#clock.now() });
    }
  }

  async #supplierEvent(orderId: string, supplier: string, type: string, note: string): Promise<void> {
    await appendEvent(this.#db, { orderId, at: this.#clock.now(), type, fromStatus: null, toStatus: null, actor: { type: 'system', id: supplier }, note });
  }

  /** The suppliers a new order may go to, in order: the product's chain, those whose circuit lets work through. */
  #candidates(order: OrderDetails): string[] {
    const chain = this.#chainOf(order.product);
    const able = chain.filter((name) => this.#circuits.available(name));
    // When every supplier is down, try them all anyway rather than none: a probe is better than a stall.
    return able.length > 0 ? able : chain;
  }

  /** A product's suppliers in order of preference, without those that do not issue its validation level. */
  #chainOf(product: ProductCode): string[] {
    const preferred = PRODUCTS[product].supplier;
    const configured = this.#productChains[product];
    // An explicit list decides; without one, the catalog's supplier for the product (when configured) goes first.
    const fallback = this.#explicitChain || !this.#suppliers.has(preferred) || this.#chain.includes(preferred) ? [...this.#chain] : [preferred, ...this.#chain];
    const chain = configured !== undefined ? [...configured] : fallback;
    const level = PRODUCTS[product].validation;
    return chain.filter((name) => {
      const levels = this.#suppliers.get(name)?.validationLevels;
      return levels === undefined || levels.includes(level);
    });
  }

  #submitRequest(order: OrderDetails, reseller: Reseller) {
    return {
      orderId: order.id,
      product: order.product,
      validation: PRODUCTS[order.product].validation,
      csrPem: order.csrPem,
      domains: order.domains.map((d) => ({ name: d.name, dcv: d.dcv })),
      approverEmail: order.approverEmail,
      adminContact: order.adminContact,
      organization: order.organization,
      language: order.language,
      validityDays: defaultCertificateValidityDays(this.#clock.now()),
      contactFor: { name: reseller.name, email: reseller.repEmail },
    };
  }

  async #accepted(order: OrderDetails, supplier: Supplier, acceptedId: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const now = this.#clock.now();
      await f.recordSupplierOrder(trx, { orderId: order.id, supplier: supplier.name, supplierOrderId: acceptedId, at: now });
      const released = await f.transitionOrder(trx, {
        orderId: order.id,
        from: ['received', 'on_hold'],
        to: 'released',
        at: now,
        actor: { type: 'system', id: supplier.name },
        type: 'order.released',
        note: `Accepted by ${supplier.name}; the seven-day completion window starts now.`,
        releasedAt: now,
        data: { supplier: supplier.name, supplierOrderId: acceptedId },
      });
      if (!released) return;
      await this.#notify(trx, order, 'order.released', { releasedAt: now.toISOString(), supplier: supplier.name });
      await f.transitionOrder(trx, {
        orderId: order.id,
        from: ['released'],
        to: 'awaiting_validation',
        at: now,
        actor: { type: 'system', id: supplier.name },
        type: 'order.awaiting_validation',
        note: 'Domain control validation started.',
      });
      await this.#notify(trx, order, 'order.awaiting_validation', {});
    });
  }

  /** Health of every configured supplier, as this process sees it. */
  supplierHealth(): SupplierHealth[] {
    return [...this.#suppliers.keys()].map((name) => this.#circuits.health(name));
  }

  /** Suppliers' incidents for staff, open ones first. */
  incidents(options: { open?: boolean } = {}): Promise<SupplierIncident[]> {
    return listIncidents(this.#db, options);
  }

  /** Staff close an incident with a note. */
  async resolveIncident(actor: Actor & { type: 'staff' }, id: string, input: { note?: unknown }): Promise<SupplierIncident> {
    const note = typeof input.note === 'string' ? input.note.trim() : '';
    if (note === '' || note.length > 2000) {
      throw new CertbrokerError('invalid', 'request.invalid', 'The request has invalid fields.', [{ path: 'note', code: 'note.required', message: 'note must say what was done, 1 to 2000 characters.' }]);
    }
    const resolved = await resolveIncident(this.#db, id, actor.id, note, this.#clock.now());
    const incident = await findIncident(this.#db, id);
    if (!incident) throw new CertbrokerError('not_found', 'incident.not_found', 'No such incident.');
    if (!resolved) throw new CertbrokerError('conflict', 'incident.resolved', 'The incident is resolved already.');
    return incident;
  }

  /** The sink a supplier reports through: an event is durable once this returns (a job, deduplicated by event id). */
  async recordSupplierEvent(event: SupplierEvent): Promise<void> {
    await this.#queue.enqueue(this.#db, { name: 'supplier.event', payload: { event: JSON.parse(JSON.stringify(event)) as Record<string, unknown> }, dedupeKey: `supplier.event:${event.eventId}` });
  }

  /** `supplier.event`: applies a supplier's event to the order. */
  async supplierEventJob(job: Job): Promise<void> {
    const event = job.payload.event as SupplierEvent;
    const order = await findOrder(this.#db, null, event.orderId);
    if (!order) throw new PermanentJobError(`supplier event for unknown order ${event.orderId}`);
    const supplierName = (await this.supplierOf(order)).name;
    switch (event.type) {
      case 'issued':
        return this.#issued(order, event.requestId, event.certificate, supplierName);
      case 'validation_started':
      case 'approval_email_sent':
        await appendEvent(this.#db, {
          orderId: order.id,
          at: this.#clock.now(),
          type: `supplier.${event.type}`,
          fromStatus: null,
          toStatus: null,
          actor: { type: 'system', id: supplierName },
          note: event.type === 'approval_email_sent' ? `Approval email sent to ${event.to}.` : event.detail,
        });
        return;
      case 'hold':
      case 'hold_released': {
        const reseller = await this.#reseller(order.resellerId);
        await this.#db.transaction().execute(async (trx) => {
          const now = this.#clock.now();
          await f.setHold(trx, order.id, event.type === 'hold' ? { by: 'supplier', since: now } : null, now);
          await appendEvent(trx, {
            orderId: order.id,
            at: now,
            type: `supplier.${event.type}`,
            fromStatus: null,
            toStatus: null,
            actor: { type: 'system', id: supplierName },
            note: event.type === 'hold' ? event.reason : 'The supplier released its hold.',
          });
          await this.#notify(trx, order, event.type === 'hold' ? 'order.hold' : 'order.hold_released', { eventId: event.eventId, by: 'supplier' });
          if (event.type === 'hold') await this.#holdNotices(trx, order, reseller, 1);
        });
        return;
      }
      case 'documents_requested':
        return this.#documentsRequested(order, event, supplierName);
      case 'request_declined':
        return this.#requestDeclined(order, event.requestId, `${supplierName}: ${event.reason}`);
      case 'cancelled':
      case 'rejected':
        return this.#supplierClosed(order, 'cancelled_by_supplier', event.reason, supplierName);
      case 'incident':
        await this.#db.transaction().execute(async (trx) => {
          const now = this.#clock.now();
          if (!(await openIncident(trx, { supplier: supplierName, kind: event.kind, orderId: order.id, detail: event.detail, at: now }))) return;
          await appendEvent(trx, {
            orderId: order.id,
            at: now,
            type: 'supplier.incident',
            fromStatus: null,
            toStatus: null,
            actor: { type: 'system', id: supplierName },
            note: 'The certificate the supplier returned did not match the order and was not delivered; staff are reviewing it.',
          });
        });
        return;
    }
  }

  /** The approval email a supplier asks for: queued in the outbox and written on the timeline. */
  async sendApprovalEmail(request: ApprovalEmailRequest): Promise<void> {
    const order = await findOrder(this.#db, null, request.orderId);
    if (!order) throw new Error(`approval email for unknown order ${request.orderId}`);
    const reseller = await this.#reseller(order.resellerId);
    const supplierName = (await this.supplierOf(order)).name;
    await this.#db.transaction().execute(async (trx) => {
      await this.#mail.queue(trx, { template: 'approval', to: request.to, approval: request, order, reseller, sequence: request.sequence });
      await appendEvent(trx, {
        orderId: order.id,
        at: this.#clock.now(),
        type: 'approval_email.queued',
        fromStatus: null,
        toStatus: null,
        actor: { type: 'system', id: supplierName },
        note: `Approval email to ${request.to}${request.sequence > 0 ? ` (resend ${request.sequence})` : ''}.`,
      });
      await this.#notify(trx, order, 'order.approval_email_sent', { to: request.to, sequence: request.sequence }, `approval:${request.to}:${request.sequence}`);
    });
  }

  /**
   * The instructions email a supplier without email approval asks for (what to publish, where): queued
   * in the outbox, on the timeline, and announced by webhook. Where the supplier cannot use the method
   * the order asked for (ACME has no email approval), the order's `dcv` follows what it will check.
   */
  async sendDcvInstructions(request: DcvInstructionsRequest): Promise<void> {
    const order = await findOrder(this.#db, null, request.orderId);
    if (!order) throw new Error(`instructions email for unknown order ${request.orderId}`);
    const reseller = await this.#reseller(order.resellerId);
    const supplierName = (await this.supplierOf(order)).name;
    await this.#db.transaction().execute(async (trx) => {
      const now = this.#clock.now();
      const changed: string[] = [];
      for (const instruction of request.instructions) {
        const method = instruction.method === 'dns-01' ? 'dns' : 'http';
        const name = comparableName(instruction.domain);
        const domain = order.domains.find((d) => comparableName(d.name) === name);
        if (domain === undefined || domain.dcv.method === method) continue;
        await trx.updateTable('order_domains').set({ dcv_method: method, dcv_email: null }).where('order_id', '=', order.id).where('name', '=', domain.name).execute();
        changed.push(`${domain.name}: ${domain.dcv.method} → ${method}`);
      }
      if (changed.length > 0) {
        await appendEvent(trx, {
          orderId: order.id,
          at: now,
          type: 'dcv.changed',
          fromStatus: null,
          toStatus: null,
          actor: { type: 'system', id: supplierName },
          note: `${supplierName} validates these names another way: ${changed.join(', ')}.`,
        });
      }
      await this.#mail.queue(trx, { template: 'dcv-instructions', to: request.to, instructions: request, order, reseller, sequence: request.sequence });
      await appendEvent(trx, {
        orderId: order.id,
        at: now,
        type: 'dcv_instructions.queued',
        fromStatus: null,
        toStatus: null,
        actor: { type: 'system', id: supplierName },
        note: `Domain-control instructions to ${request.to}${request.sequence > 1 ? ` (email ${request.sequence})` : ''}: ${request.instructions.map((i) => `${i.domain} by ${i.method}`).join(', ')}.`,
      });
      await this.#notify(
        trx,
        order,
        'order.dcv_instructions_sent',
        { to: request.to, sequence: request.sequence, instructions: request.instructions, ...(request.expiresAt !== undefined && { expiresAt: new Date(request.expiresAt).toISOString() }) },
        `dcv:${request.to}:${request.sequence}`,
      );
    });
  }

  /** Resends the approval email, or switches to another allowed approver address (`POST /v1/orders/{id}/approval-email`). */
  async resendApproval(actor: Actor & { type: 'reseller' }, orderId: string, input: { approverEmail?: unknown }): Promise<OrderDetails> {
    const order = await this.#owned(actor.id, orderId);
    // An issued order validates again for a reissue that adds names or a renewal past the reuse period.
    const validating = order.status === 'awaiting_validation' || (order.status === 'issued' && (await f.listCertificateRequests(this.#db, order.id)).some((r) => r.status === 'pending'));
    if (!validating) {
      throw new CertbrokerError('conflict', 'order.not_awaiting_validation', `The approval email can be resent while the order or a further certificate of it awaits validation; this order is ${order.status}.`);
    }
    let approverEmail: string | undefined;
    if (input.approverEmail !== undefined) {
      const checked = validateEmail(input.approverEmail, 'approverEmail', 'The approver email address');
      if (checked.value === undefined) throw new CertbrokerError('invalid', 'request.invalid', 'The request has invalid fields.', checked.errors);
      approverEmail = checked.value.toLowerCase();
      for (const domain of order.domains.filter((d) => d.dcv.method === 'email')) {
        if (!approverEmailsFor(domain.name).includes(approverEmail)) {
          throw new CertbrokerError('invalid', 'request.invalid', 'The request has invalid fields.', [
            { path: 'approverEmail', code: 'approver.not_allowed', message: `${approverEmail} may not approve ${domain.name}; allowed: ${approverEmailsFor(domain.name).join(', ')}.` },
          ]);
        }
      }
    }
    const supplier = await this.supplierOf(order);
    if (!canResendApproval(supplier)) throw new CertbrokerError('conflict', 'supplier.unsupported', `${supplier.name} does not support resending approval emails.`);
    const supplierOrder = await f.findSupplierOrder(this.#db, order.id);
    if (!supplierOrder) throw new CertbrokerError('conflict', 'order.not_submitted', 'The order has not reached its supplier yet.');
    if (approverEmail !== undefined) {
      const address = approverEmail;
      await this.#db.transaction().execute(async (trx) => {
        await trx.updateTable('orders').set({ approver_email: address, updated_at: this.#clock.now() }).where('id', '=', order.id).execute();
        await trx.updateTable('order_domains').set({ dcv_email: address }).where('order_id', '=', order.id).where('dcv_method', '=', 'email').execute();
        await appendEvent(trx, { orderId: order.id, at: this.#clock.now(), type: 'approver.changed', fromStatus: null, toStatus: null, actor, note: `Approver address changed to ${address}.` });
      });
    }
    try {
      await supplier.resendApproval({ supplierOrderId: supplierOrder.supplierOrderId, ...(approverEmail !== undefined && { approverEmail }) });
    } catch (error) {
      if (!(error instanceof SupplierError)) throw error;
      // What the supplier said, as something the reseller can act on: try again later, or not like this.
      throw error.retryable
        ? new CertbrokerError('unavailable', 'supplier.unavailable', `${error.message} Try again in a few minutes.`)
        : new CertbrokerError('conflict', `supplier.${error.code}`, error.message);
    }
    return this.#owned(actor.id, orderId);
  }

  /** The order's current certificate in one of the download formats. */
  async certificate(resellerId: string, orderId: string, format: unknown): Promise<{ body: string | Buffer; contentType: string; filename: string }> {
    if (!(CERTIFICATE_FORMATS as readonly unknown[]).includes(format ?? 'pem')) {
      throw new CertbrokerError('invalid', 'request.invalid', 'The request has invalid parameters.', [
        { path: 'format', code: 'format.unknown', message: `format must be one of ${CERTIFICATE_FORMATS.join(', ')}.` },
      ]);
    }
    const order = await this.#owned(resellerId, orderId);
    const cert = await f.latestCertificate(this.#db, order.id);
    if (!cert) throw new CertbrokerError('conflict', 'certificate.not_issued', `The order has no certificate yet; it is ${order.status}.`);
    const name = order.domains[0]?.name.replace(/^\*\./, 'wildcard.') ?? order.id;
    switch ((format ?? 'pem') as CertificateFormat) {
      case 'pem':
        return { body: cert.certificatePem, contentType: 'application/x-pem-file', filename: `${name}.pem` };
      case 'chain':
        return { body: [cert.certificatePem, ...cert.chainPem].join(''), contentType: 'application/x-pem-file', filename: `${name}.chain.pem` };
      case 'full':
        return { body: [cert.certificatePem, ...cert.chainPem, cert.rootPem].join(''), contentType: 'application/x-pem-file', filename: `${name}.full.pem` };
      case 'pkcs7':
        return { body: pkcs7Pem([cert.certificatePem, ...cert.chainPem]), contentType: 'application/x-pkcs7-certificates', filename: `${name}.p7b` };
    }
  }

  /** The supplier of an order: the one that accepted it, else the first of its chain. */
  async supplierOf(order: OrderDetails): Promise<Supplier> {
    const accepted = await f.findSupplierOrder(this.#db, order.id);
    const name = accepted?.supplier ?? this.#candidates(order)[0] ?? this.#defaultSupplier;
    return (this.#suppliers.get(name) ?? this.#suppliers.get(this.#defaultSupplier)) as Supplier;
  }

  async #issued(order: OrderDetails, supplierRequestId: string, certificate: IssuedCertificate, supplierName: string): Promise<void> {
    const requestId = supplierRequestId === INITIAL_REQUEST_ID ? f.initialRequestId(order.id) : supplierRequestId;
    const request = await f.findCertificateRequest(this.#db, requestId);
    if (!request || request.orderId !== order.id) throw new PermanentJobError(`certificate for unknown request ${requestId} of ${order.id}`);
    if (request.kind === 'initial' && (order.status === 'received' || order.status === 'on_hold')) {
      // A fast supplier can issue before the submission's transaction has released the order. The order
      // is not closed, so this is no late certificate to revoke: the event waits (retried) for the release.
      throw new Error(`certificate for ${order.id} arrived before the order was released`);
    }
    const reseller = await this.#reseller(order.resellerId);
    await this.#db.transaction().execute(async (trx) => {
      const now = this.#clock.now();
      const certificateId = newId('crt');
      const stored = await f.insertCertificate(trx, order.id, {
        id: certificateId,
        requestId,
        serialNumber: certificate.serialNumber,
        certificatePem: certificate.certificatePem,
        chainPem: certificate.chainPem,
        rootPem: certificate.rootPem,
        notBefore: new Date(certificate.notBefore),
        notAfter: new Date(certificate.notAfter),
        issuedAt: now,
      });
      if (!stored) return;
      let current = order;
      if (request.kind === 'initial') {
        const moved = await f.transitionOrder(trx, {
          orderId: order.id,
          from: ['released', 'awaiting_validation'],
          to: 'issued',
          at: now,
          actor: { type: 'system', id: supplierName },
          type: 'order.issued',
          note: `Certificate ${certificate.serialNumber} issued.`,
        });
        if (!moved) {
          // A cancellation closed the order first and could not stop the supplier: revoke what it issued.
          await appendEvent(trx, { orderId: order.id, at: now, type: 'certificate.issued_after_close', fromStatus: null, toStatus: null, actor: SYSTEM, note: `Certificate ${certificate.serialNumber} arrived after the order was closed; it is revoked.` });
          await this.#afterClose(trx, order, { id: certificateId, serialNumber: certificate.serialNumber });
          return;
        }
        // The subscription's term starts with its first certificate.
        await startTerm(trx, order.id, termOf(now, order.termMonths));
        await this.#notify(trx, order, 'order.issued', { serialNumber: certificate.serialNumber, notAfter: new Date(certificate.notAfter).toISOString() });
      } else {
        if (request.domains !== null) {
          await replaceDomains(trx, order.id, request.domains);
          current = { ...order, domains: request.domains };
          await appendEvent(trx, { orderId: order.id, at: now, type: 'domains.changed', fromStatus: null, toStatus: null, actor: SYSTEM, note: `The order now covers ${request.domains.map((d) => d.name).join(', ')}.` });
        }
        const renewal = request.kind === 'renewal';
        await appendEvent(trx, {
          orderId: order.id,
          at: now,
          type: renewal ? 'certificate.renewed' : 'certificate.reissued',
          fromStatus: null,
          toStatus: null,
          actor: SYSTEM,
          note: renewal ? `Certificate ${certificate.serialNumber} continues the term.` : `Certificate ${certificate.serialNumber} replaces the previous one.`,
        });
        await this.#notify(
          trx,
          order,
          renewal ? 'order.certificate_renewed' : 'order.certificate_reissued',
          { serialNumber: certificate.serialNumber, requestId, notAfter: new Date(certificate.notAfter).toISOString() },
          `${renewal ? 'renewed' : 'reissued'}:${requestId}`,
        );
      }
      for (const to of contactsOf(current)) await this.#mail.queue(trx, { template: 'fulfilment', to, certificate, order: current, reseller, sequence: request.sequence });
    });
  }

  /** The neutral hold notice to the administrative and approver contacts (no reason, no platform trace). */
  async #holdNotices(trx: Executor, order: OrderDetails, reseller: Reseller, sequence: number): Promise<void> {
    for (const to of contactsOf(order)) await this.#mail.queue(trx, { template: 'hold-notice', to, order, reseller, sequence });
  }

  async #supplierClosed(order: OrderDetails, to: 'cancelled_by_supplier', reason: string, supplierName: string, code?: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const moved = await f.transitionOrder(trx, {
        orderId: order.id,
        from: ['received', 'on_hold', 'released', 'awaiting_validation'],
        to,
        at: this.#clock.now(),
        actor: { type: 'system', id: supplierName },
        type: 'order.cancelled_by_supplier',
        note: reason,
      });
      if (!moved) return;
      // Seed step 3: a supplier's cancellation is refunded by staff, as quickly as possible: open it in their queue.
      const money = await orderMoney(trx, order.id);
      const amount = money.debited - money.refunded;
      if (amount > 0) {
        await openRefundRequest(trx, { id: newId('rfd'), orderId: order.id, resellerId: order.resellerId, amount, currency: order.price.currency, reason, at: this.#clock.now() });
      }
      await this.#notify(trx, order, 'order.cancelled_by_supplier', { reason, ...(code !== undefined && { code }), refundPending: amount > 0 ? { amount, currency: order.price.currency } : null });
    });
  }

  async #notify(trx: Executor, order: OrderDetails, type: WebhookEventType, data: Record<string, unknown>, key: string = type): Promise<void> {
    await this.#webhooks.recordOrderEvent(trx, order, type, data, key);
  }

  #order(job: Job): Promise<OrderDetails> {
    return jobOrder(this.#db, job);
  }

  #owned(resellerId: string, orderId: string): Promise<OrderDetails> {
    return ownedOrder(this.#db, resellerId, orderId);
  }

  #reseller(id: string): Promise<Reseller> {
    return jobReseller(this.#db, id);
  }
}

/** The administrative contact and every approver contact of an order, each once (DESIGN.md Emails). */
function contactsOf(order: OrderDetails): string[] {
  const approvers = order.domains.flatMap((d) => (d.dcv.method === 'email' ? [d.dcv.email.toLowerCase()] : []));
  return [...new Set([order.adminContact.email.toLowerCase(), ...approvers, order.approverEmail.toLowerCase()])];
}

/** A certs-only PKCS#7 SignedData (RFC 2315 / RFC 5652 "degenerate" form), PEM-armoured, as many servers import it. */
function pkcs7Pem(pems: readonly string[]): string {
  const ders = pems.map((pem) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
  const der = encodeSequence(
    encodeOid('1.2.840.113549.1.7.2'),
    encodeContext(0, true, encodeSequence(encodeInteger(1), encodeSet(), encodeSequence(encodeOid('1.2.840.113549.1.7.1')), encodeContext(0, true, ...ders), encodeSet())),
  );
  const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN PKCS7-----\n${body}-----END PKCS7-----\n`;
}
