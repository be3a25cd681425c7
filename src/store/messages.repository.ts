import { sql } from 'kysely';
import type { Executor } from './database.js';

/** An email as sent (or still to be sent), with its raw RFC 5322 source. */
export interface OutboxMessage {
  readonly id: string;
  readonly messageId: string;
  readonly orderId: string | null;
  readonly resellerId: string | null;
  readonly template: string;
  readonly recipient: string;
  readonly subject: string;
  readonly status: 'pending' | 'sent' | 'dead';
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
  readonly raw: string;
}

/** Messages of the outbox, newest first, optionally of one order or recipient. */
export async function listMessages(
  db: Executor,
  page: { limit: number; /** A message id: continue with the messages older than it. */ before?: string; orderId?: string; recipient?: string; template?: string },
): Promise<OutboxMessage[]> {
  let query = db
    .selectFrom('mail_outbox')
    .select(['id', 'message_id', 'order_id', 'reseller_id', 'template', 'recipient', 'subject', 'status', 'attempts', 'last_error', 'created_at', 'sent_at', 'raw']);
  if (page.orderId !== undefined) query = query.where('order_id', '=', page.orderId);
  if (page.recipient !== undefined) query = query.where('recipient', '=', page.recipient);
  if (page.template !== undefined) query = query.where('template', '=', page.template);
  if (page.before !== undefined) {
    query = query.where(sql<boolean>`(created_at, id) < (select m.created_at, m.id from mail_outbox m where m.id = ${page.before})`);
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    messageId: r.message_id,
    orderId: r.order_id,
    resellerId: r.reseller_id,
    template: r.template,
    recipient: r.recipient,
    subject: r.subject,
    status: r.status as OutboxMessage['status'],
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    raw: r.raw,
  }));
}
