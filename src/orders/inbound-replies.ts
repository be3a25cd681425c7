import type { Clock } from '../domain/clock.js';
import type { Language } from '../domain/order.js';
import type { InboundReply, InboundRoute } from '../mail/inbound.js';
import type { MailOutbox } from '../mail/outbox.js';
import type { Db } from '../store/database.js';
import { appendEvent } from '../store/orders.repository.js';

/** Days after an order closed during which its customers' replies are still forwarded. */
const REPLY_WINDOW_AFTER_CLOSE_DAYS = 90;
const CLOSED = ['rejected', 'cancelled', 'cancelled_by_supplier'];

/**
 * Where customers' replies go (DESIGN.md Emails): to the reseller's account representative, recorded on
 * the order's timeline. The listener refuses what `resolve` does not route, during the SMTP conversation.
 */
export function inboundReplies(deps: { db: Db; clock: Clock; outbox: MailOutbox }) {
  const { db, clock, outbox } = deps;
  return {
    async resolve(orderId: string): Promise<InboundRoute | undefined> {
      const row = await db
        .selectFrom('orders')
        .innerJoin('resellers', 'resellers.id', 'orders.reseller_id')
        .select(['orders.reseller_id', 'orders.status', 'orders.updated_at', 'resellers.rep_email'])
        .where('orders.id', '=', orderId)
        .executeTakeFirst();
      if (!row) return undefined;
      const closedLongAgo = CLOSED.includes(row.status) && clock.now().getTime() - row.updated_at.getTime() > REPLY_WINDOW_AFTER_CLOSE_DAYS * 86_400_000;
      return { resellerId: row.reseller_id, repEmail: row.rep_email || null, acceptingReplies: !closedLongAgo };
    },
    async accept(reply: InboundReply): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const order = await trx.selectFrom('orders').select('language').where('id', '=', reply.orderId).executeTakeFirstOrThrow();
        const forward = await outbox.enqueueForward(trx, {
          orderId: reply.orderId,
          resellerId: reply.resellerId,
          to: reply.repEmail,
          language: order.language as Language,
          customer: reply.from,
          original: reply,
        });
        if (!forward.created) return; // an SMTP retry of a reply already kept adds nothing
        await appendEvent(trx, {
          orderId: reply.orderId,
          at: clock.now(),
          type: 'reply.forwarded',
          fromStatus: null,
          toStatus: null,
          actor: { type: 'system', id: 'mail.inbound' },
          note: `A reply from ${reply.from.address} was forwarded to the account representative.`,
          data: { outboxId: forward.id, messageId: forward.messageId },
        });
      });
    },
  };
}
