import type { FastifyInstance } from 'fastify';
import { ORDER_STATUSES } from '../../domain/order.js';
import { dashboardCounts } from '../../store/dashboard.repository.js';
import type { Db } from '../../store/database.js';
import { staffOf } from '../auth.js';

const secured = [{ apiKey: [] }];

/** The staff console's dashboard: every order status with its count, and the queues waiting for staff. */
export function dashboardRoutes(app: FastifyInstance, deps: { db: Db }): void {
  app.get('/v1/staff/dashboard', {
    schema: { tags: ['staff'], summary: 'Orders by status, holds and refunds waiting (with the oldest)', security: secured },
    handler: async (request) => {
      staffOf(request);
      const counts = await dashboardCounts(deps.db);
      return {
        ordersByStatus: Object.fromEntries(ORDER_STATUSES.map((status) => [status, counts.ordersByStatus[status] ?? 0])),
        holdsWaiting: counts.holdsWaiting,
        oldestHoldSince: counts.oldestHoldSince?.toISOString() ?? null,
        refundsWaiting: counts.refundsWaiting,
        oldestRefundSince: counts.oldestRefundSince?.toISOString() ?? null,
      };
    },
  });
}
