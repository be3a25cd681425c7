import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../src/domain/clock.js';
import { DeferredJobError, JobAdmin, JobQueue, JobRunner, PermanentJobError, type Job } from '../src/jobs/queue.js';
import type { Store } from '../src/store/database.js';
import { DATABASES } from './support/databases.js';

for (const db of DATABASES) {
  describe(`job queue on ${db.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await db.open();
    });
    afterAll(async () => store?.close());

    function setup(name: string, handler: (job: Job) => Promise<void>) {
      const clock = new FixedClock();
      const queue = new JobQueue({ clock });
      const runner = new JobRunner({ db: store.db, clock }).register(name, handler, { backoffMs: (attempt) => attempt * 1000 });
      return { clock, queue, runner, admin: new JobAdmin({ db: store.db, clock }) };
    }

    it('keeps a job only when its transaction commits, and runs it once', async () => {
      const seen: unknown[] = [];
      const { queue, runner } = setup('t.commit', async (job) => {
        seen.push(job.payload);
      });
      await store.db.transaction().execute((trx) => queue.enqueue(trx, { name: 't.commit', payload: { n: 1 } }));
      await expect(
        store.db.transaction().execute(async (trx) => {
          await queue.enqueue(trx, { name: 't.commit', payload: { n: 2 } });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await runner.drain();
      await runner.drain();
      expect(seen).toEqual([{ n: 1 }]);
    });

    it('yields one job for one dedupe key', async () => {
      let runs = 0;
      const { queue, runner } = setup('t.dedupe', async () => {
        runs += 1;
      });
      await queue.enqueue(store.db, { name: 't.dedupe', payload: {}, dedupeKey: 'same' });
      await queue.enqueue(store.db, { name: 't.dedupe', payload: {}, dedupeKey: 'same' });
      await runner.drain();
      expect(runs).toBe(1);
    });

    it('retries with backoff on the injected clock, then moves the job to the dead letters with its last error', async () => {
      const attempts: number[] = [];
      const { clock, queue, runner, admin } = setup(
        't.retry',
        async (job) => {
          attempts.push(job.attempt);
          throw new Error(`failure ${job.attempt}`);
        },
      );
      await queue.enqueue(store.db, { name: 't.retry', payload: { order: 'x' }, maxAttempts: 3 });
      await runner.drain();
      expect(attempts).toEqual([1]);
      clock.advance(999);
      await runner.drain();
      expect(attempts).toEqual([1]);
      clock.advance(1);
      await runner.drain();
      clock.advance(2000);
      await runner.drain();
      expect(attempts).toEqual([1, 2, 3]);
      const dead = (await admin.list({ status: 'dead', limit: 10 })).filter((j) => j.name === 't.retry');
      expect(dead).toEqual([expect.objectContaining({ attempts: 3, lastError: 'Error: failure 3', payload: { order: 'x' } })]);
      expect(await admin.retry(dead[0]!.id)).toBe(true);
      await runner.drain();
      expect(attempts).toEqual([1, 2, 3, 4]);
    });

    it('retries a deferred job not before the time it named, nor before its backoff', async () => {
      const attempts: number[] = [];
      const { clock, queue, runner } = setup('t.deferred', async (job) => {
        attempts.push(job.attempt);
        // A supplier's rate limit: "try again in an hour" on the first attempt, nothing said on the second.
        if (job.attempt === 1) throw new DeferredJobError('rate limited', new Date(clock.now().getTime() + 3_600_000));
        if (job.attempt === 2) throw new DeferredJobError('rate limited, try soon', new Date(clock.now().getTime() + 10));
      });
      await queue.enqueue(store.db, { name: 't.deferred', payload: {} });
      await runner.drain();
      clock.advance(3_599_999);
      await runner.drain();
      expect(attempts).toEqual([1]);
      clock.advance(1);
      await runner.drain();
      expect(attempts).toEqual([1, 2]);
      // The named time (10 ms) is sooner than the backoff (2 s): the backoff wins.
      clock.advance(1999);
      await runner.drain();
      expect(attempts).toEqual([1, 2]);
      clock.advance(1);
      await runner.drain();
      expect(attempts).toEqual([1, 2, 3]);
    });

    it('sends a permanent failure to the dead letters at once', async () => {
      let runs = 0;
      const { queue, runner, admin } = setup('t.permanent', async () => {
        runs += 1;
        throw new PermanentJobError('cannot ever work');
      });
      await queue.enqueue(store.db, { name: 't.permanent', payload: {} });
      await runner.drain();
      expect(runs).toBe(1);
      expect((await admin.list({ status: 'dead', limit: 50 })).some((j) => j.name === 't.permanent')).toBe(true);
    });

    it('keeps its pool full while started: one slow job holds back none of the jobs behind it', async () => {
      const clock = new FixedClock();
      const queue = new JobQueue({ clock });
      const done: string[] = [];
      let releaseSlow!: () => void;
      const slowReleased = new Promise<void>((resolve) => {
        releaseSlow = resolve;
      });
      let allFastDone!: () => void;
      const fastDone = new Promise<void>((resolve) => {
        allFastDone = resolve;
      });
      const runner = new JobRunner({ db: store.db, clock, batchSize: 2, concurrency: 2, pollMs: 5 }).register('t.pool', async (job) => {
        const tag = job.payload.tag as string;
        if (tag === 'slow') await slowReleased;
        done.push(tag);
        if (done.filter((t) => t !== 'slow').length === 4) allFastDone();
      });
      for (const tag of ['slow', 'a', 'b', 'c', 'd']) await queue.enqueue(store.db, { name: 't.pool', payload: { tag } });
      runner.start();
      // With two slots, a runner that waited for its whole batch would sit on `slow` and `a`.
      await fastDone;
      expect(done).toEqual(['a', 'b', 'c', 'd']);
      releaseSlow();
      await runner.stop();
      expect(done).toEqual(['a', 'b', 'c', 'd', 'slow']);
      const rows = await store.db.selectFrom('jobs').select(['status']).where('name', '=', 't.pool').execute();
      expect(rows.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    });

    it('retries a failing job from the running pool until its last attempt, then sends it to the dead letters (backoff: the injected-clock test above)', async () => {
      const clock = new FixedClock();
      const queue = new JobQueue({ clock });
      const attempts: number[] = [];
      let dead!: () => void;
      const isDead = new Promise<void>((resolve) => {
        dead = resolve;
      });
      const runner = new JobRunner({ db: store.db, clock, concurrency: 4, pollMs: 5 }).register(
        't.pool-retry',
        async (job) => {
          attempts.push(job.attempt);
          if (job.attempt === job.maxAttempts) setImmediate(dead);
          throw new Error(`failure ${job.attempt}`);
        },
        { backoffMs: () => 0 },
      );
      await queue.enqueue(store.db, { name: 't.pool-retry', payload: {}, maxAttempts: 3 });
      runner.start();
      await isDead;
      await runner.stop();
      expect(attempts).toEqual([1, 2, 3]);
      const row = await store.db.selectFrom('jobs').select(['status', 'last_error']).where('name', '=', 't.pool-retry').executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'dead', last_error: 'Error: failure 3' });
    });

    it('claims a job again once the lease of a runner that died has expired', async () => {
      let runs = 0;
      const { clock, queue, runner } = setup('t.lease', async () => {
        runs += 1;
      });
      await queue.enqueue(store.db, { name: 't.lease', payload: {} });
      // A runner that claimed the job and died: the row stays `running` with its lease.
      await store.db.updateTable('jobs').set({ status: 'running', attempts: 1, locked_until: new Date(clock.now().getTime() + 60_000) }).where('name', '=', 't.lease').execute();
      await runner.drain();
      expect(runs).toBe(0);
      clock.advance(60_001);
      await runner.drain();
      expect(runs).toBe(1);
    });
  });
}
