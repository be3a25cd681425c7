import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DOCUMENT_KINDS } from '../../domain/documents.js';
import type { CaDeskService } from '../../orders/ca-desk.service.js';
import type { DeskDocument, DeskOrder } from '../../suppliers/supplier.js';
import { staffOf } from '../auth.js';
import * as s from '../schemas.js';

const secured = [{ apiKey: [] }];
const idOf = (params: unknown) => (params as { id: string }).id;
const errors = { 404: s.errorResponse, 409: s.errorResponse, 422: s.errorResponse };

const deskOrder = z.object({
  orderId: z.string(),
  supplier: z.string(),
  supplierOrderId: z.string(),
  product: z.string(),
  names: z.array(z.string()),
  organization: s.organization.partial().nullable(),
  organizationState: z.enum(['pending', 'approved', 'rejected', 'not_required']),
  domainControlValidated: z.boolean(),
  hold: z.object({ since: z.string(), reason: z.string() }).nullable(),
  documentRequests: z.array(z.object({ requestId: z.string(), kind: z.enum(DOCUMENT_KINDS), note: z.string(), requestedAt: z.string(), answeredAt: z.string().nullable() })),
});

const deskDocument = z.object({
  documentId: z.string(),
  requestId: z.string(),
  type: z.enum(DOCUMENT_KINDS),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string().describe('computed by the certificate authority on arrival'),
  receivedAt: z.string(),
});

function presentDeskOrder(order: DeskOrder & { supplier: string }) {
  return {
    ...order,
    hold: order.hold && { since: order.hold.since.toISOString(), reason: order.hold.reason },
    documentRequests: order.documentRequests.map((r) => ({ ...r, requestedAt: r.requestedAt.toISOString(), answeredAt: r.answeredAt?.toISOString() ?? null })),
  };
}

function presentDeskDocument(d: DeskDocument) {
  return { ...d, receivedAt: d.receivedAt.toISOString() };
}

/**
 * The embedded CA's validation desk, for staff (issue 7): the supplier's side of OV/EV organisation
 * validation and of supplier holds. Its decisions reach the orders as supplier events.
 */
export function caDeskRoutes(app: FastifyInstance, caDesk: CaDeskService): void {
  app.get('/v1/staff/ca-desk/orders', {
    schema: {
      tags: ['staff'],
      summary: 'The CA desk: orders awaiting organisation validation, oldest first',
      security: secured,
      response: { 200: z.object({ data: z.array(deskOrder) }) },
    },
    handler: async (request) => {
      staffOf(request);
      return { data: (await caDesk.queue()).map(presentDeskOrder) };
    },
  });

  app.get('/v1/staff/ca-desk/orders/:id', {
    schema: { tags: ['staff'], summary: 'The CA desk: one order, its organisation, requests and hold', security: secured, params: s.idParams, response: { 200: deskOrder, ...errors } },
    handler: async (request) => {
      staffOf(request);
      return presentDeskOrder(await caDesk.order(idOf(request.params)));
    },
  });

  app.post('/v1/staff/ca-desk/orders/:id/document-requests', {
    schema: {
      tags: ['staff'],
      summary: 'The CA desk: ask for documents to validate the organisation',
      description: 'The platform records the request on the order and routes it to the reseller (and to the administrative contact only if the reseller allows it).',
      security: secured,
      params: s.idParams,
      body: z.object({ kind: z.enum(DOCUMENT_KINDS), note: z.string().optional().describe('what exactly is needed; required for kind "other"') }),
      response: { 201: z.object({ requestId: z.string() }), ...errors },
    },
    handler: async (request, reply) => {
      staffOf(request);
      const created = await caDesk.requestDocuments(idOf(request.params), (request.body ?? {}) as { kind?: unknown; note?: unknown });
      reply.status(201);
      return created;
    },
  });

  app.get('/v1/staff/ca-desk/orders/:id/documents', {
    schema: { tags: ['staff'], summary: 'The CA desk: documents it received, with the SHA-256 it computed', security: secured, params: s.idParams, response: { 200: z.object({ data: z.array(deskDocument) }), ...errors } },
    handler: async (request) => {
      staffOf(request);
      return { data: (await caDesk.documents(idOf(request.params))).map(presentDeskDocument) };
    },
  });

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/v1/staff/ca-desk/orders/:id/organization/${decision}`, {
      schema: {
        tags: ['staff'],
        summary:
          decision === 'approve'
            ? 'The CA desk: approve the organisation (the certificate follows once domain control is validated)'
            : 'The CA desk: reject the organisation (the CA rejects the order: cancelled_by_supplier, refund in the staff queue)',
        security: secured,
        params: s.idParams,
        body: z.object({ reason: decision === 'reject' ? z.string() : z.string().optional() }).optional(),
        response: { 202: z.object({ orderId: z.string(), organization: z.enum(['approved', 'rejected']) }), ...errors },
      },
      handler: async (request, reply) => {
        staffOf(request);
        const orderId = idOf(request.params);
        await caDesk.decideOrganization(orderId, decision, (request.body ?? {}) as { reason?: unknown });
        return reply.status(202).send({ orderId, organization: decision === 'approve' ? 'approved' : 'rejected' });
      },
    });
  }

  for (const action of ['hold', 'release'] as const) {
    app.post(`/v1/staff/ca-desk/orders/:id/${action === 'hold' ? 'hold' : 'hold/release'}`, {
      schema: {
        tags: ['staff'],
        summary: action === 'hold' ? 'The CA desk: put the order on the supplier’s hold (nothing is issued while held)' : 'The CA desk: lift the supplier’s hold',
        security: secured,
        params: s.idParams,
        body: z.object({ reason: z.string().optional() }).optional(),
        response: { 202: z.object({ orderId: z.string(), held: z.boolean() }), ...errors },
      },
      handler: async (request, reply) => {
        staffOf(request);
        const orderId = idOf(request.params);
        await caDesk.hold(orderId, action === 'hold', (request.body ?? {}) as { reason?: unknown });
        return reply.status(202).send({ orderId, held: action === 'hold' });
      },
    });
  }
}
