import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Clock } from '../domain/clock.js';
import { CertbrokerError } from '../domain/errors.js';
import type { Job, JobQueue } from '../jobs/queue.js';
import type { Db, Executor } from '../store/database.js';
import * as repo from '../store/webhooks.repository.js';

/** Event types a reseller may receive. */
export const WEBHOOK_EVENT_TYPES = [
  'order.received',
  'order.released',
  'order.awaiting_validation',
  'order.issued',
  'order.certificate_reissued',
  'order.hold',
  'order.hold_released',
  'order.cancelled',
  'order.cancelled_by_supplier',
  'order.rejected',
  'order.approval_email_sent',
  'order.documents_requested',
  'order.dcv_instructions_sent',
  'order.cancellable',
  'order.cancel_refused',
  'order.refund_approved',
  'order.refund_declined',
  'order.renewal_started',
  'order.renewal_csr_required',
  'order.certificate_request_failed',
  'order.certificate_renewed',
  'order.certificate_expiring',
  'order.term_ending',
  'order.revocation_requested',
  'order.certificate_revoked',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Seconds a receiver should accept a signature's timestamp for (replay protection, Standard Webhooks). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The signature of a delivery: HMAC-SHA256 over `id.timestamp.body` with the reseller's secret, sent as
 * `Webhook-Signature: v1,<base64>` beside `Webhook-Id` and `Webhook-Timestamp` (the Standard Webhooks scheme).
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Whether an address is one a webhook must never be sent to from production (SSRF). */
function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local')) return true;
  if (isIP(host) === 4) return /^(10\.|127\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|0\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/.test(host);
  if (isIP(host) === 6) return host === '::1' || host === '::' || /^(fc|fd|fe8|fe9|fea|feb)/.test(host);
  return false;
}

/** Records reseller events and delivers them to the reseller's webhook endpoint, signed, retried by the queue. */
export class Webhooks {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #queue: JobQueue;
  readonly #allowPrivateTargets: boolean;
  readonly #timeoutMs: number;

  constructor(deps: { db: Db; clock: Clock; queue: JobQueue; allowPrivateTargets: boolean; timeoutMs?: number }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#queue = deps.queue;
    this.#allowPrivateTargets = deps.allowPrivateTargets;
    this.#timeoutMs = deps.timeoutMs ?? 10_000;
  }

  /**
   * Records an event about one of the reseller's orders in the caller's transaction and queues its
   * delivery. Its data names the order; `key` (default: the type) makes recording idempotent within the
   * order, and the event id derived from it is stable, so a repeated delivery is recognisable.
   */
  async recordOrderEvent(trx: Executor, order: { readonly id: string; readonly resellerId: string }, type: WebhookEventType, data: Record<string, unknown>, key: string = type): Promise<void> {
    const id = `evt_${createHmac('sha256', 'webhook-event-id').update(`${order.resellerId}:${order.id}:${key}`).digest('hex').slice(0, 24)}`;
    const createdAt = this.#clock.now();
    await repo.insertWebhookEvent(trx, {
      id,
      resellerId: order.resellerId,
      type,
      orderId: order.id,
      payload: { id, type, createdAt: createdAt.toISOString(), data: { orderId: order.id, ...data } },
      createdAt,
    });
    await this.#queue.enqueue(trx, { name: 'webhook.deliver', payload: { eventId: id }, dedupeKey: `webhook.deliver:${id}`, maxAttempts: 12 });
  }

  /** Sets the endpoint; a new secret is made on the first call or when asked to rotate. Returns the secret. */
  async configure(resellerId: string, input: { url?: unknown; rotateSecret?: unknown }): Promise<{ url: string; secret: string }> {
    const url = input.url;
    let parsed: URL | undefined;
    try {
      parsed = typeof url === 'string' && url.length <= 2000 ? new URL(url) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['https:', 'http:'].includes(parsed.protocol)) {
      throw new CertbrokerError('invalid', 'webhook.invalid_url', 'The webhook URL is not valid.', [
        { path: 'url', code: 'url.invalid', message: 'url must be an http(s) URL of at most 2000 characters.' },
      ]);
    }
    if (!this.#allowPrivateTargets && isPrivateHost(parsed.hostname)) {
      throw new CertbrokerError('invalid', 'webhook.private_target', 'The webhook URL points to a private or local address.', [
        { path: 'url', code: 'url.private_address', message: 'url must reach a public host: private, loopback and link-local addresses are refused.' },
      ]);
    }
    const existing = await repo.findEndpoint(this.#db, resellerId);
    const secret = existing && input.rotateSecret !== true ? existing.secret : `whsec_${randomBytes(24).toString('base64url')}`;
    await repo.upsertEndpoint(this.#db, resellerId, { url: parsed.toString(), secret, at: this.#clock.now() });
    return { url: parsed.toString(), secret };
  }

  async endpoint(resellerId: string): Promise<repo.WebhookEndpoint | undefined> {
    return repo.findEndpoint(this.#db, resellerId);
  }

  async remove(resellerId: string): Promise<void> {
    await repo.deleteEndpoint(this.#db, resellerId);
  }

  async deliveries(resellerId: string, page: { limit: number; before?: number }): Promise<repo.WebhookDelivery[]> {
    return repo.listDeliveries(this.#db, resellerId, page);
  }

  /** The `webhook.deliver` job: one signed POST; a non-2xx answer or a network error is retried with backoff. */
  async deliver(job: Job): Promise<void> {
    const eventId = String(job.payload.eventId);
    const event = await repo.findWebhookEvent(this.#db, eventId);
    if (!event || event.deliveredAt !== null) return;
    const endpoint = await repo.findEndpoint(this.#db, event.resellerId);
    if (!endpoint) return; // no endpoint configured: the event stays readable, nothing to send
    const body = JSON.stringify(event.payload);
    const timestamp = Math.floor(this.#clock.now().getTime() / 1000);
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
        headers: {
          'content-type': 'application/json',
          'webhook-id': event.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(endpoint.secret, event.id, timestamp, body),
        },
        body,
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (e) {
      error = (e as Error).message;
    }
    await repo.insertDelivery(this.#db, {
      eventId,
      attempt: job.attempt,
      at: this.#clock.now(),
      url: endpoint.url,
      statusCode,
      error,
      durationMs: Math.round(performance.now() - started),
    });
    if (error !== null) throw new Error(`webhook delivery to ${endpoint.url} failed: ${error}`);
    await repo.markDelivered(this.#db, eventId, this.#clock.now());
  }
}

