/**
 * An ACME CA (RFC 8555) as a supplier. `submit` opens an ACME order for the order's names and sends the
 * approver contact what to publish; a poller, started by the factory, carries every open order forward
 * on its own schedule with backoff: it answers challenges once its self-check sees the published record
 * (or when the reseller re-checks), follows the authorizations, finalizes with the order's CSR as
 * submitted, downloads the certificate, checks it against the order and reports it. Everything it
 * learns is in its own tables; everything it tells the platform goes through the outbox.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import type * as acme from 'acme-client';
import { PRODUCTS, isProductCode } from '../../domain/products.js';
import { revocationReasonCode } from '../../domain/revocation.js';
import { maxCertificateValidityDays } from '../../domain/validity.js';
import { decodeCsr } from '../../validation/csr.js';
import { comparableName } from '../../validation/domains.js';
import {
  INITIAL_REQUEST_ID,
  SupplierError,
  type ApprovalCapability,
  type CancelCapability,
  type IssuedCertificate,
  type ReissueCapability,
  type ReissueRequest,
  type RevokeCapability,
  type RevokeRequest,
  type SqlPort,
  type SubmitRequest,
  type SubmitResponse,
  type Supplier,
  type SupplierEvent,
  type SupplierOrderState,
} from '../supplier.js';
import type { AcmeAccount } from './account.js';
import { chooseChallenge, identifierFor, instructionFor, nameOfAuthorization, type RequestedMethod } from './challenges.js';
import { checkIssuedCertificate } from './compliance.js';
import type { ResolvedConfig } from './config.js';
import { AcmeSupplierError, toSupplierError, validationError } from './errors.js';
import type { DcvInstruction } from './mail.js';
import { instructionsEntry, type Outbox } from './outbox.js';
import { eventEntry } from '../shared/outbox.js';
import {
  claimDueOrders,
  enqueue,
  findCertificate,
  findOrder,
  findOrderCertificate,
  findSupplierOrderId,
  insertCertificate,
  insertOrder,
  listAuthorizations,
  listFurtherRequests,
  listValidAuthorizations,
  markAnswered,
  markRevoked,
  nextInstructionsSequence,
  otherOrdersUsing,
  pokeOrder,
  releaseOrder,
  replaceAuthorizations,
  setOrderState,
  startRound,
  supersedePendingInstructions,
  updateAuthorization,
  type AuthorizationRow,
  type CertificateRow,
  type OrderRow,
} from './repository.js';
import { AUTHORIZATION_STATUSES, type AuthorizationStatus, type OrderState } from './schema.js';
import { AcmeProblem, shortType, type AcmeTransport } from './transport.js';
import { pemBlocks, toPem } from './x509.js';

/** What one check of one order came to. */
export interface PollOutcome {
  readonly supplierOrderId: string;
  readonly orderId: string;
  /** The order's state after the check. */
  readonly state: OrderState;
  /** Why the order did not move on: the CA unreachable, a failed validation, a refused certificate. */
  readonly error?: SupplierError;
}

/** What one {@link AcmeSupplier.poll} did. */
export interface PollReport {
  readonly outcomes: readonly PollOutcome[];
}

/** What the supplier needs, built by the factory. */
export interface AcmeSupplierDependencies {
  readonly config: ResolvedConfig;
  readonly sql: SqlPort;
  readonly clock: { now(): Date };
  readonly account: AcmeAccount;
  readonly outbox: Outbox;
  readonly transport: AcmeTransport;
  /** Ends this supplier's use of the shared transport. */
  readonly releaseTransport: () => void;
}

/** Orders taken per round trip of the poller. */
const CLAIM_BATCH = 32;
/** Time limit of one self-check look-up. */
const SELF_CHECK_TIMEOUT_MS = 5000;
/** RFC 8555 7.1.6: authorization states after which nothing changes. */
const FINAL_AUTHORIZATION_STATES: readonly AuthorizationStatus[] = ['valid', 'invalid', 'deactivated', 'expired', 'revoked'];
/** The states of a further certificate's row that a re-check of its order concerns. */
const OPEN_STATES: readonly OrderState[] = ['awaiting_validation', 'finalizing', 'validation_failed'];
/**
 * How many ACME orders a revalidation opens at most while the CA still hands back authorizations that
 * are valid already (each is deactivated before the next try): one per authorization the account holds
 * for a name, which the adapter may not all know of.
 */
const REVALIDATION_ATTEMPTS = 5;

function refused(code: string, message: string): SupplierError {
  return new SupplierError(code, message, { retryable: false });
}

function isAuthorizationStatus(value: unknown): value is AuthorizationStatus {
  return typeof value === 'string' && (AUTHORIZATION_STATUSES as readonly string[]).includes(value);
}

/** The CA's error of an authorization: its chosen challenge's, or any challenge's (RFC 8555 7.1.4, 8). */
function authorizationError(authorization: acme.Authorization, challengeUrl: string | null): { type?: unknown; detail?: unknown } | undefined {
  const chosen = authorization.challenges.find((challenge) => challenge.url === challengeUrl);
  const failed = chosen?.error ?? authorization.challenges.find((challenge) => challenge.error !== undefined)?.error;
  return failed as { type?: unknown; detail?: unknown } | undefined;
}

function selfSigned(pem: string): boolean {
  try {
    const certificate = new X509Certificate(pem);
    return certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey);
  } catch {
    return false;
  }
}

/** A new ACME order for a platform order, with its authorizations and what to publish. */
interface Round {
  readonly acmeOrder: acme.Order;
  readonly authorizations: readonly AuthorizationRow[];
  readonly instructions: readonly DcvInstruction[];
  readonly expiresAt: Date | undefined;
}

/**
 * The ACME supplier: a {@link Supplier} that can cancel, re-check (resend the instructions), issue
 * further certificates within an order (reissues and renewals) and revoke.
 */
export class AcmeSupplier implements Supplier, CancelCapability, ApprovalCapability, ReissueCapability, RevokeCapability {
  readonly name: string;
  /** ACME proves control of names, not organisations. */
  readonly validationLevels = ['dv'] as const;
  readonly #deps: AcmeSupplierDependencies;
  /** This process's name on order leases. */
  readonly #holder = randomBytes(8).toString('hex');
  #timer: NodeJS.Timeout | undefined;
  #wakeTimer: NodeJS.Immediate | undefined;
  #running: Promise<PollReport> | undefined;
  /** Whether the poller runs on its own: then a change that makes an order due wakes it at once. */
  #started = false;
  #again = false;
  #closed: Promise<void> | undefined;

