/**
 * The shared rate-limit store: far below the limit it counts in memory and writes many keys' hits in one
 * statement; from a quarter of the limit on every hit is written at once, so two processes near the limit
 * agree on the count. Two store instances stand for two `serve` processes on one database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseRateLimitStore } from '../src/http/rate-limit-store.js';
import type { Store } from '../src/store/database.js';
import { readWindow } from '../src/store/rate-limits.repository.js';
import { DATABASES } from './support/databases.js';

const WINDOW_MS = 3_600_000;

type RateStore = InstanceType<ReturnType<typeof databaseRateLimitStore>>;

function hit(store: RateStore, key: string, max: number): Promise<number> {
  return new Promise((resolve, reject) => store.incr(key, (error, result) => (error ? reject(error) : resolve(result!.current)), WINDOW_MS, max));
}

const windowStart = () => new Date(Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS);

for (const db of DATABASES) {
  describe(`shared rate-limit store on ${db.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await db.open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('holds hits far below the limit in memory and writes every key’s pending hits at the flush', async () => {
      const Limits = databaseRateLimitStore(store.db);
      const limits = new Limits();
      expect(await hit(limits, 'key:a', 100)).toBe(1);
      expect(await hit(limits, 'key:a', 100)).toBe(2);
      expect(await hit(limits, 'key:b', 100)).toBe(1);
      expect(await readWindow(store.db, 'key:a', windowStart())).toBe(0);
      await limits.flush();
      expect(await readWindow(store.db, 'key:a', windowStart())).toBe(2);
      expect(await readWindow(store.db, 'key:b', windowStart())).toBe(1);
    });

    it('counts exactly across two processes from a quarter of the limit on', async () => {
      // A store per process: each has its own memory of what it held back.
      const a = new (databaseRateLimitStore(store.db))();
      const b = new (databaseRateLimitStore(store.db))();
      const max = 8;
      // Below a quarter (2 of 8) each process holds its first hit back.
      expect(await hit(a, 'key:c', max)).toBe(1);
      expect(await hit(b, 'key:c', max)).toBe(1);
      // From there on each hit is written with what was pending and answers the shared count.
      expect(await hit(a, 'key:c', max)).toBe(2);
      expect(await hit(b, 'key:c', max)).toBe(4);
      expect(await hit(a, 'key:c', max)).toBe(5);
      expect(await readWindow(store.db, 'key:c', windowStart())).toBe(5);
      for (let i = 0; i < 3; i += 1) await hit(i % 2 === 0 ? b : a, 'key:c', max);
      // Both see the limit reached.
      expect(await hit(a, 'key:c', max)).toBe(9);
      expect(await hit(b, 'key:c', max)).toBe(10);
    });
  });
}
