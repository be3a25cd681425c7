import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../domain/clock.js';
import type { Language } from '../domain/order.js';
import type { Db, Executor } from '../store/database.js';
import { newId } from '../store/ids.js';
import { listMessages, type OutboxMessage } from '../store/messages.repository.js';
import { assertPlainAddress, bounceAddress, composeMessage, type ComposedMessage } from './compose.js';
import { checkMailConfig, type MailConfig } from './config.js';
import { forwardHeaders, GUARD_STAND_INS, renderReplyForward, REPLY_FORWARD, type ReplyForward } from './forward.js';
import { renderEmail, type TemplateData, type TemplateName } from './templates/index.js';
import type { MailTransport } from './transport.js';
import { assertWhiteLabel, platformTraces } from './white-label.js';

/** The job that delivers one outbox message. */
export const MAIL_SEND_JOB = 'mail.send';

/** The payload of a {@link MAIL_SEND_JOB} job. */
export const mailSendPayload = z.object({ outboxId: z.string().min(1) });

/**
 * The queue the outbox enqueues its delivery jobs on: structurally `jobs/`'s `JobQueue`, declared here
 * so that `mail/` depends on no more of `jobs/` than this (DESIGN.md Components).
 */
export interface OutboxQueue {
  enqueue(db: Executor, job: { name: string; payload: Record<string, unknown>; dedupeKey?: string; maxAttempts?: number }): Promise<void>;
}

/** A delivery job as the runner hands it over (structurally `jobs/`'s `Job`). */
export interface OutboxJob {
  readonly payload: Record<string, unknown>;
  /** 1 on the first run. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

interface EmailAddressing {
  readonly orderId: string;
  readonly resellerId: string | null;
  /** One plain address; an email to several contacts is one message per contact. */
  readonly to: string;
  readonly language: Language;
  /**
   * Tells apart emails that are meant to go again to the same person (a resent approval email, the
   * certificate of a reissue). Default 0.
   */
  readonly sequence?: number;
  /**
   * Tells apart different emails of one template to the same person about the same order (the
   * reseller notices: a refund and a renewal are not the same email). Default none.
   */
  readonly topic?: string;
}

/**
 * One logical email: a template, the data it is rendered from, and who gets it. The order
 * confirmation's data carries the reseller's brand; the generic templates' data has no place for one.
 */
export type OutboxEmail = { [T in TemplateName]: EmailAddressing & { readonly template: T; readonly data: TemplateData[T] } }[TemplateName];

/** What `enqueue` reports about the logical email. */
export interface EnqueuedEmail {
  /** The outbox row id. */
  readonly id: string;
  readonly messageId: string;
  /** False when the same logical email was already in the outbox: nothing was added. */
  readonly created: boolean;
}

/** `pending` until delivered or given up on; the database check constraint has the same list. */
export type { OutboxMessage } from '../store/messages.repository.js';

function checkSequence(sequence = 0): number {
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new TypeError('sequence must be a non-negative integer');
  return sequence;
}

function errorText(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);
}

/**
 * Every email goes through here (DESIGN.md Emails): the customer emails, and the forwards of customers'
 * replies to resellers' representatives. `enqueue` (and `enqueueForward`) renders, composes and signs
 * the message inside the caller's transaction and keeps it with a delivery job, so the state change that
 * causes an email and the email commit together. `deliver` sends the kept bytes unchanged, as often as
 * the queue asks, and never a second message for one logical email: one row per (order, template,
 * recipient, sequence), or per (order, customer's reply, sequence) for a forward, one fixed Message-ID.
 */
export class MailOutbox {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #queue: OutboxQueue;
  readonly #config: MailConfig;
  readonly #traces: readonly string[];
  readonly #transport: MailTransport | undefined;
  readonly #maxAttempts: number | undefined;

