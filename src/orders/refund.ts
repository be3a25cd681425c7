import type { Actor } from '../domain/order.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Tx } from '../store/database.js';
import type { OrderDetails } from '../store/orders.repository.js';
import { orderMoney } from '../store/refunds.repository.js';

/**
 * Credits what was debited for an order and not yet refunded, in the caller's transaction. The ledger's
 * reference and the database's constraints make a second refund, or one above the debit, impossible.
 */
export async function refundInFull(ledger: Ledger, trx: Tx, order: OrderDetails, actor: Actor, note: string): Promise<{ amount: number; currency: string }> {
  const money = await orderMoney(trx, order.id);
  const amount = money.debited - money.refunded;
  if (amount > 0) {
    await ledger.move(trx, { resellerId: order.resellerId, kind: 'refund', amount, currency: order.price.currency, reference: `refund:${order.id}`, orderId: order.id, note, actor });
  }
  return { amount, currency: order.price.currency };
}
