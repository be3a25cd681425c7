import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountsService } from '../../accounts/accounts.service.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { Db } from '../../store/database.js';
import { listResellerPrices } from '../../store/accounts.repository.js';
import type { Clock } from '../../domain/clock.js';
import { resellerOf } from '../auth.js';
import { presentAccount, presentApiKey, presentLedgerEntry, presentProducts, priceKey } from '../presenters.js';
import * as s from '../schemas.js';
import { decodeIdCursor, pageLimit, paginate } from '../pagination.js';

const secured = [{ apiKey: [] }];

/** The reseller's own account: balance, ledger, catalog prices, branding, settings, API keys. */
export function accountRoutes(app: FastifyInstance, deps: { accounts: AccountsService; ledger: Ledger; db: Db; clock: Clock }): void {
  const { accounts, ledger, db, clock } = deps;

  app.get('/v1/products', {
    schema: { tags: ['catalog'], summary: 'The catalog with the caller’s prices', security: secured },
    handler: async (request) => {
      const { resellerId } = resellerOf(request);
      const reseller = await accounts.getReseller(resellerId);
      const rows = await listResellerPrices(db, resellerId);
      const prices = new Map(rows.map((r) => [priceKey(r.product, r.term_months), { amount: r.amount, extraNameAmount: r.extra_name_amount }]));
      return { data: presentProducts(clock.now(), reseller.currency, prices) };
    },
  });

  app.get('/v1/account', {
    schema: { tags: ['account'], summary: 'The caller’s account and balance', security: secured, response: { 200: s.account } },
    handler: async (request) => presentAccount(await accounts.getReseller(resellerOf(request).resellerId)),
  });

  app.get('/v1/account/ledger', {
    schema: {
      tags: ['account'],
      summary: 'Ledger entries, newest first',
      security: secured,
      querystring: z.object({ limit: z.number().optional(), cursor: z.string().optional() }),
      response: { 200: s.page(s.ledgerEntry) },
    },
    handler: async (request) => {
      const { resellerId } = resellerOf(request);
      const query = request.query as { limit?: unknown; cursor?: unknown };
      const limit = pageLimit(query.limit);
      const before = decodeIdCursor(query.cursor);
      const entries = await ledger.list(db, resellerId, { limit: limit + 1, ...(before !== undefined && { before }) });
      const page = paginate(entries, limit, (e) => String(e.id));
      return { data: page.data.map(presentLedgerEntry), nextCursor: page.nextCursor };
    },
  });

  app.put('/v1/account/branding', {
    schema: { tags: ['account'], summary: 'Replace the branding of order confirmations', security: secured, body: s.branding, response: { 200: s.account } },
    handler: async (request) => presentAccount(await accounts.setBranding(resellerOf(request).resellerId, request.body)),
  });

  app.put('/v1/account/settings', {
    schema: {
      tags: ['account'],
      summary: 'Change account settings',
      security: secured,
      body: s.account.shape.settings.partial(),
      response: { 200: s.account },
    },
    handler: async (request) => presentAccount(await accounts.setSettings(resellerOf(request).resellerId, request.body)),
  });

  app.get('/v1/account/api-keys', {
    schema: { tags: ['account'], summary: 'API keys (never their secrets)', security: secured, response: { 200: z.object({ data: z.array(s.apiKey) }) } },
    handler: async (request) => ({ data: (await accounts.listApiKeys(resellerOf(request).resellerId)).map(presentApiKey) }),
  });

  app.post('/v1/account/api-keys', {
    schema: {
      tags: ['account'],
      summary: 'Create an API key; the secret is shown once',
      security: secured,
      body: z.object({ name: z.string().optional() }),
      response: { 201: s.apiKey.extend({ apiKey: z.string() }) },
    },
    handler: async (request, reply) => {
      const created = await accounts.createApiKey(resellerOf(request).resellerId, (request.body ?? {}) as { name?: unknown });
      reply.status(201);
      return { ...presentApiKey(created.key), apiKey: created.secret };
    },
  });

  app.delete('/v1/account/api-keys/:id', {
    schema: { tags: ['account'], summary: 'Revoke an API key at once', security: secured, params: s.idParams, response: { 200: s.apiKey, 404: s.errorResponse } },
    handler: async (request) => presentApiKey(await accounts.revokeApiKey(resellerOf(request).resellerId, (request.params as { id: string }).id)),
  });
}