  /**
   * `transport` is needed only where messages are delivered (a worker); `maxAttempts` is the delivery
   * job's, the queue's default when not given. Throws on an invalid configuration.
   */
  constructor(deps: { db: Db; clock: Clock; queue: OutboxQueue; config: MailConfig; transport?: MailTransport; maxAttempts?: number }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#queue = deps.queue;
    this.#config = checkMailConfig(deps.config);
    this.#traces = Object.freeze(platformTraces(this.#config));
    this.#transport = deps.transport;
    this.#maxAttempts = deps.maxAttempts;
  }

  /**
   * Adds one logical email and its delivery job in `trx` (given the database instead, in a transaction
   * of its own: the row and its job are never apart). Enqueueing the same logical email again returns
   * the first one and adds nothing. Throws `WhiteLabelError` when the message would carry the
   * platform's name or website, and a TypeError when `to` is not one plain address.
   */
  async enqueue(trx: Executor, email: OutboxEmail): Promise<EnqueuedEmail> {
    if (!trx.isTransaction) return trx.transaction().execute((own) => this.enqueue(own, email));
    assertPlainAddress(email.to);
    const sequence = checkSequence(email.sequence);
    return this.#keep(trx, {
      dedupeKey: `${email.template}${email.topic === undefined ? '' : `/${email.topic}`}:${email.orderId}:${email.to.toLowerCase()}:${sequence}`,
      orderId: email.orderId,
      resellerId: email.resellerId,
      template: email.template,
      to: email.to,
      build: async (id, date) => {
        // The union is correlated (template ↔ data), which TypeScript cannot follow through a call.
        const rendered = renderEmail(email.template as TemplateName, email.data as TemplateData[TemplateName], email.language);
        const message = await composeMessage({ outboxId: id, orderId: email.orderId, to: email.to, language: email.language, date, email: rendered }, this.#config);
        assertWhiteLabel(email.template, message.raw, rendered, this.#traces);
        return { message, subject: rendered.subject };
      },
    });
  }

  /**
   * Adds the forward of a customer's reply to the reseller's representative (DESIGN.md Emails) and its
   * delivery job, like {@link enqueue}: from our domain, Reply-To the customer, the customer's text and
   * files unchanged, DKIM-signed, with a loop-detection header. One forward per order and reply: an
   * SMTP retry of the same reply (same Message-ID, or the same bytes when it has none) returns the
   * first forward and adds nothing.
   *
   * The white-label guard checks our parts only (the note, the headers, the identity), on the forward
   * composed around stand-ins for the customer's content: a reply in which the customer names the
   * platform is still forwarded. Throws `WhiteLabelError` if our parts would carry the platform's name
   * or website, and a TypeError when `to` or the customer's address is not one plain address.
   */
  async enqueueForward(trx: Executor, forward: ReplyForward): Promise<EnqueuedEmail> {
    if (!trx.isTransaction) return trx.transaction().execute((own) => this.enqueueForward(own, forward));
    assertPlainAddress(forward.to);
    assertPlainAddress(forward.customer.address);
    const sequence = checkSequence(forward.sequence);
    const { original } = forward;
    // Hashed: a Message-ID may be up to 998 characters long, and the raw bytes stand in when there is none.
    const reply =
      original.messageId !== null
        ? createHash('sha256').update(`id\0${original.messageId}`).digest('hex')
        : createHash('sha256').update('raw\0').update(original.raw).digest('hex');
    return this.#keep(trx, {
      dedupeKey: `${REPLY_FORWARD}:${forward.orderId}:${reply}:${sequence}`,
      orderId: forward.orderId,
      resellerId: forward.resellerId,
      template: REPLY_FORWARD,
      to: forward.to,
      build: async (id, date) => {
        const compose = async (parts: Pick<ReplyForward, 'to' | 'customer' | 'original'>) => {
          const rendered = renderReplyForward({ orderId: forward.orderId, customer: parts.customer, original: parts.original }, forward.language);
          const message = await composeMessage(
            {
              outboxId: id,
              orderId: forward.orderId,
              to: parts.to,
              language: forward.language,
              date,
              email: rendered,
              replyTo: parts.customer,
              extraHeaders: forwardHeaders(this.#config.mailDomain, parts.original),
            },
            this.#config,
          );
          return { rendered, message };
        };
        const ours = await compose(GUARD_STAND_INS);
        assertWhiteLabel(REPLY_FORWARD, ours.message.raw, ours.rendered, this.#traces);
        const real = await compose(forward);
        return { message: real.message, subject: real.rendered.subject };
      },
    });
  }

