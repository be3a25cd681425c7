import type { Db } from '../store/database.js';
import { hitWindow, purgeWindows, readWindow } from '../store/rate-limits.repository.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** Purge old windows about once every this many hits. */
const PURGE_EVERY = 1000;

/**
 * A store for @fastify/rate-limit on the platform's database, so that every `serve` process counts
 * against the same limit (PostgreSQL is the single source of truth; no Redis). Fixed windows of
 * `timeWindow` ms on the machines' clocks: rate limiting is operational, not business time, so it
 * does not follow the injected clock. A database error lets the request through (the plugin's
 * `skipOnError`): a counter must not take the API down.
 */
export function databaseRateLimitStore(db: Db) {
  let hits = 0;
  const windowOf = (timeWindow: number) => {
    const now = Date.now();
    const start = Math.floor(now / timeWindow) * timeWindow;
    return { start: new Date(start), ttl: start + timeWindow - now };
  };
  return class DatabaseRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number): void {
      const window = windowOf(timeWindow);
      hits += 1;
      if (hits % PURGE_EVERY === 0) void purgeWindows(db, new Date(window.start.getTime() - timeWindow)).catch(() => undefined);
      hitWindow(db, key, window.start).then(
        (current) => callback(null, { current, ttl: window.ttl }),
        (error: Error) => callback(error),
      );
    }

    read(key: string, callback: Callback, timeWindow: number): void {
      const window = windowOf(timeWindow);
      readWindow(db, key, window.start).then(
        (current) => callback(null, { current, ttl: window.ttl }),
        (error: Error) => callback(error),
      );
    }

    child(): DatabaseRateLimitStore {
      return this;
    }
  };
}
