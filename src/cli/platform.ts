import type { FastifyInstance } from 'fastify';
import { AccountsService } from '../accounts/accounts.service.js';
import { PortalService } from '../accounts/portal.service.js';
import type { Clock, OffsetClock } from '../domain/clock.js';
import { buildApp, type RateLimitConfig } from '../http/app.js';
import { JobAdmin, JobQueue, JobRunner, type HandlerOptions } from '../jobs/queue.js';
import { Ledger } from '../ledger/ledger.js';
import { MAIL_SEND_JOB, MailOutbox } from '../mail/outbox.js';
import type { MailTransport } from '../mail/transport.js';
import { platformTraces } from '../mail/white-label.js';
import { FulfilmentService } from '../orders/fulfilment.service.js';
import { CancellationService } from '../orders/cancellation.service.js';
import { HoldsService } from '../orders/holds.service.js';
import { CaDeskService } from '../orders/ca-desk.service.js';
import { DOCUMENTS_FORWARD_JOB, DocumentsService } from '../orders/documents.service.js';
import type { FraudConfig } from '../fraud/types.js';
import { outboxOrderMail } from '../orders/order-mail.js';
import { OrdersService } from '../orders/orders.service.js';
import { Operations } from '../orders/operations.js';
import { PriceBook } from '../orders/pricing.js';
import { Webhooks } from '../orders/webhooks.js';
import type { Store } from '../store/database.js';
import { createSqlPort } from '../store/sql-port.js';
import { acmeFactory, type AcmeConfig } from '../suppliers/acme/index.js';
import { localCaFactory } from '../suppliers/local-ca/index.js';
import type { Supplier, SupplierPorts } from '../suppliers/supplier.js';
import type { ProductCode } from '../domain/products.js';
import { createCsrDecoder } from '../validation/csr.js';
import { silentLogger, withJobLogging, type Logger } from './logging.js';
import { SubscriptionsService } from '../orders/subscriptions.service.js';

/** The periodic sweep for orders past their seven-day completion window. */
export const DEADLINE_JOB = 'orders.deadline';

/** The periodic sweep of subscriptions: successors due, reminders due. */
export const SUBSCRIPTIONS_JOB = 'subscriptions.sweep';

/** Everything the wiring needs beyond the database and the clock. */
export interface PlatformOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly csrCacheSize?: number;
  readonly mail: {
    readonly domain: string;
    readonly dkimSelector: string;
    readonly dkimPrivateKeyPem: string;
    readonly replyKey: Buffer;
    readonly platformName: string;
    readonly publicBaseUrl: string;
    /** Where mail is delivered; processes that only serve HTTP need none. */
    readonly transport?: MailTransport;
  };
  readonly localCa: { readonly encryptionKey: Buffer; readonly dcvPort: number; readonly dcvPublicUrl?: string };
  readonly defaultSupplier?: string;
  /** ACME CAs to connect, each named `acme` or `acme:<label>` (suppliers/acme). */
  readonly acme?: readonly AcmeConfig[];
  /** Suppliers in order of preference for every product (default: the default supplier alone). */
  readonly supplierChain?: readonly string[];
  /** A product's own order of preference. */
  readonly productChains?: Partial<Record<ProductCode, readonly string[]>>;
  readonly webhooksAllowPrivateTargets: boolean;
  /** The fraud screen's thresholds and lists; the defaults of `fraud/` when absent. */
  readonly fraud?: FraudConfig;
  /** Days after the completion window passed at which orders are cancelled automatically; null (default): never. */
  readonly autoCancelAfterDays?: number | null;
  /** Days before a certificate expires that its successor within the term is started (default 30). */
  readonly renewalLeadDays?: number;
  /** The process's log: a line per job run (start, failure, end); silent when absent. */
  readonly logger?: Logger;
  /** Job options (tests shorten the backoff and the attempts). */
  readonly jobs?: HandlerOptions & { readonly pollMs?: number; readonly leaseMs?: number; readonly maxAttempts?: number };
}

/** Every service of the platform, built once from its ports. */
export interface Platform {
  readonly store: Store;
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly accounts: AccountsService;
  /** Portal and console users and their sessions. */
  readonly portal: PortalService;
  readonly orders: OrdersService;
  readonly fulfilment: FulfilmentService;
  readonly cancellation: CancellationService;
  readonly subscriptions: SubscriptionsService;
  readonly holds: HoldsService;
  readonly documents: DocumentsService;
  /** Staff access to suppliers' own validation desks (the embedded CA's). */
  readonly caDesk: CaDeskService;
  readonly webhooks: Webhooks;
  readonly outbox: MailOutbox;
  readonly queue: JobQueue;
  readonly runner: JobRunner;
  readonly jobAdmin: JobAdmin;
  readonly suppliers: ReadonlyMap<string, Supplier>;
  /** Metrics and health for operators. */
  readonly operations: Operations;
  /** The process's log (HTTP requests log through it too). */
  readonly logger: Logger;
  /** Stops the runner and the suppliers' listeners; the store is the caller's to close. */
  close(): Promise<void>;
}