  /**
   * Keeps one logical email: the first one under `dedupeKey`, or a new row built by `build` with its
   * delivery job, in `trx`.
   */
  async #keep(
    trx: Executor,
    email: { dedupeKey: string; orderId: string; resellerId: string | null; template: string; to: string; build: (id: string, date: Date) => Promise<{ message: ComposedMessage; subject: string }> },
  ): Promise<EnqueuedEmail> {
    const { dedupeKey } = email;
    const existing = await this.#findByDedupeKey(trx, dedupeKey);
    if (existing) return { ...existing, created: false };

    const id = newId('msg');
    const createdAt = this.#clock.now();
    const { message, subject } = await email.build(id, createdAt);
    const inserted = await trx
      .insertInto('mail_outbox')
      .values({
        id,
        message_id: message.messageId,
        dedupe_key: dedupeKey,
        order_id: email.orderId,
        reseller_id: email.resellerId,
        template: email.template,
        recipient: email.to,
        subject,
        raw: message.raw,
        status: 'pending',
        created_at: createdAt,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      // Another transaction added the same logical email between our look-up and our insert.
      const winner = await this.#findByDedupeKey(trx, dedupeKey);
      if (!winner) throw new Error(`mail outbox: ${dedupeKey} conflicted but cannot be found`);
      return { ...winner, created: false };
    }
    await this.#queue.enqueue(trx, {
      name: MAIL_SEND_JOB,
      payload: { outboxId: id },
      dedupeKey: `${MAIL_SEND_JOB}:${id}`,
      ...(this.#maxAttempts !== undefined && { maxAttempts: this.#maxAttempts }),
    });
    return { id, messageId: message.messageId, created: true };
  }

  /**
   * The `mail.send` handler: sends the stored source unchanged with the bounce address as envelope
   * sender. Safe to run twice: a sent message is not sent again. A failure is recorded on the row and
   * rethrown for the queue to retry; after the job's last attempt the row is `dead`.
   */
  async deliver(job: OutboxJob): Promise<void> {
    const { outboxId } = mailSendPayload.parse(job.payload);
    const row = await this.#db.selectFrom('mail_outbox').select(['id', 'status', 'recipient', 'raw']).where('id', '=', outboxId).executeTakeFirst();
    if (!row) throw new Error(`mail outbox: message ${outboxId} does not exist`);
    if (row.status === 'sent') return;
    try {
      if (!this.#transport) throw new Error('mail outbox: no transport is configured in this process');
      await this.#transport.send({ from: bounceAddress(this.#config.mailDomain), to: row.recipient }, row.raw);
    } catch (error) {
      await this.#db
        .updateTable('mail_outbox')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: errorText(error), status: job.attempt >= job.maxAttempts ? 'dead' : 'pending' }))
        .where('id', '=', outboxId)
        .where('status', '<>', 'sent')
        .execute();
      throw error;
    }
    await this.#db
      .updateTable('mail_outbox')
      .set((eb) => ({ status: 'sent', sent_at: this.#clock.now(), attempts: eb('attempts', '+', 1), last_error: null }))
      .where('id', '=', outboxId)
      .execute();
  }

  /** Messages newest first, for staff (`GET /v1/staff/messages`); `before` is a message id from an earlier page. */
  async list(filter: { limit: number; before?: string; orderId?: string }): Promise<OutboxMessage[]> {
    return listMessages(this.#db, filter);
  }

  async #findByDedupeKey(db: Executor, dedupeKey: string): Promise<{ id: string; messageId: string } | undefined> {
    const row = await db.selectFrom('mail_outbox').select(['id', 'message_id']).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
    return row && { id: row.id, messageId: row.message_id };
  }
}