  constructor(deps: AcmeSupplierDependencies) {
    this.#deps = deps;
    this.name = deps.config.name;
  }

  /**
   * Accepts an order once: opens an ACME order for its names (RFC 8555 7.4), records its authorizations
   * and the challenge chosen per name, and queues the instructions email to the approver contact. A
   * repeated call — also from another process — returns the first call's supplier order; an ACME order
   * a losing concurrent call opened is left to expire (nothing was signed for it).
   * @throws SupplierError: not retryable when the CA or the adapter cannot take the order as it is
   *   (`rejectedIdentifier`, `caa`, `validation_not_supported`, `names_mismatch`, …); retryable when the
   *   CA is unreachable, busy or rate limited (`ca_unreachable`, `ca_unavailable`, `rateLimited` with `retryAt`).
   */
  async submit(request: SubmitRequest): Promise<SubmitResponse> {
    const { sql, clock, outbox } = this.#deps;
    const existing = await findSupplierOrderId(sql, this.name, request.orderId);
    if (existing !== undefined) return { supplierOrderId: existing };

    const { names, methods } = this.#checkRequest(request);
    const client = await this.#deps.account.client();
    const round = await this.#openRound(client, names, methods, { revalidate: false });
    const now = clock.now();
    const supplierOrderId = randomBytes(16).toString('hex');
    const order: OrderRow = {
      supplierOrderId,
      supplier: this.name,
      orderId: request.orderId,
      csrPem: request.csrPem,
      names,
      requestedMethods: methods,
      approverEmail: request.approverEmail.trim().toLowerCase(),
      language: request.language,
      state: round.acmeOrder.status === 'ready' ? 'finalizing' : 'awaiting_validation',
      stateReason: null,
      round: 1,
      acmeOrderUrl: round.acmeOrder.url,
      finalizeUrl: round.acmeOrder.finalize,
      instructionsSequence: 1,
      checkAttempts: 0,
      createdAt: now,
      requestId: INITIAL_REQUEST_ID,
      kind: 'initial',
      parentId: null,
    };
    const inserted = await sql.transaction(async (tx) => {
      if (!(await insertOrder(tx, order, new Date(Date.now() + this.#deps.config.pollIntervalMs)))) return false;
      await replaceAuthorizations(tx, supplierOrderId, round.authorizations, now);
      await this.#queueRound(tx, order, round, now);
      return true;
    });
    if (!inserted) {
      const winner = await findSupplierOrderId(sql, this.name, request.orderId);
      if (winner === undefined) throw new SupplierError('conflict', `${this.name} could not record order ${request.orderId}; try again.`, { retryable: true });
      return { supplierOrderId: winner };
    }
    await outbox.drain();
    if (order.state === 'finalizing') this.#wake();
    return { supplierOrderId };
  }

  /** The order's state as last seen at the CA (the poller keeps it current); an issued order with its certificate. */
  async status(supplierOrderId: string): Promise<SupplierOrderState> {
    const order = await this.#order(supplierOrderId);
    switch (order.state) {
      case 'awaiting_validation':
      case 'finalizing':
      case 'validation_failed':
        return { state: 'awaiting_validation' };
      case 'cancelled':
      case 'rejected':
        return { state: order.state, reason: order.stateReason ?? '' };
      case 'withheld':
        throw refused('compliance', order.stateReason ?? `${this.name}: the certificate of order ${supplierOrderId} failed the compliance checks and is withheld.`);
      case 'issued': {
        const certificate = await findCertificate(this.#deps.sql, supplierOrderId);
        if (certificate === undefined) throw refused('storage', `${this.name}: order ${supplierOrderId} is issued but its certificate is missing.`);
        return { state: 'issued', certificate: issuedCertificate(certificate) };
      }
    }
  }

  /**
   * The reseller's re-check (`POST /v1/orders/{id}/approval-email`): tells the CA that the challenges
   * of the names still pending are ready (RFC 8555 7.5.1) and resends the instructions, to
   * `approverEmail` when given. After a failed validation it opens a new ACME order instead, whose
   * new instructions (new tokens, so new values) are sent. For an issued order, the re-check concerns
   * its further certificates (reissues, renewals) still being validated. The outcome follows on the timeline.
   * @throws SupplierError: not retryable when the order is past validation; retryable when the CA is unreachable.
   */
  async resendApproval(request: { readonly supplierOrderId: string; readonly approverEmail?: string }): Promise<void> {
    const order = await this.#order(request.supplierOrderId);
    const approverEmail = request.approverEmail?.trim().toLowerCase();
    const further = order.state === 'issued' ? await listFurtherRequests(this.#deps.sql, order.supplierOrderId, OPEN_STATES) : [];
    for (const row of further.length > 0 ? further : [order]) await this.#recheck(row, approverEmail);
    await this.#deps.outbox.drain();
    this.#wake();
  }

  /** The re-check of one certificate's way through the CA (see {@link resendApproval}). */
  async #recheck(order: OrderRow, approverEmail: string | undefined): Promise<void> {
    const { sql, clock } = this.#deps;
    if (order.state === 'validation_failed') {
      await this.#restart(order, approverEmail);
    } else if (order.state === 'awaiting_validation') {
      const client = await this.#deps.account.client();
      const pending = (await listAuthorizations(sql, order.supplierOrderId)).filter((row) => row.status === 'pending' && row.challengeType !== null);
      for (const row of pending) await this.#answer(client, order, row);
      await sql.transaction(async (tx) => {
        const now = clock.now();
        const sequence = await nextInstructionsSequence(tx, order.supplierOrderId, approverEmail, now);
        await supersedePendingInstructions(tx, order.supplierOrderId, now);
        const instructions = pending.map((row) => this.#instruction(row));
        if (instructions.length === 0) return;
        const expiries = pending.flatMap((row) => (row.expiresAt === null ? [] : [row.expiresAt.getTime()]));
        const to = approverEmail ?? order.approverEmail;
        const expiresAt = expiries.length === 0 ? {} : { expiresAt: new Date(Math.min(...expiries)) };
        await enqueue(tx, instructionsEntry(order.supplierOrderId, { orderId: order.orderId, to, language: order.language, sequence, instructions, ...expiresAt }), now);
      });
    } else if (order.state !== 'finalizing') {
      throw refused('not_awaiting_validation', `Order ${order.supplierOrderId} at ${this.name} is ${order.state.replace('_', ' ')}; there is nothing to validate.`);
    }
    await pokeOrder(sql, order.supplierOrderId, new Date());
  }

  /**
   * A further certificate within an issued order (RFC 8555 7.4: a new ACME order) for the request's
   * names — the order's when it gives none — finalized with the request's CSR. It goes the way of the
   * order's first certificate: the instructions email for names the CA wants validated, the poller,
   * the compliance guard, and an `issued` event carrying `requestId`. With `revalidate`, the account's
   * valid authorizations for the names are deactivated first (RFC 8555 7.5.2), so the CA validates
   * every name again. Idempotent per `requestId`, also across processes: a repeated call changes
   * nothing, and an ACME order a losing concurrent call opened is left to expire (nothing was signed for it).
   * @throws SupplierError: not retryable when the order is not issued or the request does not fit it
   *   (`not_issued`, `names_mismatch`, `csr_invalid`, …) or the CA refuses; retryable when the CA is unreachable.
   */
  async reissue(request: ReissueRequest): Promise<void> {
    const { sql, clock, outbox } = this.#deps;
    const order = await this.#order(request.supplierOrderId);
    if (request.requestId === INITIAL_REQUEST_ID) throw refused('request_id_reserved', `${this.name}: the request id ${INITIAL_REQUEST_ID} names the order's first certificate.`);
    if ((await findSupplierOrderId(sql, this.name, order.orderId, request.requestId)) !== undefined) return;
    if (order.state !== 'issued') throw refused('not_issued', `Order ${order.supplierOrderId} at ${this.name} is ${order.state.replace('_', ' ')}; only an issued order gets further certificates.`);
    const domains = request.domains?.map((domain) => ({ name: domain.name, method: domain.dcv.method })) ?? order.names.map((name, index) => ({ name, method: order.requestedMethods[index] ?? 'dns' }));
    const { names, methods } = this.#checkNames(domains, request.csrPem);
    const parentId = order.parentId ?? order.supplierOrderId;
    const client = await this.#deps.account.client();
    const revalidate = request.revalidate === true;
    if (revalidate) await this.#deactivateKnown(client, parentId, names);
    const round = await this.#openRound(client, names, methods, { revalidate });
    const now = clock.now();
    const further: OrderRow = {
      ...order,
      supplierOrderId: randomBytes(16).toString('hex'),
      csrPem: request.csrPem,
      names,
      requestedMethods: methods,
      approverEmail: request.approverEmail?.trim().toLowerCase() ?? order.approverEmail,
      language: request.language ?? order.language,
      state: round.acmeOrder.status === 'ready' ? 'finalizing' : 'awaiting_validation',
      stateReason: null,
      round: 1,
      acmeOrderUrl: round.acmeOrder.url,
      finalizeUrl: round.acmeOrder.finalize,
      checkAttempts: 0,
      createdAt: now,
      requestId: request.requestId,
      kind: request.kind ?? 'reissue',
      parentId,
    };
    const inserted = await sql.transaction(async (tx) => {
      // The order's first row, locked: concurrent requests for it take turns, so the email count has no gaps.
      const parent = await findOrder(tx, this.name, parentId, { lock: true });
      if ((await findSupplierOrderId(tx, this.name, order.orderId, request.requestId)) !== undefined) return false;
      const sequence = round.instructions.length === 0 ? (parent ?? order).instructionsSequence : await nextInstructionsSequence(tx, parentId, undefined, now);
      const row = { ...further, instructionsSequence: sequence };
      if (!(await insertOrder(tx, row, new Date(Date.now() + this.#deps.config.pollIntervalMs)))) return false;
      await replaceAuthorizations(tx, row.supplierOrderId, round.authorizations, now);
      await this.#queueRound(tx, row, round, now);
      return true;
    });
    if (!inserted) return;
    await outbox.drain();
    if (further.state === 'finalizing') this.#wake();
  }

  /**
   * Revokes one certificate of the order (RFC 8555 7.6), signed with the account key, giving the CA the
   * RFC 5280 reason code. Only a certificate this order received is revoked: an account may revoke any
   * certificate for names it holds authorizations for, another order's included. Revoking a revoked
   * certificate succeeds (the CA's `alreadyRevoked`).
   * @throws SupplierError: retryable when the CA could not be reached (or asks to wait, `rateLimited`);
   *   otherwise not retryable, with the CA's detail.
   */
  async revoke(request: RevokeRequest): Promise<void> {
    const { sql, clock } = this.#deps;
    const order = await this.#order(request.supplierOrderId);
    const certificate = await findOrderCertificate(sql, order.parentId ?? order.supplierOrderId, request.serialNumber);
    if (certificate === undefined) throw refused('not_found', `${this.name}: order ${order.supplierOrderId} has no certificate with the serial number ${request.serialNumber}.`);
    if (certificate.revokedAt !== null) return;
    const reasonCode = revocationReasonCode(request.reason);
    const client = await this.#deps.account.client();
    try {
      await client.revokeCertificate(certificate.certificatePem, { reason: reasonCode });
    } catch (caught) {
      if (!(caught instanceof AcmeProblem && shortType(caught.type) === 'alreadyRevoked')) throw this.#revocationError(caught, certificate.serialNumber);
    }
    await markRevoked(sql, certificate.supplierOrderId, reasonCode, clock.now());
  }

  /**
   * A failed revocation: the CA unreachable, or a rate limit with its time, is worth another attempt;
   * any other answer of the CA is its decision on this certificate, which repeating does not change.
   */
  #revocationError(caught: unknown, serialNumber: string): SupplierError {
    const error = toSupplierError(this.name, `revoking the certificate ${serialNumber}`, caught, this.#deps.clock.now());
    if (!(caught instanceof AcmeProblem) || !error.retryable || error.code === 'rateLimited') return error;
    return new AcmeSupplierError(error.code, error.message, { retryable: false, problemType: caught.type });
  }

  /**
   * Cancels an order that is not issued. Its authorizations are then deactivated at the CA (RFC 8555
   * 7.5.2) on a best-effort basis — except those another open order of this account still uses, since
   * CAs reuse authorizations across orders. The platform asked for this, so no event is sent back.
   * @throws SupplierError (`already_issued`) for an issued order.
   */
  async cancel(request: { readonly supplierOrderId: string; readonly reason: string }): Promise<void> {
    const { sql, clock } = this.#deps;
    const order = await this.#order(request.supplierOrderId);
    if (order.state === 'cancelled') return;
    if (order.state === 'issued') throw refused('already_issued', `Order ${order.supplierOrderId} has its certificate already; it can be revoked, not cancelled.`);
    const moved = await setOrderState(sql, order.supplierOrderId, 'cancelled', request.reason, ['awaiting_validation', 'finalizing', 'validation_failed', 'withheld', 'rejected'], clock.now());
    if (!moved) return this.cancel(request);
    await supersedePendingInstructions(sql, order.supplierOrderId, clock.now());
    try {
      const client = await this.#deps.account.client();
      for (const row of await listAuthorizations(sql, order.supplierOrderId)) {
        if ((row.status !== 'pending' && row.status !== 'valid') || (await otherOrdersUsing(sql, row.url, order.supplierOrderId)) > 0) continue;
        const deactivated = await client.deactivateAuthorization({ url: row.url } as acme.Authorization);
        await updateAuthorization(sql, order.supplierOrderId, row.url, { status: isAuthorizationStatus(deactivated.status) ? deactivated.status : 'deactivated', errorType: null, errorDetail: null }, clock.now());
      }
    } catch {
      // Best effort: an authorization left behind expires at the CA by itself (RFC 8555 7.1.4 `expires`).
    }
  }

  /**
   * Checks every open order that is due, a few at a time, and returns what each came to. The factory's
   * timer calls this every `pollIntervalMs`; calling it directly (tests, an operator) is the same. A call
   * while a round runs joins that round, which then looks again for orders that became due meanwhile.
   */
  poll(): Promise<PollReport> {
    if (this.#closed !== undefined) return Promise.resolve({ outcomes: [] });
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      const outcomes: PollOutcome[] = [];
      try {
        do {
          this.#again = false;
          for (;;) {
            const now = Date.now();
            const due = await claimDueOrders(this.#deps.sql, this.name, this.#holder, new Date(now), new Date(now + this.#deps.config.leaseMs), CLAIM_BATCH);
            outcomes.push(...(await this.#inParallel(due)));
            if (due.length < CLAIM_BATCH) break;
          }
        } while (this.#again && this.#closed === undefined);
      } catch {
        // The storage itself failed; the orders stay due and the next tick tries again.
      } finally {
        this.#running = undefined;
      }
      return { outcomes };
    })();
    return this.#running;
  }

  /** Starts the poller's timer; it does not keep the process alive. */
  start(): void {
    this.#started = true;
    this.#timer = setInterval(() => void this.poll(), this.#deps.config.pollIntervalMs);
    this.#timer.unref();
    this.#wake();
  }

  /** Stops the poller and the outbox, waits for work in progress, and lets go of the connection to the CA. A second call waits for the first. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      clearImmediate(this.#wakeTimer);
      await this.#running;
      await this.#deps.outbox.stop();
      this.#deps.releaseTransport();
    })();
    return this.#closed;
  }

  // ---- submission ------------------------------------------------------------------------------

  /** What the adapter checks before it asks the CA: DV only, a readable CSR with exactly the order's names. */
  #checkRequest(request: SubmitRequest): { names: string[]; methods: RequestedMethod[] } {
    if (!isProductCode(request.product)) throw refused('product_unknown', `${this.name} does not offer the product ${JSON.stringify(request.product)}.`);
    if (PRODUCTS[request.product].validation !== 'dv' || request.validation !== 'dv') {
      throw refused('validation_not_supported', `${this.name} issues domain-validated certificates only (ACME proves control of names, not organisations); ${request.product} needs ${String(request.validation).toUpperCase()} validation.`);
    }
    return this.#checkNames(request.domains.map((domain) => ({ name: domain.name, method: domain.dcv.method })), request.csrPem);
  }

  /** A readable CSR with exactly the names asked for, of an order or of a further certificate. */
  #checkNames(domains: readonly { readonly name: string; readonly method: RequestedMethod }[], csrPem: string): { names: string[]; methods: RequestedMethod[] } {
    if (domains.length === 0) throw refused('names_missing', 'The order has no names.');
    const names = domains.map((domain) => comparableName(domain.name));
    const decoded = decodeCsr(csrPem);
    if (!decoded.ok) throw refused('csr_invalid', `The CSR was refused: ${decoded.errors.map((error) => error.message).join(' ')}`);
    const csrNames = new Set(decoded.value.names.map(comparableName));
    const ordered = new Set(names);
    // RFC 8555 7.4: the CA refuses a CSR whose names differ from the order's identifiers, so refuse now rather than after validation.
    if (csrNames.size !== ordered.size || [...ordered].some((name) => !csrNames.has(name))) {
      throw refused('names_mismatch', `The CSR names ${[...csrNames].join(', ')}, but the order names ${[...ordered].join(', ')}; ACME needs the same set.`);
    }
    return { names, methods: domains.map((domain) => domain.method) };
  }

  /**
   * Deactivates the valid authorizations the adapter knows of for `names`, those of every certificate
   * of the order `parentId` (RFC 8555 7.5.2), so that the next ACME order cannot reuse them. One the CA
   * will not deactivate (e.g. it expired meanwhile) is no longer reusable either.
   */
  async #deactivateKnown(client: acme.Client, parentId: string, names: readonly string[]): Promise<void> {
    const { sql, clock } = this.#deps;
    for (const row of await listValidAuthorizations(sql, parentId, names)) {
      const status = await this.#deactivate(client, row.url, row.name);
      await updateAuthorization(sql, row.supplierOrderId, row.url, { status, errorType: null, errorDetail: null }, clock.now());
    }
  }

  /** RFC 8555 7.5.2: POST {"status": "deactivated"}; returns the authorization's state after it. */
  async #deactivate(client: acme.Client, url: string, name: string): Promise<AuthorizationStatus> {
    try {
      const deactivated = await client.deactivateAuthorization({ url } as acme.Authorization);
      return isAuthorizationStatus(deactivated.status) ? deactivated.status : 'deactivated';
    } catch (caught) {
      const error = toSupplierError(this.name, `deactivating the authorization of ${name}`, caught, this.#deps.clock.now());
      if (error.retryable) throw error;
      const [current] = await this.#call(`reading the authorization of ${name}`, () => client.getAuthorizations({ authorizations: [url] } as acme.Order));
      if (current?.status === 'valid') throw error;
      return isAuthorizationStatus(current?.status) ? current.status : 'deactivated';
    }
  }

  /**
   * Opens an ACME order (RFC 8555 7.4), reads its authorizations (7.5) and chooses a challenge for each
   * pending one. Authorizations the CA reused in the `valid` state need nothing (7.1.3) — unless
   * `revalidate` asks for fresh validation: then the reused ones are deactivated (7.5.2) and another
   * order is opened, until the CA offers only new authorizations.
   */
  async #openRound(client: acme.Client, names: readonly string[], methods: readonly RequestedMethod[], options: { readonly revalidate: boolean }): Promise<Round> {
    let acmeOrder: acme.Order;
    let authorizations: acme.Authorization[];
    for (let attempt = 1; ; attempt++) {
      acmeOrder = await this.#call('creating the order', () => client.createOrder({ identifiers: names.map(identifierFor) }));
      const opened = acmeOrder;
      authorizations = await this.#call('reading the authorizations', () => client.getAuthorizations(opened));
      const reused = authorizations.filter((authorization) => authorization.status === 'valid');
      if (!options.revalidate || reused.length === 0) break;
      if (attempt === REVALIDATION_ATTEMPTS) {
        const described = reused.map((authorization) => nameOfAuthorization(authorization.identifier, authorization.wildcard)).join(', ');
        throw new AcmeSupplierError('ca_error', `${this.name}: the CA still reuses earlier validations of ${described} after ${attempt} orders; the names cannot be validated again now.`, { retryable: true });
      }
      for (const authorization of reused) await this.#deactivate(client, authorization.url, nameOfAuthorization(authorization.identifier, authorization.wildcard));
    }
    const rows: AuthorizationRow[] = [];
    const instructions: DcvInstruction[] = [];
    let expiresAt: Date | undefined;
    for (const authorization of authorizations) {
      const name = comparableName(nameOfAuthorization(authorization.identifier, authorization.wildcard));
      const index = names.indexOf(name);
      const position = index === -1 ? names.length + rows.length : index;
      const status = isAuthorizationStatus(authorization.status) ? authorization.status : 'pending';
      const expires = authorization.expires === undefined ? null : new Date(authorization.expires);
      const base = { url: authorization.url, position, name, status, answeredAt: null, errorType: null, errorDetail: null, expiresAt: expires };
      if (status !== 'pending') {
        rows.push({ ...base, challengeType: null, challengeUrl: null, token: null, replaces: null });
        continue;
      }
      const choice = chooseChallenge(name, methods[index] ?? 'dns', authorization.challenges.map((challenge) => challenge.type), this.#deps.config.preferredChallenge);
      const challenge = choice === undefined ? undefined : authorization.challenges.find((candidate) => candidate.type === choice.type);
      if (choice === undefined || challenge === undefined) {
        throw refused('challenge_unavailable', `The CA offers ${authorization.challenges.map((candidate) => candidate.type).join(', ') || 'no challenge'} for ${name}; ${this.name} can prepare dns-01 and http-01 only.`);
      }
      rows.push({ ...base, challengeType: choice.type, challengeUrl: challenge.url, token: challenge.token, replaces: choice.replaces ?? null });
      instructions.push(instructionFor(name, choice, challenge.token, this.#deps.account.thumbprint));
      if (expires !== null && (expiresAt === undefined || expires < expiresAt)) expiresAt = expires;
    }
    rows.sort((a, b) => a.position - b.position);
    instructions.sort((a, b) => names.indexOf(a.domain) - names.indexOf(b.domain));
    return { acmeOrder, authorizations: rows, instructions, expiresAt };
  }

  /** The timeline entry and the instructions email of a new round. */
  async #queueRound(tx: SqlPort, order: OrderRow, round: Round, now: Date): Promise<void> {
    const byType = (type: 'dns-01' | 'http-01') => round.authorizations.filter((row) => row.challengeType === type).map((row) => row.name);
    const reused = round.authorizations.filter((row) => row.status === 'valid').map((row) => row.name);
    const parts = [
      byType('dns-01').length > 0 ? `DNS TXT record (dns-01) for ${byType('dns-01').join(', ')}` : '',
      byType('http-01').length > 0 ? `website file (http-01) for ${byType('http-01').join(', ')}` : '',
      reused.length > 0 ? `already validated at the CA: ${reused.join(', ')}` : '',
    ].filter((part) => part !== '');
    const replaced = round.instructions.filter((instruction) => instruction.replaces === 'email').map((instruction) => `${instruction.domain} (${instruction.method})`);
    const note = replaced.length > 0 ? ` Email approval is not available from an ACME CA; these names are validated as the instructions say instead: ${replaced.join(', ')}.` : '';
    const event: SupplierEvent = {
      type: 'validation_started',
      eventId: `${order.supplierOrderId}.r${order.round}.started`,
      orderId: order.orderId,
      supplierOrderId: order.supplierOrderId,
      detail: `${this.name}: domain control validation${forRequest(order)} ${order.round === 1 ? 'started' : `started again (attempt ${order.round})`}: ${parts.join('; ')}.${note}`,
    };
    await enqueue(tx, eventEntry(order.supplierOrderId, event), now);
    if (round.instructions.length === 0) return;
    await enqueue(
      tx,
      instructionsEntry(order.supplierOrderId, {
        orderId: order.orderId,
        to: order.approverEmail,
        language: order.language,
        sequence: order.instructionsSequence,
        instructions: round.instructions,
        ...(round.expiresAt !== undefined && { expiresAt: round.expiresAt }),
      }),
      now,
    );
  }

  /** After a failed validation: a new ACME order, new instructions. */
  async #restart(order: OrderRow, approverEmail: string | undefined): Promise<void> {
    const { sql, clock } = this.#deps;
    const client = await this.#deps.account.client();
    const round = await this.#openRound(client, order.names, order.requestedMethods, { revalidate: false });
    await sql.transaction(async (tx) => {
      const current = await findOrder(tx, this.name, order.supplierOrderId, { lock: true });
      // Another re-check got here first: its round stands.
      if (current === undefined || current.state !== 'validation_failed' || current.round !== order.round) return;
      const now = clock.now();
      const next: OrderRow = {
        ...current,
        round: current.round + 1,
        acmeOrderUrl: round.acmeOrder.url,
        finalizeUrl: round.acmeOrder.finalize,
        instructionsSequence: await nextInstructionsSequence(tx, order.supplierOrderId, undefined, now),
        approverEmail: approverEmail ?? current.approverEmail,
        state: round.acmeOrder.status === 'ready' ? 'finalizing' : 'awaiting_validation',
      };
      await startRound(tx, order.supplierOrderId, next, now, new Date());
      await supersedePendingInstructions(tx, order.supplierOrderId, now);
      await replaceAuthorizations(tx, order.supplierOrderId, round.authorizations, now);
      await this.#queueRound(tx, next, round, now);
    });
  }

  // ---- the poller ------------------------------------------------------------------------------

  #wake(): void {
    if (!this.#started || this.#closed !== undefined) return;
    clearImmediate(this.#wakeTimer);
    this.#wakeTimer = setImmediate(() => void this.poll());
    this.#wakeTimer.unref();
  }

  async #inParallel(orders: readonly OrderRow[]): Promise<PollOutcome[]> {
    const outcomes: PollOutcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < orders.length) {
        const order = orders[next++]!;
        outcomes.push(await this.#check(order));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#deps.config.concurrency, orders.length) }, worker));
    return outcomes;
  }

  /** One check of one claimed order, then the lease back with the time of the next check. */
  async #check(order: OrderRow): Promise<PollOutcome> {
    const { config, sql, clock } = this.#deps;
    let progressed = false;
    let error: SupplierError | undefined;
    try {
      progressed = await this.#advance(order);
    } catch (caught) {
      error = toSupplierError(this.name, 'checking the order', caught, clock.now());
    }
    const attempts = progressed ? 0 : order.checkAttempts + 1;
    const wallNow = Date.now();
    let delay = Math.min(config.pollIntervalMs * 2 ** Math.min(attempts, 30), config.maxPollMs);
    if (error instanceof AcmeSupplierError && error.retryAt !== undefined) delay = Math.max(delay, error.retryAt.getTime() - clock.now().getTime());
    // A failed release leaves the lease to run out; the order is then due again anyway.
    await releaseOrder(sql, order.supplierOrderId, this.#holder, { at: new Date(wallNow + delay), attempts, lastError: error?.message ?? null }, new Date(wallNow)).catch(() => undefined);
    await this.#deps.outbox.drain();
    const after = await findOrder(sql, this.name, order.supplierOrderId).catch(() => undefined);
    const state = after?.state ?? order.state;
    if (error === undefined && state === 'validation_failed') error = await this.#validationFailure(order.supplierOrderId, after?.stateReason ?? null);
    if (error === undefined && state === 'withheld') error = refused('compliance', after?.stateReason ?? 'The certificate failed the compliance checks.');
    return { supplierOrderId: order.supplierOrderId, orderId: order.orderId, state, ...(error !== undefined && { error }) };
  }

  /** The failed validation of an order as the error of its outcome: coded by the first failed authorization's problem type. */
  async #validationFailure(supplierOrderId: string, reason: string | null): Promise<SupplierError> {
    const failed = (await listAuthorizations(this.#deps.sql, supplierOrderId)).find((row) => row.errorType !== null);
    const message = reason ?? `${this.name}: validation failed.`;
    if (failed === undefined) return new AcmeSupplierError('validation_failed', message, { retryable: false });
    return new AcmeSupplierError(validationError(this.name, failed.name, { type: failed.errorType }).code, message, { retryable: false, problemType: failed.errorType! });
  }

  /**
   * Moves an order one step along RFC 8555 7.1.6's order states.
   * @returns whether anything changed (which resets the backoff).
   */
  async #advance(order: OrderRow): Promise<boolean> {
    const client = await this.#deps.account.client();
    let acmeOrder: acme.Order;
    try {
      acmeOrder = await this.#call('reading the order', () => client.getOrder({ url: order.acmeOrderUrl } as acme.Order));
    } catch (error) {
      // The CA refuses to show the order at all (e.g. it no longer knows it): the round is over, a re-check starts another.
      if (!(error instanceof SupplierError) || error.retryable) throw error;
      await this.#failRound(order, error.message);
      return true;
    }
    // Whatever the order's state, every authorization change since the last check goes on the timeline first.
    const followed = await this.#followAuthorizations(client, order);
    switch (acmeOrder.status) {
      case 'pending':
        return followed;
      case 'ready':
        return this.#finalize(client, order, acmeOrder);
      case 'processing':
        // RFC 8555 7.4: the CA is issuing; look again later.
        return followed;
      case 'valid':
        await this.#collect(client, order, acmeOrder);
        return true;
      case 'invalid': {
        const orderError = acmeOrder.error as { detail?: unknown; type?: unknown } | undefined;
        await this.#failRound(order, validationError(this.name, order.names.join(', '), orderError ?? { detail: 'the CA marked the order invalid (it may have expired)' }).message);
        return true;
      }
    }
  }

  /**
   * Reads each authorization still open, records every change on the timeline, and answers the
   * challenges whose record or file the self-check now finds (RFC 8555 7.5.1).
   */
  async #followAuthorizations(client: acme.Client, order: OrderRow): Promise<boolean> {
    const { sql, clock, config } = this.#deps;
    let progressed = false;
    const open = (await listAuthorizations(sql, order.supplierOrderId)).filter((row) => !FINAL_AUTHORIZATION_STATES.includes(row.status));
    for (const row of open) {
      const [authorization] = await this.#call(`reading the authorization of ${row.name}`, () => client.getAuthorizations({ authorizations: [row.url] } as acme.Order));
      if (authorization === undefined) continue;
      const status = isAuthorizationStatus(authorization.status) ? authorization.status : row.status;
      if (status !== row.status) {
        progressed = true;
        const failure = status === 'invalid' ? validationError(this.name, row.name, authorizationError(authorization, row.challengeUrl)) : undefined;
        await sql.transaction(async (tx) => {
          const now = clock.now();
          const errorType = failure?.problemType ?? null;
          await updateAuthorization(tx, order.supplierOrderId, row.url, { status, errorType, errorDetail: failure?.message ?? null }, now);
          await enqueue(tx, eventEntry(order.supplierOrderId, this.#authorizationEvent(order, row, status, failure)), now);
        });
        continue;
      }
      if (status !== 'pending' || row.answeredAt !== null || row.challengeType === null || !config.selfCheck) continue;
      const challenge = authorization.challenges.find((candidate) => candidate.url === row.challengeUrl);
      if (challenge?.status !== 'pending') continue;
      if (await this.#published(row)) {
        await this.#answer(client, order, row);
        progressed = true;
      }
    }
    return progressed;
  }

  #authorizationEvent(order: OrderRow, row: AuthorizationRow, status: AuthorizationStatus, failure: AcmeSupplierError | undefined): SupplierEvent {
    const described: Record<AuthorizationStatus, string> = {
      pending: `${row.name} awaits validation`,
      valid: `${row.name} is validated${row.challengeType === null ? '' : ` (${row.challengeType})`}`,
      invalid: failure?.message ?? `validation of ${row.name} failed`,
      deactivated: `the authorization of ${row.name} was deactivated`,
      expired: `the authorization of ${row.name} expired before it was validated`,
      revoked: `the authorization of ${row.name} was revoked by the CA`,
    };
    return {
      type: 'validation_started',
      eventId: `${order.supplierOrderId}.r${order.round}.${row.position}.${status}`,
      orderId: order.orderId,
      supplierOrderId: order.supplierOrderId,
      detail: `${this.name}: ${described[status]}.`.replace(/\.\.$/, '.'),
    };
  }

  /** The self-check: does the adapter itself see what the CA will look for (RFC 8555 8.3, 8.4)? */
  async #published(row: AuthorizationRow): Promise<boolean> {
    const { resolver, fetch } = this.#deps.config;
    const instruction = this.#instruction(row);
    try {
      if (instruction.method === 'dns-01') {
        const records = await resolver.resolveTxt(instruction.recordName!);
        return records.some((chunks) => chunks.join('') === instruction.recordValue);
      }
      const response = await fetch(instruction.url!, { signal: AbortSignal.timeout(SELF_CHECK_TIMEOUT_MS), redirect: 'follow' });
      // RFC 8555 8.3: the body must be the key authorization; trailing whitespace is tolerated.
      return response.status === 200 && (await response.text()).trimEnd() === instruction.content;
    } catch {
      return false;
    }
  }

  #instruction(row: AuthorizationRow): DcvInstruction {
    return instructionFor(row.name, { type: row.challengeType!, ...(row.replaces !== null && { replaces: row.replaces }) }, row.token!, this.#deps.account.thumbprint);
  }

  /**
   * Tells the CA a challenge is ready (RFC 8555 7.5.1). A challenge that is no longer pending (another
   * process answered it first) counts as answered.
   */
  async #answer(client: acme.Client, order: OrderRow, row: AuthorizationRow): Promise<void> {
    const { sql, clock } = this.#deps;
    const challenge = { type: row.challengeType, url: row.challengeUrl, token: row.token, status: 'pending' } as Parameters<acme.Client['completeChallenge']>[0];
    try {
      await client.completeChallenge(challenge);
    } catch (error) {
      const [authorization] = await this.#call(`reading the authorization of ${row.name}`, () => client.getAuthorizations({ authorizations: [row.url] } as acme.Order));
      const current = authorization?.challenges.find((candidate) => candidate.url === row.challengeUrl);
      if (current === undefined || current.status === 'pending') throw toSupplierError(this.name, `answering the challenge of ${row.name}`, error, clock.now());
    }
    await sql.transaction(async (tx) => {
      const now = clock.now();
      await markAnswered(tx, order.supplierOrderId, row.url, now);
      await enqueue(
        tx,
        eventEntry(order.supplierOrderId, {
          type: 'validation_started',
          eventId: `${order.supplierOrderId}.r${order.round}.${row.position}.answered`,
          orderId: order.orderId,
          supplierOrderId: order.supplierOrderId,
          detail: `${this.name}: asked the CA to check the ${row.challengeType === 'dns-01' ? 'DNS record' : 'website file'} of ${row.name}.`,
        }),
        now,
      );
    });
  }

  /**
   * Sends the CSR, exactly as submitted (RFC 8555 7.4). A CSR the CA refuses ends the order
   * (`rejected`); any other refusal at this stage ends the round like a failed validation.
   */
  async #finalize(client: acme.Client, order: OrderRow, acmeOrder: acme.Order): Promise<boolean> {
    const { sql, clock, outbox } = this.#deps;
    if (order.state === 'awaiting_validation') {
      await sql.transaction(async (tx) => {
        const now = clock.now();
        if (!(await setOrderState(tx, order.supplierOrderId, 'finalizing', null, ['awaiting_validation'], now))) return;
        await enqueue(
          tx,
          eventEntry(order.supplierOrderId, {
            type: 'validation_started',
            eventId: `${order.supplierOrderId}.r${order.round}.validated`,
            orderId: order.orderId,
            supplierOrderId: order.supplierOrderId,
            detail: `${this.name}: every name is validated; the certificate is requested.`,
          }),
          now,
        );
      });
    }
    try {
      await client.finalizeOrder(acmeOrder, order.csrPem);
      return true;
    } catch (caught) {
      const error = toSupplierError(this.name, 'issuing the certificate for the CSR', caught, clock.now());
      if (error.retryable) throw error;
      const ends = error.code === 'badCSR' || error.code === 'rejectedIdentifier';
      await sql.transaction(async (tx) => {
        const now = clock.now();
        if (!(await setOrderState(tx, order.supplierOrderId, ends ? 'rejected' : 'validation_failed', error.message, ['awaiting_validation', 'finalizing'], now))) return;
        const event: SupplierEvent = ends
          ? { type: 'rejected', eventId: `${order.supplierOrderId}.rejected`, orderId: order.orderId, reason: error.message }
          : { type: 'validation_started', eventId: `${order.supplierOrderId}.r${order.round}.failed`, orderId: order.orderId, supplierOrderId: order.supplierOrderId, detail: `${error.message} A re-check starts again.` };
        await enqueue(tx, eventEntry(order.supplierOrderId, event), now);
      });
      await outbox.drain();
      throw error;
    }
  }

  /** Downloads the certificate chain (RFC 8555 7.4.2), checks it against the order, and delivers or withholds it. */
  async #collect(client: acme.Client, order: OrderRow, acmeOrder: acme.Order): Promise<void> {
    const { sql, clock, config } = this.#deps;
    const chainText = await this.#call('downloading the certificate', () => client.getCertificate(acmeOrder));
    const [leaf, ...rest] = pemBlocks(chainText, 'CERTIFICATE').map((der) => toPem(der, 'CERTIFICATE'));
    if (leaf === undefined) throw new AcmeSupplierError('ca_error', `${this.name}: the CA's certificate download holds no certificate.`, { retryable: true });
    let chain = rest;
    let root = config.rootPem ?? (config.rootUrl === undefined ? undefined : await this.#fetchRoot(config.rootUrl));
    if (root === undefined) {
      // No configured root: a self-signed last certificate is the root; otherwise the last one stands in for it.
      const last = rest.at(-1);
      if (last !== undefined && selfSigned(last)) chain = rest.slice(0, -1);
      root = last ?? leaf;
    }
    const now = clock.now();
    const verdict = checkIssuedCertificate({ certificatePem: leaf, csrPem: order.csrPem, names: order.names, maxValidityDays: maxCertificateValidityDays(now), chainPem: chain, rootPem: root });
    const facts = verdict.ok ? verdict.certificate : undefined;
    const findings = verdict.ok ? [] : [...verdict.findings];
    if (chain.length === 0) findings.push('The CA returned the certificate without its issuing certificate.');
    let summary: Pick<CertificateRow, 'serialNumber' | 'notBefore' | 'notAfter'>;
    try {
      const parsed = new X509Certificate(leaf);
      summary = facts ?? { serialNumber: parsed.serialNumber.toLowerCase(), notBefore: new Date(parsed.validFrom), notAfter: new Date(parsed.validTo) };
    } catch {
      summary = { serialNumber: 'unreadable', notBefore: now, notAfter: now };
    }
    const row: CertificateRow = { certificatePem: leaf, chainPem: chain, rootPem: root, ...summary, findings };
    const reason =
      findings.length === 0
        ? null
        : `${this.name}: the certificate ${summary.serialNumber} returned by the CA failed the compliance checks and was not delivered: ${findings.join(' ')} Staff must review this order.`;
    await sql.transaction(async (tx) => {
      if (!(await setOrderState(tx, order.supplierOrderId, reason === null ? 'issued' : 'withheld', reason, ['awaiting_validation', 'finalizing'], now))) return;
      await insertCertificate(tx, order.supplierOrderId, row, now);
      const events: SupplierEvent[] =
        reason === null
          ? [{ type: 'issued', eventId: `${order.supplierOrderId}.issued`, orderId: order.orderId, requestId: order.requestId, certificate: issuedCertificate(row) }]
          : [
              { type: 'hold', eventId: `${order.supplierOrderId}.compliance`, orderId: order.orderId, reason },
              { type: 'incident', eventId: `${order.supplierOrderId}.compliance-incident`, orderId: order.orderId, kind: 'compliance', detail: reason },
            ];
      for (const event of events) await enqueue(tx, eventEntry(order.supplierOrderId, event), now);
    });
  }

  /** The root from `rootUrl`, fetched at each issuance: a test CA makes a new root on every start. */
  async #fetchRoot(url: string): Promise<string> {
    const response = await this.#call('fetching the root certificate', () => this.#deps.transport.request({ method: 'GET', url }));
    const [der] = pemBlocks(response.body.toString('utf8'), 'CERTIFICATE');
    if (response.status !== 200 || der === undefined) throw new AcmeSupplierError('ca_error', `${this.name}: rootUrl ${url} answered ${response.status} without a PEM certificate.`, { retryable: true });
    return toPem(der, 'CERTIFICATE');
  }

  /**
   * Ends a round whose ACME order became `invalid` (RFC 8555 7.1.6) or unreadable: the reasons — each
   * failed authorization's, else `fallback` — go on the timeline, and a re-check opens the next round.
   */
  async #failRound(order: OrderRow, fallback: string): Promise<void> {
    const { sql, clock } = this.#deps;
    const rows = await listAuthorizations(sql, order.supplierOrderId);
    const reasons = rows
      .filter((row) => row.status === 'invalid' || row.status === 'expired' || row.status === 'deactivated' || row.status === 'revoked')
      .map((row) => row.errorDetail ?? `${this.name}: the authorization of ${row.name} is ${row.status}.`);
    const reason = reasons.length === 0 ? fallback : reasons.join(' ');
    await sql.transaction(async (tx) => {
      const now = clock.now();
      if (!(await setOrderState(tx, order.supplierOrderId, 'validation_failed', reason, ['awaiting_validation', 'finalizing'], now))) return;
      await enqueue(
        tx,
        eventEntry(order.supplierOrderId, {
          type: 'validation_started',
          eventId: `${order.supplierOrderId}.r${order.round}.failed`,
          orderId: order.orderId,
          supplierOrderId: order.supplierOrderId,
          detail: `${reason} Correct what is published, then re-check: new instructions will be sent.`,
        }),
        now,
      );
    });
  }

  /** Runs a call to the CA, turning its failure into a {@link SupplierError}. */
  async #call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toSupplierError(this.name, what, error, this.#deps.clock.now());
    }
  }

  async #order(supplierOrderId: string): Promise<OrderRow> {
    const order = await findOrder(this.#deps.sql, this.name, supplierOrderId);
    if (order === undefined) throw refused('not_found', `${this.name} has no order ${supplierOrderId}.`);
    return order;
  }
}

/** ` for the reissue <id>` on the timeline of a further certificate; nothing for the order's first. */
function forRequest(order: OrderRow): string {
  return order.kind === 'initial' ? '' : ` for the ${order.kind} ${order.requestId}`;
}

function issuedCertificate(row: CertificateRow): IssuedCertificate {
  return { certificatePem: row.certificatePem, chainPem: row.chainPem, rootPem: row.rootPem, serialNumber: row.serialNumber, notBefore: row.notBefore, notAfter: row.notAfter };
}
