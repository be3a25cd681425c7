import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { AccountsService } from '../accounts/accounts.service.js';
import type { Clock } from '../domain/clock.js';
import type { Ledger } from '../ledger/ledger.js';
import type { OrdersService } from '../orders/orders.service.js';
import type { Db } from '../store/database.js';
import { authenticate } from './auth.js';
import { installErrorHandling } from './errors.js';
import { accountRoutes } from './routes/account.routes.js';
import { orderRoutes } from './routes/orders.routes.js';
import { staffRoutes } from './routes/staff.routes.js';
import { fulfilmentRoutes } from './routes/fulfilment.routes.js';
import { cancellationRoutes } from './routes/cancellation.routes.js';
import { holdsRoutes } from './routes/holds.routes.js';
import type { HoldsService } from '../orders/holds.service.js';
import type { CancellationService } from '../orders/cancellation.service.js';
import type { OffsetClock } from '../domain/clock.js';
import type { FulfilmentService } from '../orders/fulfilment.service.js';
import type { Webhooks } from '../orders/webhooks.js';
import type { JobAdmin } from '../jobs/queue.js';

/** JSON bodies up to 1 MiB (DESIGN.md); document uploads get their own limit on their route. */
export const JSON_BODY_LIMIT = 1024 * 1024;

export interface RateLimitConfig {
  /** Requests per API key (or per address before authentication) in each window. */
  readonly max: number;
  readonly windowMs: number;
}

export interface AppDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly accounts: AccountsService;
  readonly orders: OrdersService;
  readonly ledger: Ledger;
  readonly fulfilment: FulfilmentService;
  readonly cancellation: CancellationService;
  readonly holds: HoldsService;
  readonly webhooks: Webhooks;
  /** Development only: a clock staff may move forward (`POST /v1/staff/dev/clock`). */
  readonly devClock?: OffsetClock;
  readonly jobs: JobAdmin;
  /** The token of the PGlite lock file, with which the CLI acts beside a running server. */
  readonly adminToken?: string;
  readonly rateLimit: RateLimitConfig | null;
  readonly logger?: boolean;
}

/** Builds the HTTP application: `/healthz`, the `/v1` API, its OpenAPI document and docs page. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: JSON_BODY_LIMIT,
    // Route schemas document the API; requests are checked by `validation/` (see schemas.ts).
    schemaErrorFormatter: (errors) => new Error(errors.map((e) => e.message).join('; ')),
    ajv: { customOptions: { strict: false } },
  });
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandling(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Reseller certificate API', version: '1' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => {
    await deps.db.selectFrom('resellers').select('id').limit(1).execute();
    return { status: 'ok' };
  });

  await app.register(async (api) => {
    api.addHook('onRequest', async (request) => {
      request.principal = await authenticate(deps.db, request, deps.adminToken);
    });
    if (deps.rateLimit !== null) {
      await api.register(rateLimit, {
        max: deps.rateLimit.max,
        timeWindow: deps.rateLimit.windowMs,
        hook: 'preHandler',
        keyGenerator: (request) => {
          const p = request.principal;
          return p === undefined || p.kind === 'admin' ? `ip:${request.ip}` : `key:${p.keyId}`;
        },
        errorResponseBuilder: (_request, context) => ({
          statusCode: 429,
          message: `Too many requests for this API key: at most ${context.max} per ${context.after}. Retry after the Retry-After header's seconds.`,
        }),
      });
    }
    orderRoutes(api, deps.orders);
    accountRoutes(api, deps);
    fulfilmentRoutes(api, deps);
    staffRoutes(api, { accounts: deps.accounts, db: deps.db, jobs: deps.jobs, supplierHealth: () => deps.fulfilment.supplierHealth() });
    cancellationRoutes(api, deps);
    holdsRoutes(api, deps.holds);
  });
  return app;
}
