import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountsService } from '../../accounts/accounts.service.js';
import { staffOf } from '../auth.js';
import { CertbrokerError } from '../../domain/errors.js';
import type { JobAdmin } from '../../jobs/queue.js';
import type { FulfilmentService } from '../../orders/fulfilment.service.js';
import type { OrdersService } from '../../orders/orders.service.js';
import type { SubscriptionsService } from '../../orders/subscriptions.service.js';
import type { Db } from '../../store/database.js';
import { dashboardSeries, searchOrders } from '../../store/dashboard.repository.js';
import { listMessages } from '../../store/messages.repository.js';
import { ORDER_STATUSES, isOrderStatus } from '../../domain/order.js';
import type { SupplierIncident } from '../../store/incidents.repository.js';
import { decodeIdCursor, decodeTimeCursor, encodeTimeCursor, pageLimit, paginate } from '../pagination.js';
import { presentAccount, presentLedgerEntry, presentOrderDetails } from '../presenters.js';
import * as s from '../schemas.js';

const secured = [{ apiKey: [] }];
const idOf = (params: unknown) => (params as { id: string }).id;

/** Staff routes for reseller management (issue 2); holds, refunds and messages join them later. */
export function staffRoutes(
  app: FastifyInstance,
  deps: {
    accounts: AccountsService;
    db: Db;
    jobs: JobAdmin;
    fulfilment: Pick<FulfilmentService, 'supplierHealth' | 'incidents' | 'resolveIncident'>;
    orders: Pick<OrdersService, 'get' | 'events'>;
    subscriptions: Pick<SubscriptionsService, 'view'>;
  },
): void {
  const { accounts, db, jobs } = deps;

  app.get('/v1/staff/messages', {
    schema: {
      tags: ['staff'],
      summary: 'Every email sent or queued, with its raw RFC 5322 source as sent',
      security: secured,
      querystring: z.object({ orderId: z.string().optional(), recipient: z.string().optional(), template: z.string().optional(), limit: z.number().optional(), cursor: z.string().optional() }),
    },
    handler: async (request) => {
      staffOf(request);
      const q = request.query as { orderId?: unknown; recipient?: unknown; template?: unknown; limit?: unknown; cursor?: unknown };
      const limit = pageLimit(q.limit);
      const rows = await listMessages(db, {
        limit: limit + 1,
        ...(typeof q.cursor === 'string' && { before: q.cursor }),
        ...(typeof q.orderId === 'string' && { orderId: q.orderId }),
        ...(typeof q.recipient === 'string' && { recipient: q.recipient.toLowerCase() }),
        ...(typeof q.template === 'string' && { template: q.template }),
      });
      const page = paginate(rows, limit, (m) => m.id);
      return {
        data: page.data.map((m) => ({ ...m, createdAt: m.createdAt.toISOString(), sentAt: m.sentAt?.toISOString() ?? null })),
        nextCursor: page.nextCursor,
      };
    },
  });

  app.get('/v1/staff/jobs', {
    schema: {
      tags: ['staff'],
      summary: 'Jobs by status; status=dead lists the dead letters with their last error',
      security: secured,
      querystring: z.object({ status: z.enum(['pending', 'running', 'done', 'dead']).optional(), limit: z.number().optional(), cursor: z.string().optional() }),
    },
    handler: async (request) => {
      staffOf(request);
      const q = request.query as { status?: unknown; limit?: unknown; cursor?: unknown };
      const status = q.status ?? 'dead';
      if (status !== 'pending' && status !== 'running' && status !== 'done' && status !== 'dead') {
        throw new CertbrokerError('invalid', 'query.invalid', 'The query has invalid parameters.', [{ path: 'status', code: 'status.unknown', message: 'status must be pending, running, done or dead.' }]);
      }
      const limit = pageLimit(q.limit);
      const before = decodeIdCursor(q.cursor);
      const rows = await jobs.list({ status, limit: limit + 1, ...(before !== undefined && { before }) });
      const page = paginate(rows, limit, (j) => String(j.id));
      return { data: page.data, counts: await jobs.counts(), nextCursor: page.nextCursor };
    },
  });

  app.post('/v1/staff/jobs/:id/retry', {
    schema: { tags: ['staff'], summary: 'Give a dead job another round of attempts', security: secured, params: s.idParams },
    handler: async (request) => {
      staffOf(request);
      const id = decodeIdCursor(idOf(request.params));
      if (id === undefined || !(await jobs.retry(id))) throw new CertbrokerError('not_found', 'job.not_found', 'No such dead job.');
      return { id: String(id), status: 'pending' };
    },
  });

  app.get('/v1/staff/suppliers', {
    schema: {
      tags: ['staff'],
      summary: 'Supplier health and the state of the queue that feeds them',
      description:
        'Per supplier: up, down (its circuit is open: new orders go to the next one) or probing, with the last error, as this process sees it; ' +
        'and the open incidents every process recorded (an outage, a certificate a compliance guard withheld).',
      security: secured,
    },
    handler: async (request) => {
      staffOf(request);
      return { data: deps.fulfilment.supplierHealth(), incidents: (await deps.fulfilment.incidents({ open: true })).map(presentIncident), jobs: await jobs.counts() };
    },
  });

  app.get('/v1/staff/suppliers/incidents', {
    schema: { tags: ['staff'], summary: 'Supplier incidents, open ones first', security: secured, querystring: z.object({ open: z.enum(['true', 'false']).optional() }) },
    handler: async (request) => {
      staffOf(request);
      const open = (request.query as { open?: string }).open === 'true';
      return { data: (await deps.fulfilment.incidents({ open })).map(presentIncident) };
    },
  });

  app.post('/v1/staff/suppliers/incidents/:id/resolve', {
    schema: { tags: ['staff'], summary: 'Close a supplier incident with a note saying what was done', security: secured, params: s.idParams, body: z.object({ note: z.string() }) },
    handler: async (request) => {
      const staff = staffOf(request);
      return presentIncident(await deps.fulfilment.resolveIncident({ type: 'staff', id: staff.id }, idOf(request.params), request.body as { note?: unknown }));
    },
  });

  const staffOrderHit = z.object({
    id: z.string(),
    reseller: z.object({ id: z.string(), name: z.string() }),
    status: z.enum(ORDER_STATUSES),
    product: z.string(),
    domains: z.array(z.string()),
    price: s.money,
    createdAt: z.string(),
  });

  app.get('/v1/staff/orders', {
    schema: {
      tags: ['staff'],
      summary: 'Search orders across resellers, newest first',
      description: 'q matches an order id exactly, or part of a domain (A-label or Unicode) or of a reseller’s name; status narrows to one status.',
      security: secured,
      querystring: z.object({ q: z.string().optional(), status: z.enum(ORDER_STATUSES).optional(), limit: z.number().optional(), cursor: z.string().optional() }),
      response: { 200: s.page(staffOrderHit) },
    },
    handler: async (request) => {
      staffOf(request);
      const query = request.query as { q?: unknown; status?: unknown; limit?: unknown; cursor?: unknown };
      if (query.status !== undefined && !isOrderStatus(query.status)) {
        throw new CertbrokerError('invalid', 'query.invalid', 'The query has invalid parameters.', [{ path: 'status', code: 'status.unknown', message: `status must be one of ${ORDER_STATUSES.join(', ')}.` }]);
      }
      const q = typeof query.q === 'string' && query.q.trim() !== '' ? query.q.trim() : undefined;
      const limit = pageLimit(query.limit);
      const after = decodeTimeCursor(query.cursor);
      const rows = await searchOrders(db, { limit: limit + 1, ...(q !== undefined && { q }), ...(query.status !== undefined && { status: query.status }), ...(after !== undefined && { after }) });
      const page = paginate(rows, limit, (o) => encodeTimeCursor(o.createdAt, o.id));
      return { data: page.data.map((o) => ({ ...o, createdAt: o.createdAt.toISOString() })), nextCursor: page.nextCursor };
    },
  });

  app.get('/v1/staff/orders/:id', {
    schema: { tags: ['staff'], summary: 'Any reseller’s order with its timeline', security: secured, params: s.idParams, response: { 200: s.orderDetails.extend({ resellerId: z.string() }), 404: s.errorResponse } },
    handler: async (request) => {
      staffOf(request);
      const order = await deps.orders.get(null, idOf(request.params));
      const [events, subscription] = await Promise.all([deps.orders.events(order.id), deps.subscriptions.view(order)]);
      return { ...presentOrderDetails(order, events, subscription), resellerId: order.resellerId };
    },
  });

  app.get('/v1/staff/dashboard/series', {
    schema: {
      tags: ['staff'],
      summary: 'The dashboard’s charts: orders per day and status, time to issuance, what waits for staff',
      description: 'from (ISO 8601) starts the window of orders per day and of issuance times; the queues are always whole.',
      security: secured,
      querystring: z.object({ from: z.string() }),
      response: {
        200: z.object({
          from: z.string(),
          ordersPerDay: z.array(z.object({ day: z.string().describe('YYYY-MM-DD, UTC'), status: z.enum(ORDER_STATUSES), count: z.number().int() })),
          issuanceSeconds: z.array(z.number().int()).describe('seconds from placement to issuance, one per order issued in the window'),
          holdsSince: z.array(z.string()),
          refundsSince: z.array(z.string()),
        }),
        400: s.errorResponse,
      },
    },
    handler: async (request) => {
      staffOf(request);
      const raw = (request.query as { from?: unknown }).from;
      const from = typeof raw === 'string' ? new Date(raw) : new Date(Number.NaN);
      if (Number.isNaN(from.getTime())) {
        throw new CertbrokerError('invalid', 'query.invalid', 'The query has invalid parameters.', [{ path: 'from', code: 'from.invalid', message: 'from must be an ISO 8601 date or time.' }]);
      }
      const series = await dashboardSeries(db, from);
      return {
        from: from.toISOString(),
        ordersPerDay: series.ordersPerDay,
        issuanceSeconds: series.issuanceSeconds,
        holdsSince: series.holdsSince.map((d) => d.toISOString()),
        refundsSince: series.refundsSince.map((d) => d.toISOString()),
      };
    },
  });

  app.post('/v1/staff/resellers', {
    schema: {
      tags: ['staff'],
      summary: 'Create a reseller account with its first API key',
      security: secured,
      body: z.object({ name: z.string(), repEmail: z.string(), currency: z.string().optional(), creditLimit: z.number().optional() }),
      response: { 201: z.object({ id: z.string(), apiKey: z.string(), reseller: s.account }) },
    },
    handler: async (request, reply) => {
      staffOf(request);
      const created = await accounts.createReseller(request.body);
      reply.status(201);
      return { id: created.reseller.id, apiKey: created.apiKey.secret, reseller: presentAccount(created.reseller) };
    },
  });

  app.get('/v1/staff/resellers', {
    schema: { tags: ['staff'], summary: 'Reseller accounts', security: secured, querystring: z.object({ cursor: z.string().optional() }), response: { 200: s.page(s.account) } },
    handler: async (request) => {
      staffOf(request);
      const after = (request.query as { cursor?: unknown }).cursor;
      const rows = await accounts.listResellers({ limit: 51, ...(typeof after === 'string' && { after }) });
      const page = rows.slice(0, 50);
      return { data: page.map(presentAccount), nextCursor: rows.length > 50 ? (page[page.length - 1]?.id ?? null) : null };
    },
  });

  app.get('/v1/staff/resellers/:id', {
    schema: { tags: ['staff'], summary: 'One reseller account', security: secured, params: s.idParams, response: { 200: s.account } },
    handler: async (request) => {
      staffOf(request);
      return presentAccount(await accounts.getReseller(idOf(request.params)));
    },
  });

  app.post('/v1/staff/resellers/:id/top-ups', {
    schema: {
      tags: ['staff'],
      summary: 'Credit a reseller’s prepaid balance',
      description: 'amount in minor units (integer) or major units as text ("250.00"). The reference (or the Idempotency-Key header) makes it idempotent: a second top-up with the same reference moves nothing.',
      security: secured,
      params: s.idParams,
      body: z.object({ amount: z.union([z.number(), z.string()]), reference: z.string().optional(), note: z.string().optional() }),
      response: { 201: s.ledgerEntry, 200: s.ledgerEntry },
    },
    handler: async (request, reply) => {
      const actor = staffOf(request);
      const body = (request.body ?? {}) as { amount?: unknown; reference?: unknown; note?: unknown };
      const reference = body.reference ?? request.headers['idempotency-key'];
      const result = await accounts.topUp(actor, idOf(request.params), { amount: body.amount, reference, note: body.note });
      reply.status(result.applied ? 201 : 200);
      if (!result.applied) reply.header('idempotent-replayed', 'true');
      return presentLedgerEntry(result.entry);
    },
  });

  app.put('/v1/staff/resellers/:id/credit-limit', {
    schema: { tags: ['staff'], summary: 'Set a reseller’s credit limit (minor units)', security: secured, params: s.idParams, body: z.object({ creditLimit: z.number() }), response: { 200: s.account } },
    handler: async (request) => {
      staffOf(request);
      return presentAccount(await accounts.setCreditLimit(idOf(request.params), (request.body ?? {}) as { creditLimit: unknown }));
    },
  });

  app.put('/v1/staff/resellers/:id/prices', {
    schema: {
      tags: ['staff'],
      summary: 'Set a reseller’s own price for a product and term',
      security: secured,
      params: s.idParams,
      body: z.object({ product: z.string(), termMonths: z.number(), amount: z.number(), extraNameAmount: z.number().optional() }),
    },
    handler: async (request, reply) => {
      staffOf(request);
      await accounts.setPrice(idOf(request.params), (request.body ?? {}) as Record<string, unknown>);
      return reply.status(204).send();
    },
  });

  app.post('/v1/staff/staff', {
    schema: {
      tags: ['staff'],
      summary: 'Create a staff account with its API key',
      security: secured,
      body: z.object({ email: z.string() }),
      response: { 201: z.object({ id: z.string(), apiKey: z.string() }) },
    },
    handler: async (request, reply) => {
      staffOf(request);
      const created = await accounts.createStaff((request.body ?? {}) as { email: unknown });
      reply.status(201);
      return { id: created.id, apiKey: created.apiKey.secret };
    },
  });
}

function presentIncident(incident: SupplierIncident) {
  return {
    id: incident.id,
    supplier: incident.supplier,
    kind: incident.kind,
    orderId: incident.orderId,
    detail: incident.detail,
    openedAt: incident.openedAt.toISOString(),
    resolvedAt: incident.resolvedAt?.toISOString() ?? null,
    resolvedBy: incident.resolvedBy,
    resolutionNote: incident.resolutionNote,
  };
}
