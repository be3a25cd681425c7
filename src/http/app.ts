import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { AccountsService } from '../accounts/accounts.service.js';
import type { Clock } from '../domain/clock.js';
import type { Ledger } from '../ledger/ledger.js';
import type { OrdersService } from '../orders/orders.service.js';
import type { Db } from '../store/database.js';
import type { PortalService } from '../accounts/portal.service.js';
import { authenticateRequest, type SessionCookieConfig } from './sessions.js';
import { sessionRoutes } from './routes/session.routes.js';
import { dashboardRoutes } from './routes/dashboard.routes.js';
import { webRoutes } from './web.js';
import { installErrorHandling } from './errors.js';
import { databaseRateLimitStore } from './rate-limit-store.js';
import { accountRoutes } from './routes/account.routes.js';
import { orderRoutes } from './routes/orders.routes.js';
import { staffRoutes } from './routes/staff.routes.js';
import { fulfilmentRoutes } from './routes/fulfilment.routes.js';
import { subscriptionRoutes } from './routes/subscriptions.routes.js';
import type { SubscriptionsService } from '../orders/subscriptions.service.js';
import { cancellationRoutes } from './routes/cancellation.routes.js';
import { holdsRoutes } from './routes/holds.routes.js';
import { documentsRoutes } from './routes/documents.routes.js';
import { caDeskRoutes } from './routes/ca-desk.routes.js';
import type { DocumentsService } from '../orders/documents.service.js';
import type { CaDeskService } from '../orders/ca-desk.service.js';
import type { HoldsService } from '../orders/holds.service.js';
import type { CancellationService } from '../orders/cancellation.service.js';
import type { OffsetClock } from '../domain/clock.js';
import type { FulfilmentService } from '../orders/fulfilment.service.js';
import type { Webhooks } from '../orders/webhooks.js';
import type { JobAdmin } from '../jobs/queue.js';
import { prometheusText, type Operations } from '../orders/operations.js';
import { timingSafeEqual } from 'node:crypto';

/** JSON bodies up to 1 MiB (DESIGN.md); document uploads get their own limit on their route. */
export const JSON_BODY_LIMIT = 1024 * 1024;

export interface RateLimitConfig {
  /** Requests per API key (or per address before authentication) in each window. */
  readonly max: number;
  readonly windowMs: number;
  /** Count in the database, shared by every process (PostgreSQL); in this process's memory otherwise. */
  readonly shared?: boolean;
}

export interface AppDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly accounts: AccountsService;
  /** Portal and console sign-in: users and sessions. */
  readonly portal: PortalService;
  /** Session cookie settings; `secure` when the public URL is https. */
  readonly cookies?: SessionCookieConfig;
  /** The built web app (default: web/dist). */
  readonly webRoot?: string;
  readonly orders: OrdersService;
  readonly ledger: Ledger;
  readonly fulfilment: FulfilmentService;
  readonly cancellation: CancellationService;
  readonly subscriptions: SubscriptionsService;
  readonly holds: HoldsService;
  readonly documents: DocumentsService;
  readonly caDesk: CaDeskService;
  readonly webhooks: Webhooks;
  /** Development only: a clock staff may move forward (`POST /v1/staff/dev/clock`). */
  readonly devClock?: OffsetClock;
  readonly jobs: JobAdmin;
  /** Metrics (`/metrics`) and the health checks (`/healthz`). */
  readonly operations: Operations;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`. */
  readonly metricsToken?: string;
  /** The token of the PGlite lock file, with which the CLI acts beside a running server. */
  readonly adminToken?: string;
  readonly rateLimit: RateLimitConfig | null;
  /** The process's log: a line per request with its request id (and order id); none when absent. */
  readonly logger?: FastifyBaseLogger;
}

/** The order a request is about, from its path (`/v1/orders/ord_…`, `/v1/staff/…/orders/ord_…`). */
const ORDER_IN_PATH = /\/orders\/(ord_[0-9a-z]+)(?:[/?]|$)/;

/** Builds the HTTP application: `/healthz`, the `/v1` API, its OpenAPI document and docs page. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    // Every line of a request carries its request id (Fastify's `reqId`) and, on an order's routes, the order id;
    // bound before routing, so the `incoming request` line has them too.
    childLoggerFactory: (logger, bindings, options, raw) => {
      const orderId = ORDER_IN_PATH.exec(raw.url ?? '')?.[1];
      return logger.child({ ...bindings, ...(orderId !== undefined && { orderId }) }, options);
    },
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
  // 200 while the database answers (a load balancer keeps the process); `degraded` names a stalled queue or a silent relay.
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    const checks = await deps.operations.health();
    const all = [checks.database, checks.queue, ...(checks.relay === null ? [] : [checks.relay])];
    const status = !checks.database.ok ? 'down' : all.every((c) => c.ok) ? 'ok' : 'degraded';
    reply.status(checks.database.ok ? 200 : 503);
    return { status, checks };
  });

  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (deps.metricsToken !== undefined) {
      const given = Buffer.from(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '');
      const expected = Buffer.from(deps.metricsToken);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        reply.status(401);
        return { error: { code: 'auth.required', message: 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.', fields: [] } };
      }
    }
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return prometheusText(await deps.operations.snapshot());
  });

  const cookies = deps.cookies ?? { secure: false };
  await app.register(async (api) => {
    api.addHook('onRequest', async (request) => {
      request.principal = await authenticateRequest({ db: deps.db, portal: deps.portal, adminToken: deps.adminToken, cookies }, request);
    });
    if (deps.rateLimit !== null) {
      await api.register(rateLimit, {
        max: deps.rateLimit.max,
        timeWindow: deps.rateLimit.windowMs,
        ...(deps.rateLimit.shared === true && { store: databaseRateLimitStore(deps.db), skipOnError: true }),
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
    orderRoutes(api, deps.orders, deps.subscriptions);
    subscriptionRoutes(api, deps);
    accountRoutes(api, deps);
    fulfilmentRoutes(api, deps);
    staffRoutes(api, { accounts: deps.accounts, db: deps.db, jobs: deps.jobs, fulfilment: deps.fulfilment, orders: deps.orders, subscriptions: deps.subscriptions });
    cancellationRoutes(api, deps);
    holdsRoutes(api, deps.holds);
    await documentsRoutes(api, deps);
    caDeskRoutes(api, deps.caDesk);
    sessionRoutes(api, { portal: deps.portal, accounts: deps.accounts, cookies });
    dashboardRoutes(api, deps);
  });
  webRoutes(app, deps.webRoot);
  return app;
}