/** The one place where the services are wired together (Boulder's `cmd/…/main.go`). */
export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const { store, clock } = options;
  const db = store.db;
  const ledger = new Ledger(clock);
  const decodeCsr = createCsrDecoder({ cacheSize: options.csrCacheSize ?? 1000 });
  const priceBook = new PriceBook(db);
  const queue = new JobQueue({ clock, ...(options.jobs?.maxAttempts !== undefined && { defaultMaxAttempts: options.jobs.maxAttempts }) });
  const runner = new JobRunner({
    db,
    clock,
    ...(options.jobs?.pollMs !== undefined && { pollMs: options.jobs.pollMs }),
    ...(options.jobs?.leaseMs !== undefined && { leaseMs: options.jobs.leaseMs }),
  });
  const jobAdmin = new JobAdmin({ db, clock });
  const outbox = new MailOutbox({
    db,
    clock,
    queue,
    config: {
      mailDomain: options.mail.domain,
      dkim: { selector: options.mail.dkimSelector, privateKeyPem: options.mail.dkimPrivateKeyPem },
      replyKey: options.mail.replyKey,
      platformName: options.mail.platformName,
      publicBaseUrl: options.mail.publicBaseUrl,
    },
    ...(options.mail.transport !== undefined && { transport: options.mail.transport }),
    ...(options.jobs?.maxAttempts !== undefined && { maxAttempts: options.jobs.maxAttempts }),
  });
  const webhooks = new Webhooks({ db, clock, queue, allowPrivateTargets: options.webhooksAllowPrivateTargets });

  // The suppliers reach the platform only through these ports; `fulfilment` exists once they do.
  let fulfilment: FulfilmentService | undefined;
  const ready = () => {
    if (!fulfilment) throw new Error('the platform is still starting');
    return fulfilment;
  };
  const ports: Omit<SupplierPorts, 'sql'> = {
    clock,
    events: { emit: (event) => ready().recordSupplierEvent(event) },
    mail: {
      sendApprovalEmail: (request) => ready().sendApprovalEmail(request),
      sendDcvInstructions: (request) => ready().sendDcvInstructions(request),
    },
  };
  const suppliers = new Map<string, Supplier>();
  try {
    const localCa = await localCaFactory.create(
      { encryptionKey: options.localCa.encryptionKey, dcvPort: options.localCa.dcvPort, ...(options.localCa.dcvPublicUrl !== undefined && { dcvPublicUrl: options.localCa.dcvPublicUrl }) },
      { ...ports, sql: createSqlPort(db) },
    );
    suppliers.set(localCa.name, localCa);
    for (const config of options.acme ?? []) {
      const acme = await acmeFactory.create(config, { ...ports, sql: createSqlPort(db) });
      if (suppliers.has(acme.name)) {
        await acme.close();
        throw new Error(`Two ACME suppliers are both named "${acme.name}": give each a different label.`);
      }
      suppliers.set(acme.name, acme);
    }
  } catch (error) {
    await Promise.all([...suppliers.values()].map((s) => s.close()));
    throw error;
  }
  const orderMail = outboxOrderMail(outbox);
  const holds = new HoldsService({ db, clock, ledger, queue, webhooks, ...(options.fraud !== undefined && { config: options.fraud }) });
  const documents = new DocumentsService({ db, clock, queue, webhooks, mail: outbox, supplierOf: (order) => ready().supplierOf(order) });
  const subscriptions = new SubscriptionsService({
    db,
    clock,
    queue,
    ledger,
    webhooks,
    mail: orderMail,
    decodeCsr,
    supplierOf: (order) => ready().supplierOf(order),
    ...(options.renewalLeadDays !== undefined && { renewalLeadDays: options.renewalLeadDays }),
  });
  try {
    fulfilment = new FulfilmentService({
      db,
      clock,
      queue,
      suppliers,
      defaultSupplier: options.defaultSupplier ?? 'local-ca',
      ...(options.supplierChain !== undefined && { supplierChain: options.supplierChain }),
      ...(options.productChains !== undefined && { productChains: options.productChains }),
      mail: orderMail,
      webhooks,
      screen: holds.screen,
      releasedFromHold: (orderId) => holds.released(orderId),
      documentsRequested: (order, event, supplierName) => documents.recordRequest(order, event, supplierName),
      afterClose: (trx, order, certificate) => subscriptions.revokeUnwanted(trx, order, certificate),
      requestDeclined: (order, requestId, reason) => subscriptions.requestDeclined(order, requestId, reason),
    });
  } catch (error) {
    // A supplier list that cannot serve every product: release what the suppliers hold before failing.
    await Promise.all([...suppliers.values()].map((s) => s.close()));
    throw error;
  }
  const service = fulfilment;
  const cancellation = new CancellationService({
    db,
    clock,
    ledger,
    queue,
    webhooks,
    supplierOf: (order) => service.supplierOf(order),
    mail: orderMail,
    autoCancelAfterDays: options.autoCancelAfterDays ?? null,
  });
  const caDesk = new CaDeskService({ db, suppliers, supplierOf: (order) => service.supplierOf(order) });

  const jobOptions: HandlerOptions = { ...(options.jobs?.backoffMs !== undefined && { backoffMs: options.jobs.backoffMs }) };
  withJobLogging(runner, options.logger ?? silentLogger)
    .register('order.screen', (job) => service.screenJob(job), jobOptions)
    .register('supplier.submit', (job) => service.submitJob(job), jobOptions)
    .register('supplier.event', (job) => service.supplierEventJob(job), jobOptions)
    .register('supplier.reissue', (job) => subscriptions.reissueJob(job), jobOptions)
    .register('supplier.renew', (job) => subscriptions.renewJob(job), jobOptions)
    .register('supplier.revoke', (job) => subscriptions.revokeJob(job), jobOptions)
    .register(SUBSCRIPTIONS_JOB, () => subscriptions.sweepJob(), jobOptions)
    .register('supplier.cancel', (job) => cancellation.supplierCancelJob(job), jobOptions)
    .register(DOCUMENTS_FORWARD_JOB, (job) => documents.forwardJob(job), jobOptions)
    .register(DEADLINE_JOB, () => cancellation.deadlineJob(), jobOptions)
    .register('webhook.deliver', (job) => webhooks.deliver(job), jobOptions)
    .register(MAIL_SEND_JOB, (job) => outbox.deliver(job), jobOptions);
  const unsubscribe = queue.onEnqueue(() => runner.kick());

  return {
    store,
    clock,
    ledger,
    accounts: new AccountsService({
      db,
      clock,
      ledger,
      onResellerChanged: (id) => priceBook.invalidate(id),
      forbiddenBrandTerms: platformTraces({ platformName: options.mail.platformName, publicBaseUrl: options.mail.publicBaseUrl }),
    }),
    portal: new PortalService({ db, clock }),
    orders: new OrdersService({ db, clock, ledger, priceBook, decodeCsr, afterPlacement: (trx, orderId) => service.afterPlacement(trx, orderId) }),
    fulfilment: service,
    cancellation,
    subscriptions,
    holds,
    documents,
    caDesk,
    webhooks,
    outbox,
    queue,
    runner,
    jobAdmin,
    suppliers,
    logger: options.logger ?? silentLogger,
    operations: new Operations({
      db,
      clock,
      suppliers: () => service.supplierHealth(),
      ...(options.mail.transport?.verify !== undefined && { relay: () => (options.mail.transport as Required<MailTransport>).verify() }),
    }),
    close: async () => {
      unsubscribe();
      await runner.stop();
      await Promise.all([...suppliers.values()].map((s) => s.close()));
    },
  };
}

