/**
 * The use cases of the CA's validation site: show an order's validation, approve or decline it with an
 * approval code, check DNS and website Random Values. Issuance follows in the same transaction as the
 * last validation, so a certificate exists exactly when every name is validated.
 */
import type { DcvMethod } from '../../validation/approver.js';
import type { SqlPort } from '../supplier.js';
import type { DcvFetch, DcvResolver } from './config.js';
import { TOKEN_LIFETIME_MS, checkDns, checkHttp, dnsRecordName, httpValidationUrl, newToken, normalizeApprovalCode, type CheckResult } from './dcv.js';
import type { CertificateIssuer } from './issuance.js';
import { issueWhenReady } from './organization.js';
import type { Outbox } from './outbox.js';
import { eventEntry } from '../shared/outbox.js';
import {
  endRequests,
  enqueue,
  findOrder,
  listApprovals,
  listDomains,
  listWaitingRequests,
  markDomainsValidated,
  replaceToken,
  setOrderState,
  supersedePendingEmails,
  useApproval,
  type DomainRow,
  type OrderRow,
} from './repository.js';
import type { OrderState } from './schema.js';
import type { KeyVault } from './vault.js';

/** One name on the validation page, with what its owner has to do. */
export interface DomainView {
  readonly name: string;
  readonly method: DcvMethod;
  readonly validated: boolean;
  /** DNS method: the TXT record to create and its value. */
  readonly dnsRecord?: { readonly name: string; readonly value: string };
  /** Website method: the URL to serve and the content. */
  readonly httpFile?: { readonly url: string; readonly content: string };
}

/** What the validation page shows of an order: no approver addresses, no platform data. */
export interface OrderView {
  readonly supplierOrderId: string;
  readonly state: OrderState;
  readonly domains: readonly DomainView[];
}

/** A refusal the site shows as it is: an HTTP status, a stable code and a sentence. */
export interface DeskFailure {
  readonly ok: false;
  readonly status: 400 | 404 | 410;
  readonly code: string;
  readonly message: string;
}

/** Success with its details, or a refusal. */
export type DeskResult<T> = ({ readonly ok: true; readonly view: OrderView } & T) | DeskFailure;

function failure(status: DeskFailure['status'], code: string, message: string): DeskFailure {
  return { ok: false, status, code, message };
}

const NOT_FOUND = failure(404, 'not_found', 'There is no validation request with this reference. Check that the link is complete.');
const WRONG_CODE = failure(400, 'wrong_code', 'This approval code is not correct. Check the code in the most recent approval email; an earlier email’s code stops working when a new one is sent.');
const CODE_USED = failure(410, 'code_used', 'This approval code has already been used; each code works once.');
const CODE_EXPIRED = failure(410, 'code_expired', 'This approval code has expired. Ask for a new approval email.');

/** Refusals for an order that no longer awaits validation; an issued order awaits it again while a reissue or renewal waits (`reissuing`). */
function ended(order: OrderRow, reissuing: boolean): DeskFailure | undefined {
  if (order.state === 'cancelled') return failure(410, 'cancelled', 'This certificate request was cancelled; there is nothing to approve any more.');
  if (order.state === 'rejected') return failure(410, 'rejected', 'This certificate request was declined; there is nothing to approve any more.');
  if (order.state === 'issued' && !reissuing) return failure(410, 'already_issued', 'Domain control for this request is already confirmed and the certificate has been issued.');
  return undefined;
}

/** Whether a reissue or renewal of the order waits for validation. */
async function reissuing(sql: SqlPort, supplierOrderId: string): Promise<boolean> {
  return (await listWaitingRequests(sql, supplierOrderId)).length > 0;
}

function domainView(domain: DomainRow): DomainView {
  const base = { name: domain.name, method: domain.method, validated: domain.validatedAt !== null };
  if (domain.token === null) return base;
  if (domain.method === 'dns') return { ...base, dnsRecord: { name: dnsRecordName(domain.name), value: domain.token } };
  return { ...base, httpFile: { url: httpValidationUrl(domain.name, domain.token), content: domain.token } };
}

