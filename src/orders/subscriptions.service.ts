import { createHash } from 'node:crypto';
import { settingsOf } from '../accounts/accounts.service.js';
import type { Clock } from '../domain/clock.js';
import { CertbrokerError, type FieldError } from '../domain/errors.js';
import type { Actor, DcvChoice } from '../domain/order.js';
import type { Money } from '../domain/money.js';
import { PRODUCTS } from '../domain/products.js';
import { isRevocationReason, REVOCATION_REASONS, type RevocationReason } from '../domain/revocation.js';
import {
  CERTIFICATE_REMINDER_DAYS,
  DAY_MS,
  DEFAULT_RENEWAL_LEAD_DAYS,
  daysUntil,
  dueReminder,
  nextStep,
  TERM_REMINDER_DAYS,
  validityWithinTerm,
  type NextStep,
} from '../domain/subscription.js';
import { dcvReusable, defaultCertificateValidityDays } from '../domain/validity.js';
import type { Job, JobQueue } from '../jobs/queue.js';
import { PermanentJobError } from '../jobs/queue.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Reseller } from '../store/accounts.repository.js';
import type { Db, Executor } from '../store/database.js';
import * as f from '../store/fulfilment.repository.js';
import { newId } from '../store/ids.js';
import { appendEvent, findOrder, type OrderDetails } from '../store/orders.repository.js';
import * as subs from '../store/subscriptions.repository.js';
import { canReissue, canRevoke, SupplierError, type Supplier } from '../suppliers/supplier.js';
import { approverEmailsFor } from '../validation/approver.js';
import { validateEmail } from '../validation/contacts.js';
import { compareWithCsr, comparableName, validateNames } from '../validation/domains.js';
import type { Checked, DecodedCsr } from '../validation/types.js';
import type { OrderMail } from './fulfilment.service.js';
import { priceOrder } from './pricing.js';
import type { WebhookEventType, Webhooks } from './webhooks.js';
import { jobOrder, jobReseller, ownedOrder } from './lookups.js';

const SYSTEM: Actor = { type: 'system', id: 'subscriptions' };
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Orders the sweep handles per run; the next run goes on where it stopped. */
const SWEEP_BATCH = 200;

/** A revocation for any reason but a successor's ends the subscription: nothing is reissued or renewed after it. */
const endsTerm = (certificate: { readonly revocationReason: string | null } | undefined): boolean =>
  certificate !== undefined && certificate.revocationReason !== null && certificate.revocationReason !== 'superseded';
/** A renewal still under way: waiting for its CSR, or at the supplier. */
const isOpenRenewal = (r: f.CertificateRequest): boolean => r.kind === 'renewal' && (r.status === 'awaiting_csr' || r.status === 'pending');
const revokedTerm = () => new CertbrokerError('conflict', 'certificate.revoked', 'The certificate of this order was revoked; the subscription ended with it.');

const invalid = (fields: readonly FieldError[]) => new CertbrokerError('invalid', 'request.invalid', 'The request has invalid fields.', fields);

/** A certificate of the term as the API shows it. */
export interface TermCertificate {
  readonly id: string;
  readonly serialNumber: string;
  readonly kind: f.CertificateRequestKind;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly issuedAt: Date;
  /** `current`: the one in use; `superseded`: an older one still valid; `revoking`: revocation asked, not yet done. */
  readonly status: 'current' | 'superseded' | 'revoking' | 'revoked' | 'expired';
  readonly revokedAt: Date | null;
  readonly revocationReason: RevocationReason | null;
}

/** An order's subscription: its term, every certificate of it, what is under way and what happens next. */
export interface Subscription {
  readonly termMonths: number;
  readonly startsAt: Date | null;
  readonly endsAt: Date | null;
  readonly certificates: readonly TermCertificate[];
  readonly pending: readonly { readonly requestId: string; readonly kind: f.CertificateRequestKind; readonly status: f.CertificateRequestStatus; readonly createdAt: Date }[];
  readonly next: NextStep & { readonly note: string };
  readonly renews: string | null;
  readonly renewedBy: string | null;
}

/**
 * Subscriptions over short certificates (issue: renewals within the term, reminders, reissue and
 * revocation): a paid term is covered by a chain of certificates. A periodic sweep starts each
 * successor before its predecessor expires and sends the reminders; resellers reissue (changing names
 * where the product allows, extra names paid through the ledger) and revoke.
 */
export class SubscriptionsService {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #queue: JobQueue;
  readonly #ledger: Ledger;
  readonly #webhooks: Webhooks;
  readonly #mail: OrderMail;
  readonly #supplierOf: (order: OrderDetails) => Promise<Supplier>;
  readonly #decodeCsr: (input: string | Uint8Array) => Checked<DecodedCsr>;
  readonly #leadDays: number;

