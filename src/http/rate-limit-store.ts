import type { Db } from '../store/database.js';
import { addHits, purgeWindows, readWindow, windowKey } from '../store/rate-limits.repository.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** Purge old windows about once every this many hits. */
const PURGE_EVERY = 1000;
/** How long hits far below the limit wait in memory before they are written, together. */
const FLUSH_AFTER_MS = 50;
/** Below this share of the limit (as this process last saw the shared count), hits are counted in memory. */
const EXACT_FROM = 1 / 4;

interface Window {
  readonly key: string;
  readonly start: Date;
  /** When the window ends (ms). */
  readonly ends: number;
  /** The shared count when this process last wrote or read it. */
  known: number;
  /** Hits this process counted and has not written yet. */
  pending: number;
}

/**
 * A store for @fastify/rate-limit on the platform's database, so that every `serve` process counts
 * against the same limit (PostgreSQL is the single source of truth; no Redis). Fixed windows of
 * `timeWindow` ms on the machines' clocks: rate limiting is operational, not business time, so it
 * does not follow the injected clock. A database error lets the request through (the plugin's
 * `skipOnError`): a counter must not take the API down.
 *
 * So that an API call does not pay a round trip and a commit of its own for counting, a key far from
 * its limit (under a quarter of it, as this process last saw the shared count) is counted in memory
 * and written with every other such key every 50 ms in one statement. From a quarter on, each hit is
 * written at once with what was pending, and the answer is the shared count: near the limit the count
 * is exact. A burst that goes from nothing to the whole limit within 50 ms across several
 * processes can overshoot by what each of them held back, a quarter of the limit at most.
 */
export function databaseRateLimitStore(db: Db) {
  let hits = 0;
  const windows = new Map<string, Window>();
  let flushing: NodeJS.Timeout | undefined;

  const windowOf = (timeWindow: number) => {
    const now = Date.now();
    const start = Math.floor(now / timeWindow) * timeWindow;
    return { start: new Date(start), ttl: start + timeWindow - now };
  };

  /** Writes every window's pending hits in one statement and learns the shared counts. */
  const flush = async (): Promise<void> => {
    flushing = undefined;
    const due = [...windows.values()].filter((w) => w.pending > 0);
    const batch = due.map((w) => ({ key: w.key, start: w.start, hits: w.pending }));
    for (const w of due) w.pending = 0;
    if (batch.length > 0) {
      try {
        const counts = await addHits(db, batch);
        for (const w of due) w.known = Math.max(w.known, counts.get(windowKey(w.key, w.start)) ?? 0);
      } catch {
        // Counted again with the next write: a counter must not take the API down.
        for (const [i, w] of due.entries()) w.pending += batch[i]!.hits;
      }
    }
    // Windows that are over are not needed any more.
    const now = Date.now();
    for (const [id, w] of windows) if (w.pending === 0 && w.ends <= now) windows.delete(id);
  };

  return class DatabaseRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      const window = windowOf(timeWindow);
      hits += 1;
      if (hits % PURGE_EVERY === 0) void purgeWindows(db, new Date(window.start.getTime() - timeWindow)).catch(() => undefined);
      const id = windowKey(key, window.start);
      let w = windows.get(id);
      if (w === undefined) {
        w = { key, start: window.start, ends: window.start.getTime() + timeWindow, known: 0, pending: 0 };
        windows.set(id, w);
      }
      const seen = w.known + w.pending + 1;
      if (seen < max * EXACT_FROM) {
        w.pending += 1;
        flushing ??= setTimeout(() => void flush(), FLUSH_AFTER_MS).unref();
        callback(null, { current: seen, ttl: window.ttl });
        return;
      }
      const add = w.pending + 1;
      w.pending = 0;
      const counted = w;
      addHits(db, [{ key, start: window.start, hits: add }]).then(
        (counts) => {
          const current = counts.get(id) ?? seen;
          counted.known = Math.max(counted.known, current);
          callback(null, { current, ttl: window.ttl });
        },
        (error: Error) => {
          counted.pending += add - 1;
          callback(error);
        },
      );
    }

    read(key: string, callback: Callback, timeWindow: number): void {
      const window = windowOf(timeWindow);
      const pending = windows.get(windowKey(key, window.start))?.pending ?? 0;
      readWindow(db, key, window.start).then(
        (current) => callback(null, { current: current + pending, ttl: window.ttl }),
        (error: Error) => callback(error),
      );
    }

    /** Writes what is pending now (for shutdown and tests; otherwise it happens within 50 ms). */
    flush(): Promise<void> {
      clearTimeout(flushing);
      return flush();
    }

    child(): DatabaseRateLimitStore {
      return this;
    }
  };
}