/** What the desk needs. */
export interface DeskDependencies {
  readonly sql: SqlPort;
  readonly clock: { now(): Date };
  readonly vault: KeyVault;
  readonly outbox: Outbox;
  readonly issuer: CertificateIssuer;
  readonly resolver: DcvResolver;
  readonly fetch: DcvFetch;
}

/** The validation site's use cases. */
export class ValidationDesk {
  readonly #deps: DeskDependencies;

  constructor(deps: DeskDependencies) {
    this.#deps = deps;
  }

  /** The order's validation as the page shows it. */
  async view(supplierOrderId: string): Promise<DeskResult<object>> {
    const order = await findOrder(this.#deps.sql, supplierOrderId);
    if (order === undefined) return NOT_FOUND;
    return { ok: true, view: await this.#view(this.#deps.sql, order) };
  }

  /**
   * Confirms control of the names the code's approver was asked about (BR 3.2.2.4.4): the code must be
   * the approver's current one, unused and unexpired. Issues the certificate when no name is left.
   */
  async approve(supplierOrderId: string, typedCode: string): Promise<DeskResult<{ readonly approved: readonly string[]; readonly issued: boolean }>> {
    const result = await this.#deps.sql.transaction(async (tx) => {
      const spent = await this.#spendCode(tx, supplierOrderId, typedCode);
      if (!spent.ok) return spent;
      const { order, approverEmail, now } = spent;
      const names = (await listDomains(tx, supplierOrderId))
        .filter((domain) => domain.method === 'email' && domain.approverEmail === approverEmail && domain.validatedAt === null)
        .map((domain) => domain.name);
      await markDomainsValidated(tx, supplierOrderId, names, now);
      const issued = await this.#issueWhenValidated(tx, order, now);
      return { ok: true as const, approved: names, issued, view: await this.#view(tx, (await findOrder(tx, supplierOrderId))!) };
    });
    if (result.ok) await this.#deps.outbox.drain();
    return result;
  }

  /** The approver refuses the request: the order is rejected and the platform is told. */
  async decline(supplierOrderId: string, typedCode: string): Promise<DeskResult<object>> {
    const result = await this.#deps.sql.transaction(async (tx) => {
      const spent = await this.#spendCode(tx, supplierOrderId, typedCode);
      if (!spent.ok) return spent;
      const { order, now } = spent;
      await supersedePendingEmails(tx, supplierOrderId, now);
      if (order.state === 'issued') {
        // A reissue or renewal was declined: it ends, and the certificates issued so far stay as they are.
        const reason = 'The domain contact declined the certificate request on the validation site.';
        for (const request of await listWaitingRequests(tx, supplierOrderId)) {
          await enqueue(tx, eventEntry(supplierOrderId, { type: 'request_declined', eventId: `${supplierOrderId}.${request.requestId}.declined`, orderId: order.orderId, requestId: request.requestId, reason }), now);
        }
        await endRequests(tx, supplierOrderId, null, 'declined', now);
      } else {
        const reason = 'The domain contact declined the certificate request on the validation site.';
        await setOrderState(tx, supplierOrderId, 'rejected', reason, now);
        await enqueue(tx, eventEntry(supplierOrderId, { type: 'rejected', eventId: `${supplierOrderId}.rejected`, orderId: order.orderId, reason }), now);
      }
      return { ok: true as const, view: await this.#view(tx, (await findOrder(tx, supplierOrderId))!) };
    });
    if (result.ok) await this.#deps.outbox.drain();
    return result;
  }

