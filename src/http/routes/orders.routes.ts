import type { FastifyInstance } from 'fastify';
import type { SubscriptionsService } from '../../orders/subscriptions.service.js';
import { z } from 'zod';
import type { OrdersService } from '../../orders/orders.service.js';
import { resellerOf } from '../auth.js';
import { presentOrder, presentOrderDetails } from '../presenters.js';
import * as s from '../schemas.js';
import { decodeTimeCursor, encodeTimeCursor, pageLimit, paginate } from '../pagination.js';

const secured = [{ apiKey: [] }];

/** Reseller order intake: CSR decoding, approver addresses, validation as typed, placement, reading. */
export function orderRoutes(app: FastifyInstance, orders: OrdersService, subscriptions: SubscriptionsService): void {
  app.post('/v1/csr/decode', {
    schema: {
      tags: ['orders'],
      summary: 'Decode and check a CSR',
      description: 'Returns what the CSR contains (names, key, subject) or every rule it breaks.',
      security: secured,
      body: z.object({ csr: z.string() }),
    },
    handler: async (request) => {
      resellerOf(request);
      return orders.decodeCsr((request.body as { csr?: unknown } | null)?.csr);
    },
  });

  app.get('/v1/approver-emails', {
    schema: {
      tags: ['orders'],
      summary: 'Allowed approver addresses for a domain',
      description: 'BR 3.2.2.4.4 constructed addresses at the name and each parent down to the registrable domain.',
      security: secured,
      querystring: z.object({ domain: z.string() }),
      response: { 200: z.object({ domain: z.string(), unicode: z.string(), emails: z.array(z.string()) }), 422: s.errorResponse },
    },
    handler: async (request) => {
      resellerOf(request);
      return orders.approverEmails((request.query as { domain?: unknown }).domain);
    },
  });

  app.post('/v1/orders/validate', {
    schema: {
      tags: ['orders'],
      summary: 'Validate a partial order as it is typed',
      description: 'Any partial order is accepted; a missing required field is an error on its path like any other. Cheap enough to call on every keystroke.',
      security: secured,
      body: s.orderRequest.partial(),
      response: { 200: s.validationReport },
    },
    handler: async (request) => {
      const { resellerId } = resellerOf(request);
      return orders.validate(resellerId, request.body);
    },
  });

  app.post('/v1/orders', {
    schema: {
      tags: ['orders'],
      summary: 'Place an order',
      description:
        'Validates, prices and debits the prepaid balance in one transaction. Requires an Idempotency-Key header: the same key and body returns the same order (header Idempotent-Replayed: true); the same key with another body is a 409.',
      security: secured,
      headers: z.object({ 'idempotency-key': z.string() }),
      body: s.orderRequest,
      response: { 201: s.orderDetails, 402: s.errorResponse, 409: s.errorResponse, 422: s.errorResponse },
    },
    handler: async (request, reply) => {
      const { actor } = resellerOf(request);
      const key = request.headers['idempotency-key'];
      const placed = await orders.place(actor, request.body, typeof key === 'string' ? key : undefined);
      if (placed.replayed) reply.header('idempotent-replayed', 'true');
      reply.status(201);
      return presentOrderDetails(placed.order, await orders.events(placed.order.id));
    },
  });

  app.get('/v1/orders', {
    schema: {
      tags: ['orders'],
      summary: "List the caller's orders",
      description: 'Newest first. Filter by status or by domain (A-label or Unicode); follow nextCursor for the next page.',
      security: secured,
      querystring: z.object({ status: z.string().optional(), domain: z.string().optional(), limit: z.number().optional(), cursor: z.string().optional() }),
      response: { 200: s.page(s.order) },
    },
    handler: async (request) => {
      const { resellerId } = resellerOf(request);
      const query = request.query as { status?: unknown; domain?: unknown; limit?: unknown; cursor?: unknown };
      const limit = pageLimit(query.limit);
      const after = decodeTimeCursor(query.cursor);
      const rows = await orders.list(resellerId, { status: query.status, domain: query.domain, limit: limit + 1, ...(after !== undefined && { after }) });
      const page = paginate(rows, limit, (o) => encodeTimeCursor(o.createdAt, o.id));
      return { data: page.data.map(presentOrder), nextCursor: page.nextCursor };
    },
  });

  app.get('/v1/orders/:id', {
    schema: {
      tags: ['orders'],
      summary: 'One order with its timeline',
      description: "Another reseller's order is a 404.",
      security: secured,
      params: s.idParams,
      response: { 200: s.orderDetails, 404: s.errorResponse },
    },
    handler: async (request) => {
      const { resellerId } = resellerOf(request);
      const order = await orders.get(resellerId, (request.params as { id: string }).id);
      const [events, subscription] = await Promise.all([orders.events(order.id), subscriptions.view(order)]);
      return presentOrderDetails(order, events, subscription);
    },
  });
}
