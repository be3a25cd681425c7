import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FulfilmentService } from '../../orders/fulfilment.service.js';
import { CERTIFICATE_FORMATS } from '../../orders/fulfilment.service.js';
import type { Webhooks } from '../../orders/webhooks.js';
import { resellerOf } from '../auth.js';
import { decodeIdCursor, pageLimit, paginate } from '../pagination.js';
import { presentOrderDetails } from '../presenters.js';
import * as s from '../schemas.js';
import type { OrdersService } from '../../orders/orders.service.js';

const secured = [{ apiKey: [] }];
const idOf = (params: unknown) => (params as { id: string }).id;

/** Reseller routes after placement: certificates, approval emails, webhooks. */
export function fulfilmentRoutes(app: FastifyInstance, deps: { fulfilment: FulfilmentService; orders: OrdersService; webhooks: Webhooks }): void {
  const { fulfilment, orders, webhooks } = deps;

  app.get('/v1/orders/:id/certificate', {
    schema: {
      tags: ['orders'],
      summary: 'Download the certificate',
      description: 'format=pem: the leaf; chain: leaf + intermediates (what a server sends); full: leaf + intermediates + root; pkcs7: PKCS#7 of leaf + intermediates.',
      security: secured,
      params: s.idParams,
      querystring: z.object({ format: z.enum(CERTIFICATE_FORMATS).optional() }),
    },
    handler: async (request, reply) => {
      const { resellerId } = resellerOf(request);
      const file = await fulfilment.certificate(resellerId, idOf(request.params), (request.query as { format?: unknown }).format);
      return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.body);
    },
  });

  app.post('/v1/orders/:id/approval-email', {
    schema: {
      tags: ['orders'],
      summary: 'Resend the approval email, or switch to another allowed approver address',
      security: secured,
      params: s.idParams,
      body: z.object({ approverEmail: z.string().optional() }),
      response: { 200: s.orderDetails, 404: s.errorResponse, 409: s.errorResponse, 422: s.errorResponse },
    },
    handler: async (request) => {
      const { actor } = resellerOf(request);
      const order = await fulfilment.resendApproval(actor, idOf(request.params), (request.body ?? {}) as { approverEmail?: unknown });
      return presentOrderDetails(order, await orders.events(order.id));
    },
  });

  const endpointView = z.object({ url: z.string().nullable(), secret: z.string().nullable(), updatedAt: z.string().nullable() });

  app.get('/v1/account/webhook', {
    schema: { tags: ['webhooks'], summary: 'The webhook endpoint and its signing secret', security: secured, response: { 200: endpointView } },
    handler: async (request) => {
      const endpoint = await webhooks.endpoint(resellerOf(request).resellerId);
      return { url: endpoint?.url ?? null, secret: endpoint?.secret ?? null, updatedAt: endpoint?.updatedAt.toISOString() ?? null };
    },
  });

  app.put('/v1/account/webhook', {
    schema: {
      tags: ['webhooks'],
      summary: 'Set the webhook endpoint',
      description:
        'Every status change is POSTed as JSON with headers Webhook-Id, Webhook-Timestamp and Webhook-Signature: v1,base64(HMAC-SHA256(secret, id + "." + timestamp + "." + body)). Refuse timestamps older than 5 minutes. Failed deliveries are retried with backoff.',
      security: secured,
      body: z.object({ url: z.string(), rotateSecret: z.boolean().optional() }),
      response: { 200: endpointView },
    },
    handler: async (request) => {
      const { resellerId } = resellerOf(request);
      const result = await webhooks.configure(resellerId, (request.body ?? {}) as { url?: unknown; rotateSecret?: unknown });
      const endpoint = await webhooks.endpoint(resellerId);
      return { ...result, updatedAt: endpoint?.updatedAt.toISOString() ?? null };
    },
  });

  app.delete('/v1/account/webhook', {
    schema: { tags: ['webhooks'], summary: 'Remove the webhook endpoint', security: secured },
    handler: async (request, reply) => {
      await webhooks.remove(resellerOf(request).resellerId);
      return reply.status(204).send();
    },
  });

  app.get('/v1/account/webhook/deliveries', {
    schema: {
      tags: ['webhooks'],
      summary: 'The delivery log, newest first',
      security: secured,
      querystring: z.object({ limit: z.number().optional(), cursor: z.string().optional() }),
    },
    handler: async (request) => {
      const { resellerId } = resellerOf(request);
      const query = request.query as { limit?: unknown; cursor?: unknown };
      const limit = pageLimit(query.limit);
      const before = decodeIdCursor(query.cursor);
      const rows = await webhooks.deliveries(resellerId, { limit: limit + 1, ...(before !== undefined && { before }) });
      const page = paginate(rows, limit, (d) => String(d.id));
      return { data: page.data.map((d) => ({ ...d, id: String(d.id), at: d.at.toISOString() })), nextCursor: page.nextCursor };
    },
  });
}