export function createHttpApp(
  platform: Platform,
  options: { rateLimit: RateLimitConfig | null; adminToken?: string; logger?: boolean; devClock?: OffsetClock; secureCookies?: boolean; metricsToken?: string },
): Promise<FastifyInstance> {
  return buildApp({
    db: platform.store.db,
    clock: platform.clock,
    accounts: platform.accounts,
    portal: platform.portal,
    cookies: { secure: options.secureCookies ?? false },
    orders: platform.orders,
    ledger: platform.ledger,
    fulfilment: platform.fulfilment,
    cancellation: platform.cancellation,
    subscriptions: platform.subscriptions,
    holds: platform.holds,
    documents: platform.documents,
    caDesk: platform.caDesk,
    webhooks: platform.webhooks,
    jobs: platform.jobAdmin,
    operations: platform.operations,
    ...(options.metricsToken !== undefined && { metricsToken: options.metricsToken }),
    // Several processes share one PostgreSQL, so they share its counters; PGlite has one process.
    rateLimit: options.rateLimit === null ? null : { ...options.rateLimit, shared: options.rateLimit.shared ?? platform.store.kind === 'postgres' },
    ...(options.devClock !== undefined && { devClock: options.devClock }),
    ...(options.adminToken !== undefined && { adminToken: options.adminToken }),
    // Requests log through the platform's logger where asked to (serve); not at all otherwise.
    ...(options.logger === true && { logger: platform.logger }),
  });
}
