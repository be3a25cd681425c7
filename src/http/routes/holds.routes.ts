import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HoldsService } from '../../orders/holds.service.js';
import { staffOf } from '../auth.js';
import { presentOrder, presentOrderDetails } from '../presenters.js';
import * as s from '../schemas.js';

const secured = [{ apiKey: [] }];
const idOf = (params: unknown) => (params as { id: string }).id;

/** The staff hold queue of the fraud screen: oldest first, with the rules that fired; release or reject. */
export function holdsRoutes(app: FastifyInstance, holds: HoldsService): void {
  app.get('/v1/staff/holds', {
    schema: { tags: ['staff'], summary: 'Orders held by the fraud screen, oldest first, with the rules that fired and the reseller’s history', security: secured },
    handler: async (request) => {
      staffOf(request);
      const queue = await holds.queue();
      return {
        data: queue.map((item) => ({
          order: presentOrder(item.order),
          score: item.hold.score,
          rules: item.hold.hits,
          heldAt: item.hold.screenedAt.toISOString(),
          waitingSeconds: item.waitingSeconds,
          reseller: item.reseller && { ...item.reseller, createdAt: item.reseller.createdAt.toISOString() },
        })),
        oldestWaitingSeconds: queue[0]?.waitingSeconds ?? null,
      };
    },
  });

  for (const action of ['release', 'reject'] as const) {
    app.post(`/v1/staff/holds/:id/${action}`, {
      schema: {
        tags: ['staff'],
        summary: action === 'release' ? 'Release a held order: it goes on to its supplier' : 'Reject a held order: rejected, refunded in full, the reseller told',
        security: secured,
        params: s.idParams,
        body: z.object({ note: z.string() }),
        response: { 200: s.orderDetails, 404: s.errorResponse, 409: s.errorResponse, 422: s.errorResponse },
      },
      handler: async (request) => {
        const actor = staffOf(request);
        const body = (request.body ?? {}) as { note?: unknown };
        const order = action === 'release' ? await holds.release(actor, idOf(request.params), body) : await holds.reject(actor, idOf(request.params), body);
        return presentOrderDetails(order, await holds.events(order.id));
      },
    });
  }
}
