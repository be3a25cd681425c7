import type { FastifyInstance } from 'fastify';
import { AccountsService } from '../accounts/accounts.service.js';
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
import type { FraudConfig } from '../fraud/types.js';
import { outboxOrderMail } from '../orders/order-mail.js';
import { OrdersService } from '../orders/orders.service.js';
import { PriceBook } from '../orders/pricing.js';
import { Webhooks } from '../orders/webhooks.js';
import type { Store } from '../store/database.js';
import { createSqlPort } from '../store/sql-port.js';
import { localCaFactory } from '../suppliers/local-ca/index.js';
import type { Supplier } from '../suppliers/supplier.js';
import { createCsrDecoder } from '../validation/csr.js';

/** The periodic sweep for orders past their seven-day completion window. */
export const DEADLINE_JOB = 'orders.deadline';

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
  readonly webhooksAllowPrivateTargets: boolean;
  /** The fraud screen's thresholds and lists; the defaults of `fraud/` when absent. */
  readonly fraud?: FraudConfig;
  /** Days after the completion window passed at which orders are cancelled automatically; null (default): never. */
  readonly autoCancelAfterDays?: number | null;
  /** Job options (tests shorten the backoff and the attempts). */
  readonly jobs?: HandlerOptions & { readonly pollMs?: number; readonly leaseMs?: number; readonly maxAttempts?: number };
}

/** Every service of the platform, built once from its ports. */
export interface Platform {
  readonly store: Store;
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly accounts: AccountsService;
  readonly orders: OrdersService;
  readonly fulfilment: FulfilmentService;
  readonly cancellation: CancellationService;
  readonly holds: HoldsService;
  readonly webhooks: Webhooks;
  readonly outbox: MailOutbox;
  readonly queue: JobQueue;
  readonly runner: JobRunner;
  readonly jobAdmin: JobAdmin;
  readonly suppliers: ReadonlyMap<string, Supplier>;
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
  const localCa = await localCaFactory.create(
    { encryptionKey: options.localCa.encryptionKey, dcvPort: options.localCa.dcvPort, ...(options.localCa.dcvPublicUrl !== undefined && { dcvPublicUrl: options.localCa.dcvPublicUrl }) },
    {
      sql: createSqlPort(db),
      clock,
      events: { emit: (event) => ready().recordSupplierEvent(event) },
      mail: { sendApprovalEmail: (request) => ready().sendApprovalEmail(request) },
    },
  );
  const suppliers = new Map<string, Supplier>([[localCa.name, localCa]]);
  const orderMail = outboxOrderMail(outbox);
  const holds = new HoldsService({ db, clock, ledger, queue, webhooks, ...(options.fraud !== undefined && { config: options.fraud }) });
  fulfilment = new FulfilmentService({
    db,
    clock,
    queue,
    suppliers,
    defaultSupplier: options.defaultSupplier ?? 'local-ca',
    mail: orderMail,
    webhooks,
    decodeCsr,
    screen: holds.screen,
    releasedFromHold: (orderId) => holds.released(orderId),
  });
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

  const jobOptions: HandlerOptions = { ...(options.jobs?.backoffMs !== undefined && { backoffMs: options.jobs.backoffMs }) };
  runner
    .register('order.screen', (job) => service.screenJob(job), jobOptions)
    .register('supplier.submit', (job) => service.submitJob(job), jobOptions)
    .register('supplier.event', (job) => service.supplierEventJob(job), jobOptions)
    .register('supplier.reissue', (job) => service.reissueJob(job), jobOptions)
    .register('supplier.cancel', (job) => cancellation.supplierCancelJob(job), jobOptions)
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
    orders: new OrdersService({ db, clock, ledger, priceBook, decodeCsr, afterPlacement: (trx, orderId) => service.afterPlacement(trx, orderId) }),
    fulfilment: service,
    cancellation,
    holds,
    webhooks,
    outbox,
    queue,
    runner,
    jobAdmin,
    suppliers,
    close: async () => {
      unsubscribe();
      await runner.stop();
      await Promise.all([...suppliers.values()].map((s) => s.close()));
    },
  };
}

export function createHttpApp(
  platform: Platform,
  options: { rateLimit: RateLimitConfig | null; adminToken?: string; logger?: boolean; devClock?: OffsetClock },
): Promise<FastifyInstance> {
  return buildApp({
    db: platform.store.db,
    clock: platform.clock,
    accounts: platform.accounts,
    orders: platform.orders,
    ledger: platform.ledger,
    fulfilment: platform.fulfilment,
    cancellation: platform.cancellation,
    holds: platform.holds,
    webhooks: platform.webhooks,
    jobs: platform.jobAdmin,
    rateLimit: options.rateLimit,
    ...(options.devClock !== undefined && { devClock: options.devClock }),
    ...(options.adminToken !== undefined && { adminToken: options.adminToken }),
    ...(options.logger !== undefined && { logger: options.logger }),
  });
}
