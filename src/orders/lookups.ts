import { CertbrokerError } from '../domain/errors.js';
import type { Job } from '../jobs/queue.js';
import { PermanentJobError } from '../jobs/queue.js';
import { findReseller, type Reseller } from '../store/accounts.repository.js';
import type { Executor } from '../store/database.js';
import { findOrder, type OrderDetails } from '../store/orders.repository.js';

/** The lookups every use case starts from, with the answer each gives when the thing is missing. */

/** One of the reseller's orders; another reseller's order does not exist for this caller (a 404). */
export async function ownedOrder(db: Executor, resellerId: string, orderId: string): Promise<OrderDetails> {
  const order = await findOrder(db, resellerId, orderId);
  if (!order) throw new CertbrokerError('not_found', 'order.not_found', 'No such order.');
  return order;
}

/** The order a job is about; a job for an order that does not exist can never succeed. */
export async function jobOrder(db: Executor, job: Job): Promise<OrderDetails> {
  const order = await findOrder(db, null, String(job.payload.orderId));
  if (!order) throw new PermanentJobError(`no order ${String(job.payload.orderId)}`);
  return order;
}

/** The reseller of an order a job handles. */
export async function jobReseller(db: Executor, id: string): Promise<Reseller> {
  const reseller = await findReseller(db, id);
  if (!reseller) throw new PermanentJobError(`no reseller ${id}`);
  return reseller;
}
