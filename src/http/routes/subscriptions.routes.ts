import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { REVOCATION_REASONS } from '../../domain/revocation.js';
import type { SubscriptionsService } from '../../orders/subscriptions.service.js';
import { resellerOf } from '../auth.js';
import * as s from '../schemas.js';

const secured = [{ apiKey: [] }];
const idOf = (params: unknown) => (params as { id: string }).id;
const reasons = Object.keys(REVOCATION_REASONS).join(', ');

/** Reseller routes over an order's term: reissue (names may change), the renewal's CSR, revocation. */
export function subscriptionRoutes(app: FastifyInstance, deps: { subscriptions: SubscriptionsService }): void {
  const { subscriptions } = deps;

  app.post('/v1/orders/:id/reissue', {
    schema: {
      tags: ['orders'],
      summary: 'Reissue the certificate with a new CSR, optionally for other names',
      description:
        'The previous certificate stays valid until the new one is issued. Multi-domain products may change `domains` (the CSR must name exactly them): added names are validated first (per-name `dcv` like an order, default the approver address), and names beyond what the order paid for are debited once from the balance — such a reissue needs an Idempotency-Key header (the same key and body repeat the first answer). The certificate runs to the end of the term at most.',
      security: secured,
      params: s.idParams,
      headers: z.object({ 'idempotency-key': z.string().optional() }),
      body: z.object({
        csr: z.string(),
        domains: z.array(z.string()).optional(),
        dcv: z.record(z.string(), z.object({ method: z.enum(['email', 'dns', 'http']), email: z.string().optional() })).optional(),
        approverEmail: z.string().optional(),
      }),
      response: {
        202: z.object({ requestId: z.string(), charged: s.money.nullable().describe('What the added names cost, debited once') }),
        404: s.errorResponse,
        409: s.errorResponse,
        422: s.errorResponse,
      },
    },
    handler: async (request, reply) => {
      const { actor } = resellerOf(request);
      const key = request.headers['idempotency-key'];
      const result = await subscriptions.requestReissue(actor, idOf(request.params), (request.body ?? {}) as Record<string, unknown>, typeof key === 'string' ? key : undefined);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(202).send({ requestId: result.requestId, charged: result.charged });
    },
  });

  app.post('/v1/orders/:id/renewal', {
    schema: {
      tags: ['orders'],
      summary: 'Send the CSR for the next certificate of the term',
      description:
        'Answers the renewal the platform started before the current certificate expires (webhook order.renewal_csr_required), or starts it early. The CSR names exactly the order’s names. Domain validation is reused while the Baseline Requirements allow, and redone otherwise (the approval email goes out again).',
      security: secured,
      params: s.idParams,
      body: z.object({ csr: z.string() }),
      response: { 202: z.object({ requestId: z.string() }), 404: s.errorResponse, 409: s.errorResponse, 422: s.errorResponse },
    },
    handler: async (request, reply) => {
      const { actor } = resellerOf(request);
      return reply.status(202).send(await subscriptions.submitRenewalCsr(actor, idOf(request.params), (request.body ?? {}) as { csr?: unknown }));
    },
  });

  app.post('/v1/orders/:id/revoke', {
    schema: {
      tags: ['orders'],
      summary: 'Revoke the order’s certificates, or one of them',
      description: `With an RFC 5280 reason: ${reasons}. Without serialNumber, every certificate of the order that is still valid. The supplier revokes (the embedded CA lists it in its CRL); the timeline and webhooks order.certificate_revoked report it. A reason other than superseded ends the subscription: no successor follows.`,
      security: secured,
      params: s.idParams,
      body: z.object({ reason: z.string(), serialNumber: z.string().optional() }),
      response: {
        202: z.object({ revocations: z.array(z.object({ certificateId: z.string(), serialNumber: z.string(), reason: z.string(), requestedAt: z.string() })) }),
        404: s.errorResponse,
        409: s.errorResponse,
        422: s.errorResponse,
      },
    },
    handler: async (request, reply) => {
      const { actor } = resellerOf(request);
      const revocations = await subscriptions.revoke(actor, idOf(request.params), (request.body ?? {}) as { reason?: unknown; serialNumber?: unknown });
      return reply.status(202).send({ revocations: revocations.map((r) => ({ ...r, requestedAt: r.requestedAt.toISOString() })) });
    },
  });
}