  /**
   * Looks up the Random Values of the names still waiting on the DNS or website method, and validates
   * those found. A value older than 30 days is replaced by a new one to publish (BR 3.2.2.4).
   */
  async check(supplierOrderId: string): Promise<DeskResult<{ readonly results: readonly CheckResult[] }>> {
    const { sql, clock } = this.#deps;
    const order = await findOrder(sql, supplierOrderId);
    if (order === undefined) return NOT_FOUND;
    const refusal = ended(order, await reissuing(sql, supplierOrderId));
    if (refusal !== undefined) return refusal;
    const waiting = (await listDomains(sql, supplierOrderId)).filter((domain) => domain.token !== null && domain.validatedAt === null);
    const started = clock.now();
    const results = await Promise.all(
      waiting.map(async (domain): Promise<CheckResult & { readonly expired?: boolean }> => {
        const token = domain.token!;
        if (domain.tokenExpiresAt === null || domain.tokenExpiresAt <= started) {
          return { name: domain.name, passed: false, expired: true, detail: 'The value to publish had expired after 30 days and has been replaced: publish the new value shown.' };
        }
        return domain.method === 'dns' ? checkDns(this.#deps.resolver, domain.name, token) : checkHttp(this.#deps.fetch, domain.name, token);
      }),
    );
    const outcome = await sql.transaction(async (tx) => {
      const locked = await findOrder(tx, supplierOrderId, { lock: true });
      if (locked === undefined) return NOT_FOUND;
      const late = ended(locked, await reissuing(tx, supplierOrderId));
      if (late !== undefined) return late;
      const now = clock.now();
      for (const result of results) {
        if (result.expired) await replaceToken(tx, supplierOrderId, result.name, newToken(), new Date(now.getTime() + TOKEN_LIFETIME_MS));
      }
      await markDomainsValidated(tx, supplierOrderId, results.filter((result) => result.passed).map((result) => result.name), now);
      await this.#issueWhenValidated(tx, locked, now);
      return { ok: true as const, results: results.map(({ name, passed, detail }) => ({ name, passed, detail })), view: await this.#view(tx, (await findOrder(tx, supplierOrderId))!) };
    });
    if (outcome.ok) await this.#deps.outbox.drain();
    return outcome;
  }

  /** Locks the order, finds the approver whose current code this is, and marks the code used. */
  async #spendCode(tx: SqlPort, supplierOrderId: string, typedCode: string): Promise<DeskFailure | { ok: true; order: OrderRow; approverEmail: string; now: Date }> {
    const order = await findOrder(tx, supplierOrderId, { lock: true });
    if (order === undefined) return NOT_FOUND;
    if (order.state === 'cancelled' || order.state === 'rejected') return ended(order, false)!;
    const code = normalizeApprovalCode(typedCode);
    if (code === undefined) return WRONG_CODE;
    const now = this.#deps.clock.now();
    // Every row is compared, each in constant time, so the answer's timing does not tell which one matched.
    let match: Awaited<ReturnType<typeof listApprovals>>[number] | undefined;
    for (const approval of await listApprovals(tx, supplierOrderId)) {
      if (this.#deps.vault.codeMatches(supplierOrderId, code, approval.codeDigest)) match = approval;
    }
    if (match === undefined) return WRONG_CODE;
    if (match.usedAt !== null) return CODE_USED;
    if (now >= match.expiresAt) return CODE_EXPIRED;
    const refusal = ended(order, await reissuing(tx, supplierOrderId));
    if (refusal !== undefined) return refusal;
    if (!(await useApproval(tx, supplierOrderId, match.approverEmail, now))) return CODE_USED;
    return { ok: true, order, approverEmail: match.approverEmail, now };
  }

  /** Issues the first certificate once every name is validated (and, for OV/EV, the organisation), or the reissues whose names are; see {@link issueWhenReady}. */
  async #issueWhenValidated(tx: SqlPort, order: OrderRow, now: Date): Promise<boolean> {
    return issueWhenReady(tx, this.#deps.issuer, order, now);
  }

  /** The page shows an issued order with a waiting reissue or renewal as awaiting validation: its names need the visitor again. */
  async #view(sql: SqlPort, order: OrderRow): Promise<OrderView> {
    const domains = await listDomains(sql, order.supplierOrderId);
    const state = order.state === 'issued' && (await reissuing(sql, order.supplierOrderId)) ? 'awaiting_validation' : order.state;
    return { supplierOrderId: order.supplierOrderId, state, domains: domains.map(domainView) };
  }
}
