import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountsService } from '../../accounts/accounts.service.js';
import type { OffsetClock } from '../../domain/clock.js';
import { CertbrokerError } from '../../domain/errors.js';
import type { CancellationService } from '../../orders/cancellation.service.js';
import type { OrdersService } from '../../orders/orders.service.js';
import { resellerOf, staffOf } from '../auth.js';
import { presentLedgerEntry, presentOrderDetails } from '../presenters.js';
import * as s from '../schemas.js';

const secured = [{ apiKey: [] }];
const idOf = (params: unknown) => (params as { id: string }).id;
const DURATION = /^(\d{1,4})(d|h|m)$/;

function presentRefund(r: Awaited<ReturnType<CancellationService['approveRefund']>>) {
  return { ...r, amount: { amount: r.amount, currency: r.currency }, createdAt: r.createdAt.toISOString(), decidedAt: r.decidedAt?.toISOString() ?? null };
}

/** Cancellation (resellers), the refund queue and adjustments (staff), the CA desk and the development clock. */
export function cancellationRoutes(
  app: FastifyInstance,
  deps: { cancellation: CancellationService; orders: OrdersService; accounts: AccountsService; devClock?: OffsetClock },
): void {
  const { cancellation, orders, accounts } = deps;

  app.post('/v1/orders/:id/cancel', {
    schema: {
      tags: ['orders'],
      summary: 'Cancel an order, with an automatic full refund',
      description:
        'Before release: at once. Released and not completed: from cancellableAt (seven days after releasedAt); earlier is a 409 naming the moment. Issued orders cannot be cancelled. Repeating the call returns the cancelled order and refunds nothing more.',
      security: secured,
      params: s.idParams,
      body: z.object({ reason: z.string().optional() }).optional(),
      response: { 200: s.orderDetails, 404: s.errorResponse, 409: s.errorResponse },
    },
    handler: async (request) => {
      const { actor } = resellerOf(request);
      const order = await cancellation.cancel(actor, idOf(request.params), (request.body ?? {}) as { reason?: unknown });
      return presentOrderDetails(order, await orders.events(order.id));
    },
  });

  app.get('/v1/staff/refunds', {
    schema: {
      tags: ['staff'],
      summary: 'The refund queue: supplier cancellations waiting for staff, oldest first',
      security: secured,
      querystring: z.object({ status: z.enum(['open', 'approved', 'declined']).optional() }),
    },
    handler: async (request) => {
      staffOf(request);
      const status = (request.query as { status?: unknown }).status ?? 'open';
      if (status !== 'open' && status !== 'approved' && status !== 'declined') {
        throw new CertbrokerError('invalid', 'query.invalid', 'The query has invalid parameters.', [{ path: 'status', code: 'status.unknown', message: 'status must be open, approved or declined.' }]);
      }
      const queue = await cancellation.refundQueue(status);
      return { data: queue.data.map(presentRefund), oldestWaitingSeconds: queue.oldestWaitingSeconds };
    },
  });

  app.post('/v1/staff/refunds/:id/approve', {
    schema: { tags: ['staff'], summary: 'Approve a refund: the ledger credit, once', security: secured, params: s.idParams, body: z.object({ note: z.string().optional() }).optional() },
    handler: async (request) => presentRefund(await cancellation.approveRefund(staffOf(request), idOf(request.params), (request.body ?? {}) as { note?: unknown })),
  });

  app.post('/v1/staff/refunds/:id/decline', {
    schema: { tags: ['staff'], summary: 'Decline a refund with a note the reseller is told', security: secured, params: s.idParams, body: z.object({ note: z.string() }) },
    handler: async (request) => presentRefund(await cancellation.declineRefund(staffOf(request), idOf(request.params), (request.body ?? {}) as { note?: unknown })),
  });

  app.post('/v1/staff/resellers/:id/adjustments', {
    schema: {
      tags: ['staff'],
      summary: 'A reasoned ledger adjustment (positive credits, negative debits)',
      security: secured,
      params: s.idParams,
      body: z.object({ amount: z.union([z.number(), z.string()]), reason: z.string(), reference: z.string() }),
      response: { 201: s.ledgerEntry, 200: s.ledgerEntry },
    },
    handler: async (request, reply) => {
      const result = await accounts.adjust(staffOf(request), idOf(request.params), (request.body ?? {}) as { amount: unknown; reason: unknown; reference: unknown });
      reply.status(result.applied ? 201 : 200);
      return presentLedgerEntry(result.entry);
    },
  });

  app.post('/v1/staff/ca-desk/orders/:id/cancel', {
    schema: {
      tags: ['staff'],
      summary: 'The embedded CA’s desk: cancel an order from the supplier’s side',
      description: 'The CA reports the cancellation back like any supplier: the order becomes cancelled_by_supplier and its refund waits in the staff queue.',
      security: secured,
      params: s.idParams,
      body: z.object({ reason: z.string().optional() }).optional(),
    },
    handler: async (request, reply) => {
      staffOf(request);
      await cancellation.deskCancel(idOf(request.params), (request.body ?? {}) as { reason?: unknown });
      return reply.status(202).send({ orderId: idOf(request.params), status: 'cancellation reported by the CA' });
    },
  });

  const devClock = deps.devClock;
  if (devClock !== undefined) {
    app.post('/v1/staff/dev/clock', {
      schema: {
        tags: ['development'],
        summary: 'Development only (CERTBROKER_DEV_CLOCK=1): move the platform’s clock forward',
        security: secured,
        body: z.object({ advance: z.string().describe('e.g. "8d", "12h", "30m"') }),
      },
      handler: async (request) => {
        staffOf(request);
        const match = DURATION.exec(String((request.body as { advance?: unknown } | null)?.advance ?? ''));
        if (!match) throw new CertbrokerError('invalid', 'request.invalid', 'The request has invalid fields.', [{ path: 'advance', code: 'duration.invalid', message: 'advance must look like 8d, 12h or 30m.' }]);
        const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
        devClock.advance(Number(match[1]) * unit);
        return { now: devClock.now().toISOString(), offsetMs: devClock.offsetMs };
      },
    });
  }
}
