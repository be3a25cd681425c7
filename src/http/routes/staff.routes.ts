import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountsService } from '../../accounts/accounts.service.js';
import { staffOf } from '../auth.js';
import { presentAccount, presentLedgerEntry } from '../presenters.js';
import * as s from '../schemas.js';

const secured = [{ apiKey: [] }];
const idOf = (params: unknown) => (params as { id: string }).id;

/** Staff routes for reseller management (issue 2); holds, refunds and messages join them later. */
export function staffRoutes(app: FastifyInstance, accounts: AccountsService): void {
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