  constructor(deps: {
    db: Db;
    clock: Clock;
    queue: JobQueue;
    ledger: Ledger;
    webhooks: Webhooks;
    mail: OrderMail;
    supplierOf: (order: OrderDetails) => Promise<Supplier>;
    decodeCsr: (input: string | Uint8Array) => Checked<DecodedCsr>;
    /** Days before expiry that a successor is started (default 30). */
    renewalLeadDays?: number;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#queue = deps.queue;
    this.#ledger = deps.ledger;
    this.#webhooks = deps.webhooks;
    this.#mail = deps.mail;
    this.#supplierOf = deps.supplierOf;
    this.#decodeCsr = deps.decodeCsr;
    this.#leadDays = deps.renewalLeadDays ?? DEFAULT_RENEWAL_LEAD_DAYS;
    if (!Number.isInteger(this.#leadDays) || this.#leadDays < 1 || this.#leadDays > 90) throw new Error('The renewal lead time must be 1 to 90 days.');
  }

  // ── The sweep ────────────────────────────────────────────────────────────────────────────────

  /** `subscriptions.sweep` (periodic): starts the successors that are due, then sends the reminders that are due. */
  async sweepJob(): Promise<void> {
    const now = this.#clock.now();
    const due = await subs.certificatesDue(this.#db, { expiringBefore: new Date(now.getTime() + this.#leadDays * DAY_MS), now, limit: SWEEP_BATCH, withoutRenewal: true });
    for (const certificate of due) await this.#startRenewal(certificate);
    await this.#certificateReminders(now);
    await this.#termReminders(now);
  }

  /**
   * Starts the successor of an order's certificate: with the previous CSR where the reseller opted in
   * and its key may still be used, else by asking the reseller for a new CSR (webhook and email).
   */
  async #startRenewal(due: subs.CurrentCertificate): Promise<void> {
    const order = await findOrder(this.#db, null, due.orderId);
    if (!order) return;
    const reseller = await this.#reseller(order.resellerId);
    const previous = await f.findCertificateRequest(this.#db, due.requestId);
    const reuse = settingsOf(reseller).renewalKeyReuse && previous?.csrPem != null && (await this.#keyReusable(order.id, previous.csrPem));
    const requestId = newId('crq');
    await this.#db.transaction().execute(async (trx) => {
      await lockOrder(trx, order.id);
      const now = this.#clock.now();
      const inserted = await f.insertCertificateRequest(trx, {
        id: requestId,
        orderId: order.id,
        kind: 'renewal',
        csrPem: reuse ? (previous?.csrPem ?? null) : null,
        status: reuse ? 'pending' : 'awaiting_csr',
        followsCertificateId: due.certificateId,
        at: now,
      });
      if (!inserted) return; // another sweep started it first
      const expires = due.notAfter.toISOString();
      if (reuse) {
        await this.#event(trx, order.id, 'renewal.started', `The next certificate of the term is requested with the previous CSR (renewal ${requestId}); the current one expires ${expires}.`);
        await this.#notify(trx, order.resellerId, order.id, 'order.renewal_started', { requestId, keyReused: true, currentNotAfter: expires }, `renewal:${requestId}`);
        await this.#queue.enqueue(trx, { name: 'supplier.renew', payload: { orderId: order.id, requestId }, dedupeKey: `supplier.renew:${requestId}` });
        return;
      }
      await this.#event(trx, order.id, 'renewal.csr_required', `The next certificate of the term needs a new CSR (renewal ${requestId}); the current one expires ${expires}.`);
      await this.#notify(trx, order.resellerId, order.id, 'order.renewal_csr_required', { requestId, currentNotAfter: expires }, `renewal:${requestId}`);
      const sequence = (await f.findCertificateRequest(trx, requestId))?.sequence ?? 0;
      await this.#mail.queue(trx, { template: 'reseller-notice', to: reseller.repEmail, order, reseller, sequence, notice: { kind: 'renewal-csr-required', note: null, date: due.notAfter } });
    });
  }

  /** Whether a CSR's key may sign again: it still passes today's checks and no certificate with it was revoked for key compromise. */
  async #keyReusable(orderId: string, csrPem: string): Promise<boolean> {
    if (!this.#decodeCsr(csrPem).ok) return false;
    const certificates = await f.listCertificates(this.#db, orderId);
    const requests = new Map((await f.listCertificateRequests(this.#db, orderId)).map((r) => [r.id, r]));
    return !certificates.some((c) => c.revocationReason === 'keyCompromise' && requests.get(c.requestId)?.csrPem === csrPem);
  }

  /** Reminds of a certificate about to expire with no successor yet: 14, 7 and 1 day before, each once. */
  async #certificateReminders(now: Date): Promise<void> {
    const horizon = new Date(now.getTime() + Math.max(...CERTIFICATE_REMINDER_DAYS) * DAY_MS);
    const expiring = await subs.certificatesDue(this.#db, { expiringBefore: horizon, now, limit: SWEEP_BATCH, withoutRenewal: false });
    for (const certificate of expiring) {
      const days = dueReminder(certificate.notAfter, now, CERTIFICATE_REMINDER_DAYS);
      if (days === undefined) continue;
      await this.#remind(certificate.orderId, { kind: 'certificate_expiring', key: `${certificate.certificateId}:${days}`, days, at: certificate.notAfter, serialNumber: certificate.serialNumber });
    }
  }

  /** Reminds of the end of a term that no renewal order continues: 60, 30 and 7 days before, each once. */
  async #termReminders(now: Date): Promise<void> {
    const horizon = new Date(now.getTime() + Math.max(...TERM_REMINDER_DAYS) * DAY_MS);
    for (const term of await subs.termsEnding(this.#db, { now, before: horizon, limit: SWEEP_BATCH })) {
      const days = dueReminder(term.termEndsAt, now, TERM_REMINDER_DAYS);
      if (days === undefined) continue;
      await this.#remind(term.orderId, { kind: 'term_ending', key: `term:${days}`, days, at: term.termEndsAt });
    }
  }

  /** One reminder, once: a webhook, the account representative, and the generic notice to the administrative contact. */
  async #remind(orderId: string, r: { kind: 'certificate_expiring' | 'term_ending'; key: string; days: number; at: Date; serialNumber?: string }): Promise<void> {
    const order = await findOrder(this.#db, null, orderId);
    if (!order) return;
    const reseller = await this.#reseller(order.resellerId);
    await this.#db.transaction().execute(async (trx) => {
      const now = this.#clock.now();
      if (!(await subs.recordReminder(trx, { orderId, kind: r.kind, key: r.key, daysBefore: r.days, at: now }))) return;
      const expiring = r.kind === 'certificate_expiring';
      const left = daysUntil(r.at, now);
      await this.#event(
        trx,
        orderId,
        `reminder.${r.kind}`,
        expiring ? `Reminded: certificate ${r.serialNumber ?? ''} expires in ${left} day(s) with no successor yet.` : `Reminded: the term ends in ${left} day(s) and no renewal order continues it.`,
      );
      await this.#notify(
        trx,
        order.resellerId,
        orderId,
        expiring ? 'order.certificate_expiring' : 'order.term_ending',
        { daysLeft: left, reminder: r.days, [expiring ? 'notAfter' : 'termEndsAt']: r.at.toISOString(), ...(r.serialNumber !== undefined && { serialNumber: r.serialNumber }) },
        `${r.kind}:${r.key}`,
      );
      // Distinct emails per reminder: the threshold (and, for a certificate, which one) is the sequence.
      const certificateSequence = expiring ? ((await f.listCertificates(trx, orderId)).length - 1) * 100 : 0;
      const sequence = certificateSequence + r.days;
      const kind = expiring ? 'certificate-expiring' : 'term-ending';
      await this.#mail.queue(trx, {
        template: 'reseller-notice',
        to: reseller.repEmail,
        order,
        reseller,
        sequence,
        notice: { kind, note: null, date: r.at, ...(r.serialNumber !== undefined && { serialNumber: r.serialNumber }) },
      });
      await this.#mail.queue(trx, { template: 'expiry-notice', to: order.adminContact.email, order, reseller, sequence, notice: { kind, at: r.at } });
    });
  }

  // ── Renewals ─────────────────────────────────────────────────────────────────────────────────

  /**
   * `POST /v1/orders/{id}/renewal`: the reseller's CSR for the next certificate of the term (the same
   * names). Answers a renewal that waits for one, or starts the successor early when none is under way.
   */
  async submitRenewalCsr(actor: Actor & { type: 'reseller' }, orderId: string, input: { csr?: unknown }): Promise<{ requestId: string }> {
    const order = await this.#owned(actor.id, orderId);
    if (order.status !== 'issued') throw new CertbrokerError('conflict', 'order.not_issued', `A renewal needs an issued order; this order is ${order.status}.`);
    const csr = this.#csr(input.csr, order.domains.map((d) => d.name));
    const term = await subs.findTerm(this.#db, order.id);
    const current = await f.latestCertificate(this.#db, order.id);
    if (!term || !current || this.#clock.now().getTime() >= term.endsAt.getTime()) {
      throw new CertbrokerError('conflict', 'term.ended', 'The term of this order has ended; renew it with a new order (POST /v1/orders with renewsOrderId).');
    }
    return this.#db.transaction().execute(async (trx) => {
      await lockOrder(trx, order.id);
      const now = this.#clock.now();
      const open = (await f.listCertificateRequests(trx, order.id)).find(isOpenRenewal);
      if (open?.status === 'pending') throw new CertbrokerError('conflict', 'renewal.in_progress', `Renewal ${open.id} is under way already.`);
      let requestId = open?.id;
      if (requestId !== undefined) {
        await f.updateCertificateRequest(trx, requestId, ['awaiting_csr'], { status: 'pending', csrPem: csr.pem, at: now });
      } else {
        if (endsTerm(current)) throw revokedTerm();
        requestId = newId('crq');
        await f.insertCertificateRequest(trx, { id: requestId, orderId: order.id, kind: 'renewal', csrPem: csr.pem, followsCertificateId: current.id, at: now });
      }
      await appendEvent(trx, { orderId: order.id, at: now, type: 'renewal.csr_received', fromStatus: null, toStatus: null, actor, note: `CSR received for renewal ${requestId}.` });
      await this.#notify(trx, order.resellerId, order.id, 'order.renewal_started', { requestId, keyReused: false }, `renewal:${requestId}:csr`);
      await this.#queue.enqueue(trx, { name: 'supplier.renew', payload: { orderId: order.id, requestId }, dedupeKey: `supplier.renew:${requestId}` });
      return { requestId };
    });
  }

  /**
   * `supplier.renew`: asks the supplier for the next certificate of the term, for the rest of the term
   * at most; the names are validated again when the last validation is older than the Baseline
   * Requirements let it be reused (the approval email goes out again).
   */
  async renewJob(job: Job): Promise<void> {
    const order = await this.#order(job);
    const request = await f.findCertificateRequest(this.#db, String(job.payload.requestId));
    if (!request || request.status !== 'pending' || request.csrPem === null) return;
    const term = await subs.findTerm(this.#db, order.id);
    if (!term) throw new PermanentJobError(`order ${order.id} has no term`);
    const now = this.#clock.now();
    await this.#ask(order, request, { kind: 'renewal', validityDays: validityWithinTerm(now, term.endsAt), revalidate: await this.#revalidate(order, request) });
  }

  /**
   * Whether a further certificate must validate the names again: when the last validation is older
   * than the Baseline Requirements let it be reused. Recorded on the request (and the timeline) once.
   */
  async #revalidate(order: OrderDetails, request: f.CertificateRequest): Promise<boolean> {
    if (request.revalidate) return true;
    const now = this.#clock.now();
    if (dcvReusable(await this.#lastValidatedAt(order.id), now)) return false;
    await this.#db.transaction().execute(async (trx) => {
      await f.updateCertificateRequest(trx, request.id, ['pending'], { status: 'pending', revalidate: true, at: now });
      await this.#event(trx, order.id, `${request.kind}.revalidating`, 'The last domain validation is older than the Baseline Requirements allow to reuse: the names are validated again.');
    });
    return true;
  }

  /** When the order's names were last validated: its first certificate, or the newest that validated them all again. */
  async #lastValidatedAt(orderId: string): Promise<Date> {
    const requests = new Map((await f.listCertificateRequests(this.#db, orderId)).map((r) => [r.id, r]));
    const validated = (await f.listCertificates(this.#db, orderId)).filter((c) => {
      const request = requests.get(c.requestId);
      return request?.kind === 'initial' || request?.revalidate === true;
    });
    return validated.reduce((latest, c) => (c.issuedAt > latest ? c.issuedAt : latest), new Date(0));
  }

  // ── Reissue ──────────────────────────────────────────────────────────────────────────────────

  /**
   * `POST /v1/orders/{id}/reissue`: a certificate for a new CSR within the order, the previous one kept
   * until it is issued. Where the product takes several names, `domains` may change them: names added
   * are validated first, and names beyond what was paid for are debited once (the Idempotency-Key is
   * then required, and repeats the first answer).
   */
  async requestReissue(
    actor: Actor & { type: 'reseller' },
    orderId: string,
    input: { csr?: unknown; domains?: unknown; dcv?: unknown; approverEmail?: unknown },
    idempotencyKey: string | undefined,
  ): Promise<{ requestId: string; charged: Money | null; replayed: boolean }> {
    const order = await this.#owned(actor.id, orderId);
    if (order.status !== 'issued') throw new CertbrokerError('conflict', 'order.not_issued', `A certificate can be reissued once the order is issued; this order is ${order.status}.`);
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw invalid([{ path: 'Idempotency-Key', code: 'idempotency_key.invalid', message: 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.' }]);
    }
    const requestHash = createHash('sha256').update(JSON.stringify([input.csr ?? null, input.domains ?? null, input.dcv ?? null, input.approverEmail ?? null])).digest('hex');
    const replay = await this.#reissueReplay(order.resellerId, order.id, idempotencyKey, requestHash);
    if (replay) return replay;

    const domains = this.#reissueDomains(order, input);
    const csr = this.#csr(input.csr, (domains ?? order.domains).map((d) => d.name));
    const supplier = await this.#supplierOf(order);
    if (!canReissue(supplier)) throw new CertbrokerError('conflict', 'supplier.unsupported', `${supplier.name} does not support reissues.`);
    const reseller = await this.#reseller(order.resellerId);
    const requestId = newId('crq');
    const result = await this.#db.transaction().execute(async (trx) => {
      await lockOrder(trx, order.id);
      if (endsTerm(await f.latestCertificate(trx, order.id))) throw revokedTerm();
      const now = this.#clock.now();
      let charged: Money | null = null;
      if (domains !== undefined) {
        const before = await priceOrder(trx, reseller, order.product, order.termMonths, order.domains.map((d) => d.name));
        const after = await priceOrder(trx, reseller, order.product, order.termMonths, domains.map((d) => d.name));
        if (after.amount > before.amount) {
          if (idempotencyKey === undefined) {
            throw invalid([{ path: 'Idempotency-Key', code: 'idempotency_key.required', message: 'A reissue that adds paid names moves money: send an Idempotency-Key header.' }]);
          }
          charged = { amount: after.amount - before.amount, currency: after.currency };
        }
      }
      const inserted = await f.insertCertificateRequest(trx, {
        id: requestId,
        orderId: order.id,
        kind: 'reissue',
        csrPem: csr.pem,
        at: now,
        ...(domains !== undefined && { domains }),
        ...(idempotencyKey !== undefined && { idempotencyKey, requestHash }),
      });
      if (!inserted) return undefined; // the same key won a race: answer as its replay
      if (charged !== null) {
        await this.#ledger.move(trx, {
          resellerId: order.resellerId,
          kind: 'reissue_debit',
          amount: -charged.amount,
          currency: charged.currency,
          reference: `reissue_debit:${requestId}`,
          orderId: order.id,
          actor,
          note: `Names added by reissue ${requestId}`,
        });
      }
      const names = domains === undefined ? '' : ` for ${domains.map((d) => d.name).join(', ')}`;
      await appendEvent(trx, { orderId: order.id, at: now, type: 'certificate.reissue_requested', fromStatus: null, toStatus: null, actor, note: `Reissue ${requestId} with a new CSR${names}.`, ...(charged !== null && { data: { charged } }) });
      await this.#queue.enqueue(trx, { name: 'supplier.reissue', payload: { orderId: order.id, requestId }, dedupeKey: `supplier.reissue:${requestId}` });
      return { requestId, charged, replayed: false };
    });
    if (result) return result;
    const raced = await this.#reissueReplay(order.resellerId, order.id, idempotencyKey, requestHash);
    if (!raced) throw new Error('reissue lost a race but left no request');
    return raced;
  }

  async #reissueReplay(resellerId: string, orderId: string, key: string | undefined, requestHash: string) {
    if (key === undefined) return undefined;
    const previous = await f.findRequestByIdempotencyKey(this.#db, orderId, key);
    if (!previous) return undefined;
    if (previous.requestHash !== requestHash) {
      throw new CertbrokerError('conflict', 'idempotency.key_reused', 'This Idempotency-Key was already used with a different request body. Use a new key for a new reissue.');
    }
    const debit = await this.#ledger.findByReference(this.#db, resellerId, `reissue_debit:${previous.id}`);
    return { requestId: previous.id, charged: debit ? { amount: -debit.amount.amount, currency: debit.amount.currency } : null, replayed: true };
  }

  /** The names a reissue asks for, when they differ from the order's; checked against the product. */
  #reissueDomains(order: OrderDetails, input: { domains?: unknown; dcv?: unknown; approverEmail?: unknown }): f.RequestedDomain[] | undefined {
    if (input.domains === undefined) return undefined;
    if (!Array.isArray(input.domains)) throw invalid([{ path: 'domains', code: 'domains.not_array', message: 'domains must be an array of domain names.' }]);
    const product = PRODUCTS[order.product];
    const checked = validateNames(product, input.domains);
    if (checked.errors.length > 0) throw invalid(checked.errors);
    const current = new Map(order.domains.map((d) => [comparableName(d.name), d]));
    const same = checked.names.length === current.size && checked.names.every((n) => current.has(comparableName(n.ascii)));
    if (same) return undefined;
    if (product.maxNames === 1) {
      throw invalid([{ path: 'domains', code: 'domains.change_not_allowed', message: `${product.name} certificates keep their names; a change of names needs a new order.` }]);
    }
    let approverEmail = order.approverEmail;
    if (input.approverEmail !== undefined) {
      const email = validateEmail(input.approverEmail, 'approverEmail', 'The approver email address');
      if (email.value === undefined) throw invalid(email.errors);
      approverEmail = email.value.toLowerCase();
    }
    const dcvInput = (typeof input.dcv === 'object' && input.dcv !== null ? input.dcv : {}) as Record<string, unknown>;
    const errors: FieldError[] = [];
    const domains = checked.names.map((name, index): f.RequestedDomain => {
      const kept = current.get(comparableName(name.ascii));
      if (kept) return { name: kept.name, unicode: kept.unicode, dcv: kept.dcv };
      const choice = dcvInput[name.ascii] as { method?: unknown; email?: unknown } | undefined;
      let dcv: DcvChoice = { method: 'email', email: approverEmail };
      if (choice?.method === 'dns' || choice?.method === 'http') dcv = { method: choice.method };
      else if (choice?.method === 'email' && typeof choice.email === 'string') dcv = { method: 'email', email: choice.email.toLowerCase() };
      if (dcv.method === 'email' && !approverEmailsFor(name.ascii).includes(dcv.email)) {
        errors.push({ path: `domains[${index}]`, code: 'approver.not_allowed', message: `${dcv.email} may not approve ${name.ascii}; allowed: ${approverEmailsFor(name.ascii).join(', ')}.` });
      }
      return { name: name.ascii, unicode: name.unicode, dcv };
    });
    if (errors.length > 0) throw invalid(errors);
    return domains;
  }

  /** `supplier.reissue`: asks the supplier for the replacement (idempotent there per request id). */
  async reissueJob(job: Job): Promise<void> {
    const order = await this.#order(job);
    const request = await f.findCertificateRequest(this.#db, String(job.payload.requestId));
    if (!request || request.status !== 'pending' || request.csrPem === null) return;
    const now = this.#clock.now();
    const term = await subs.findTerm(this.#db, order.id);
    const validityDays = term && term.endsAt > now ? validityWithinTerm(now, term.endsAt) : defaultCertificateValidityDays(now);
    await this.#ask(order, request, { kind: 'reissue', validityDays, revalidate: await this.#revalidate(order, request) });
  }

  /** Hands a reissue or renewal to the order's supplier; a refusal ends the request and is told to the reseller. */
  async #ask(order: OrderDetails, request: f.CertificateRequest, o: { kind: 'reissue' | 'renewal'; validityDays: number; revalidate: boolean }): Promise<void> {
    const supplier = await this.#supplierOf(order);
    const supplierOrder = await f.findSupplierOrder(this.#db, order.id);
    if (!supplierOrder || !canReissue(supplier)) throw new PermanentJobError(`order ${order.id} cannot get further certificates at ${supplier.name}`);
    try {
      await supplier.reissue({
        supplierOrderId: supplierOrder.supplierOrderId,
        requestId: request.id,
        kind: o.kind,
        csrPem: request.csrPem as string,
        validityDays: o.validityDays,
        revalidate: o.revalidate,
        approverEmail: order.approverEmail,
        language: order.language,
        ...(request.domains !== null && { domains: request.domains.map((d) => ({ name: d.name, dcv: d.dcv })) }),
      });
    } catch (error) {
      if (!(error instanceof SupplierError) || error.retryable) throw error;
      await this.#requestFailed(order, request, `${supplier.name} refused (${error.code}): ${error.message}`);
    }
  }

  /** A supplier's `request_declined` event: the reissue or renewal ends; the order keeps its certificates. */
  async requestDeclined(order: OrderDetails, requestId: string, reason: string): Promise<void> {
    const request = await f.findCertificateRequest(this.#db, requestId);
    if (!request || request.orderId !== order.id) throw new PermanentJobError(`a supplier declined unknown request ${requestId} of ${order.id}`);
    await this.#requestFailed(order, request, reason);
  }

  async #requestFailed(order: OrderDetails, request: f.CertificateRequest, reason: string): Promise<void> {
    const reseller = await this.#reseller(order.resellerId);
    await this.#db.transaction().execute(async (trx) => {
      if (!(await f.updateCertificateRequest(trx, request.id, ['pending'], { status: 'failed', at: this.#clock.now() }))) return;
      await this.#event(trx, order.id, `${request.kind}.failed`, reason);
      // Names paid for by a reissue that brought no certificate are given back, once (the reference).
      const debit = (await this.#ledger.findByReference(trx, order.resellerId, `reissue_debit:${request.id}`))?.amount;
      const credited = debit
        ? await this.#ledger.move(trx, {
            resellerId: order.resellerId,
            kind: 'adjustment',
            amount: -debit.amount,
            currency: debit.currency,
            reference: `reissue_credit:${request.id}`,
            orderId: order.id,
            actor: SYSTEM,
            note: `Names of reissue ${request.id} given back: it was not issued.`,
          })
        : undefined;
      const refunded = credited ? { amount: credited.entry.amount.amount, currency: credited.entry.amount.currency } : null;
      await this.#notify(trx, order.resellerId, order.id, 'order.certificate_request_failed', { requestId: request.id, kind: request.kind, reason, refunded }, `failed:${request.id}`);
      await this.#mail.queue(trx, { template: 'reseller-notice', to: reseller.repEmail, order, reseller, sequence: request.sequence, notice: { kind: 'renewal-failed', note: reason } });
    });
  }

  // ── Revocation ───────────────────────────────────────────────────────────────────────────────

  /**
   * `POST /v1/orders/{id}/revoke`: revokes one certificate (`serialNumber`) or every certificate of the
   * order still valid, with an RFC 5280 reason, at the supplier. A reason other than `superseded` ends
   * the subscription: no successor is started after it.
   */
  async revoke(actor: Actor & { type: 'reseller' }, orderId: string, input: { reason?: unknown; serialNumber?: unknown }): Promise<{ certificateId: string; serialNumber: string; reason: RevocationReason; requestedAt: Date }[]> {
    const order = await this.#owned(actor.id, orderId);
    if (!isRevocationReason(input.reason)) {
      throw invalid([{ path: 'reason', code: 'reason.unknown', message: `reason must be one of ${Object.keys(REVOCATION_REASONS).join(', ')} (RFC 5280 CRLReason).` }]);
    }
    const reason = input.reason;
    const now = this.#clock.now();
    const certificates = await f.listCertificates(this.#db, order.id);
    let targets = certificates.filter((c) => c.revocationRequestedAt === null && c.notAfter > now);
    if (input.serialNumber !== undefined) {
      const serial = typeof input.serialNumber === 'string' ? input.serialNumber.toLowerCase().replace(/:/g, '') : '';
      const match = certificates.find((c) => c.serialNumber.toLowerCase() === serial);
      if (!match) throw invalid([{ path: 'serialNumber', code: 'certificate.not_found', message: 'No certificate of this order has that serial number.' }]);
      targets = targets.filter((c) => c.id === match.id);
      if (targets.length === 0) throw new CertbrokerError('conflict', 'certificate.not_revocable', `Certificate ${match.serialNumber} is revoked or expired already.`);
    }
    if (targets.length === 0) throw new CertbrokerError('conflict', 'certificate.none_valid', 'The order has no valid certificate to revoke.');
    const supplier = await this.#supplierOf(order);
    if (!canRevoke(supplier)) throw new CertbrokerError('conflict', 'supplier.unsupported', `${supplier.name} does not support revocation.`);
    const latest = certificates[certificates.length - 1];
    await this.#db.transaction().execute(async (trx) => {
      await lockOrder(trx, order.id);
      for (const certificate of targets) {
        await this.#requestRevocation(trx, order, certificate, reason, actor);
      }
      if (reason !== 'superseded' && targets.some((c) => c.id === latest?.id)) {
        // The certificate in use is gone for good: nothing follows it.
        for (const open of (await f.listCertificateRequests(trx, order.id)).filter(isOpenRenewal)) {
          if (await f.updateCertificateRequest(trx, open.id, ['awaiting_csr', 'pending'], { status: 'cancelled', at: now })) {
            await this.#event(trx, order.id, 'renewal.cancelled', `Renewal ${open.id} stopped: the certificate it follows is revoked.`);
          }
        }
      }
    });
    return targets.map((c) => ({ certificateId: c.id, serialNumber: c.serialNumber, reason, requestedAt: now }));
  }

  /**
   * Records a revocation and queues it for the supplier, in the caller's transaction; also used when a
   * certificate arrives for an order a cancellation closed first (the cancellation could not stop it).
   */
  async #requestRevocation(trx: Executor, order: OrderDetails, certificate: { id: string; serialNumber: string }, reason: RevocationReason, actor: Actor): Promise<void> {
    const now = this.#clock.now();
    if (!(await f.requestRevocation(trx, certificate.id, reason, now))) return;
    await appendEvent(trx, { orderId: order.id, at: now, type: 'certificate.revocation_requested', fromStatus: null, toStatus: null, actor, note: `Revocation of ${certificate.serialNumber} (${reason}) requested.` });
    await this.#notify(trx, order.resellerId, order.id, 'order.revocation_requested', { serialNumber: certificate.serialNumber, reason }, `revoke:${certificate.id}`);
    await this.#queue.enqueue(trx, { name: 'supplier.revoke', payload: { orderId: order.id, certificateId: certificate.id }, dedupeKey: `supplier.revoke:${certificate.id}` });
  }

  /** Revokes a certificate that arrived after a cancellation closed its order (called in the issuing transaction). */
  async revokeUnwanted(trx: Executor, order: OrderDetails, certificate: { id: string; serialNumber: string }): Promise<void> {
    await this.#requestRevocation(trx, order, certificate, 'cessationOfOperation', SYSTEM);
  }

  /** `supplier.revoke`: revokes at the supplier, then records it and tells the reseller. */
  async revokeJob(job: Job): Promise<void> {
    const order = await this.#order(job);
    const certificate = await f.findCertificate(this.#db, String(job.payload.certificateId));
    if (!certificate || certificate.orderId !== order.id) throw new PermanentJobError(`no certificate ${String(job.payload.certificateId)} of ${order.id}`);
    if (certificate.revokedAt !== null || certificate.revocationReason === null) return;
    const supplier = await this.#supplierOf(order);
    const supplierOrder = await f.findSupplierOrder(this.#db, order.id);
    if (!supplierOrder || !canRevoke(supplier)) throw new PermanentJobError(`${supplier.name} cannot revoke certificates of ${order.id}`);
    await supplier.revoke({ supplierOrderId: supplierOrder.supplierOrderId, serialNumber: certificate.serialNumber, certificatePem: certificate.certificatePem, reason: certificate.revocationReason });
    const reseller = await this.#reseller(order.resellerId);
    const sequence = (await f.findCertificateRequest(this.#db, certificate.requestId))?.sequence ?? 0;
    await this.#db.transaction().execute(async (trx) => {
      const now = this.#clock.now();
      if (!(await f.markRevoked(trx, certificate.id, now))) return;
      await appendEvent(trx, { orderId: order.id, at: now, type: 'certificate.revoked', fromStatus: null, toStatus: null, actor: { type: 'system', id: supplier.name }, note: `Certificate ${certificate.serialNumber} revoked (${certificate.revocationReason}).` });
      await this.#notify(trx, order.resellerId, order.id, 'order.certificate_revoked', { serialNumber: certificate.serialNumber, reason: certificate.revocationReason, revokedAt: now.toISOString() }, `revoked:${certificate.id}`);
      await this.#mail.queue(trx, { template: 'reseller-notice', to: reseller.repEmail, order, reseller, sequence, notice: { kind: 'certificate-revoked', note: certificate.revocationReason, serialNumber: certificate.serialNumber } });
    });
  }

  // ── The view ─────────────────────────────────────────────────────────────────────────────────

  /** An order's subscription as the order page and `GET /v1/orders/{id}` show it. */
  async view(order: OrderDetails): Promise<Subscription> {
    const now = this.#clock.now();
    const [term, certificates, requests, links] = await Promise.all([
      subs.findTerm(this.#db, order.id),
      f.listCertificates(this.#db, order.id),
      f.listCertificateRequests(this.#db, order.id),
      subs.renewalLinks(this.#db, order.id),
    ]);
    const kinds = new Map(requests.map((r) => [r.id, r.kind]));
    const latest = certificates[certificates.length - 1];
    const open = requests.find(isOpenRenewal);
    const ended = endsTerm(latest);
    const step = nextStep(
      {
        termEndsAt: term?.endsAt ?? null,
        current: latest ? { notAfter: latest.notAfter } : null,
        revoked: ended,
        openRenewal: open ? { status: open.status as 'awaiting_csr' | 'pending' } : null,
      },
      now,
      this.#leadDays,
    );
    return {
      termMonths: order.termMonths,
      startsAt: term?.startsAt ?? null,
      endsAt: term?.endsAt ?? null,
      certificates: certificates.map((c) => ({
        id: c.id,
        serialNumber: c.serialNumber,
        kind: kinds.get(c.requestId) ?? 'initial',
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        issuedAt: c.issuedAt,
        status: c.revokedAt !== null ? 'revoked' : c.revocationRequestedAt !== null ? 'revoking' : c.notAfter <= now ? 'expired' : c === latest ? 'current' : 'superseded',
        revokedAt: c.revokedAt,
        revocationReason: c.revocationReason,
      })),
      pending: requests.filter((r) => r.status === 'pending' || r.status === 'awaiting_csr').filter((r) => r.kind !== 'initial').map((r) => ({ requestId: r.id, kind: r.kind, status: r.status, createdAt: r.createdAt })),
      next: { ...step, note: describeNext(step, ended) },
      renews: links.renews,
      renewedBy: links.renewedBy,
    };
  }

  // ── Helpers ──────────────────────────────────────────────────────────────────────────────────

  /** A CSR for exactly `names`, or the field errors that say why not. */
  #csr(input: unknown, names: readonly string[]): DecodedCsr {
    const decoded = typeof input === 'string' ? this.#decodeCsr(input) : undefined;
    if (!decoded || !decoded.ok) throw invalid(decoded?.errors ?? [{ path: 'csr', code: 'csr.required', message: 'csr must be a PEM certificate signing request.' }]);
    const differ = compareWithCsr(names, decoded.value.names);
    if (differ.length > 0) {
      throw invalid([{ path: 'csr', code: 'csr.names_differ', message: `The CSR must name exactly ${names.join(', ')}; it names ${decoded.value.names.join(', ')}.` }]);
    }
    return decoded.value;
  }

  async #event(trx: Executor, orderId: string, type: string, note: string): Promise<void> {
    await appendEvent(trx, { orderId, at: this.#clock.now(), type, fromStatus: null, toStatus: null, actor: SYSTEM, note });
  }

  async #notify(trx: Executor, resellerId: string, orderId: string, type: WebhookEventType, data: Record<string, unknown>, key: string): Promise<void> {
    await this.#webhooks.recordOrderEvent(trx, { id: orderId, resellerId }, type, data, key);
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

/** Takes the order's row lock: requests of one order are numbered and decided one at a time. */
async function lockOrder(trx: Executor, orderId: string): Promise<void> {
  await trx.selectFrom('orders').select('id').where('id', '=', orderId).forUpdate().executeTakeFirst();
}

/** The sentence under the term bar. */
function describeNext(step: NextStep, revoked: boolean): string {
  switch (step.action) {
    case 'none':
      return revoked ? 'The certificate was revoked; no further certificate is issued for this order.' : 'The term starts when the first certificate is issued.';
    case 'renewal':
      return `The next certificate of the term is requested on ${step.at.toISOString().slice(0, 10)}.`;
    case 'renewal_awaiting_csr':
      return 'The next certificate of the term waits for a new CSR (POST /v1/orders/{id}/renewal).';
    case 'renewal_in_progress':
      return 'The next certificate of the term is being issued.';
    case 'term_ends':
      return `The current certificate covers the rest of the term, which ends on ${step.at.toISOString().slice(0, 10)}; renew with a new order to continue.`;
    case 'ended':
      return `The term ended on ${step.at.toISOString().slice(0, 10)}.`;
  }
}
