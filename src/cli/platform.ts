import type { FastifyInstance } from 'fastify';
import { AccountsService } from '../accounts/accounts.service.js';
import type { Clock } from '../domain/clock.js';
import { buildApp, type RateLimitConfig } from '../http/app.js';
import { Ledger } from '../ledger/ledger.js';
import { OrdersService } from '../orders/orders.service.js';
import { PriceBook } from '../orders/pricing.js';
import type { Store } from '../store/database.js';
import { createCsrDecoder } from '../validation/csr.js';

/** Every service of the platform, built once from its ports. */
export interface Platform {
  readonly store: Store;
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly accounts: AccountsService;
  readonly orders: OrdersService;
}

/** The one place where the services are wired together (Boulder's `cmd/…/main.go`). */
export function createPlatform(deps: { store: Store; clock: Clock; csrCacheSize?: number }): Platform {
  const { store, clock } = deps;
  const ledger = new Ledger(clock);
  const decodeCsr = createCsrDecoder({ cacheSize: deps.csrCacheSize ?? 1000 });
  const priceBook = new PriceBook(store.db);
  return {
    store,
    clock,
    ledger,
    accounts: new AccountsService({ db: store.db, clock, ledger, onResellerChanged: (id) => priceBook.invalidate(id) }),
    orders: new OrdersService({ db: store.db, clock, ledger, priceBook, decodeCsr }),
  };
}

export function createHttpApp(platform: Platform, options: { rateLimit: RateLimitConfig | null; adminToken?: string; logger?: boolean }): Promise<FastifyInstance> {
  return buildApp({
    db: platform.store.db,
    clock: platform.clock,
    accounts: platform.accounts,
    orders: platform.orders,
    ledger: platform.ledger,
    rateLimit: options.rateLimit,
    ...(options.adminToken !== undefined && { adminToken: options.adminToken }),
    ...(options.logger !== undefined && { logger: options.logger }),
  });
}
