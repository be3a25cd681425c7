import { sql } from 'kysely';
import type { Clock } from '../domain/clock.js';
import type { Db, Executor } from '../store/database.js';

/** A job to enqueue: a dotted name (`supplier.submit`), a JSON payload, and optionally a dedupe key. */
export interface NewJob {
  readonly name: string;
  readonly payload: Record<string, unknown>;
  /** Enqueueing the same key twice yields one job (e.g. `supplier.submit:ord_…`). */
  readonly dedupeKey?: string;
  readonly runAt?: Date;
  readonly maxAttempts?: number;
}

/** A job as a handler receives it. */
export interface Job {
  readonly id: number;
  readonly name: string;
  readonly payload: Record<string, unknown>;
  /** 1 on the first run. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

/** A job row as staff see it (dead letters and the like). */
export interface JobInfo {
  readonly id: number;
  readonly name: string;
  readonly payload: Record<string, unknown>;
  readonly status: 'pending' | 'running' | 'done' | 'dead';
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly runAt: Date;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

/** Thrown by a handler whose job can never succeed: it goes to the dead letters at once, without retries. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

/** Thrown by a handler whose job may succeed, but not before `notBefore` (e.g. a supplier's rate limit). */
export class DeferredJobError extends Error {
  override readonly name = 'DeferredJobError';
  readonly notBefore: Date;

  constructor(message: string, notBefore: Date) {
    super(message);
    this.notBefore = notBefore;
  }
}

export type JobHandler = (job: Job) => Promise<void>;

export interface HandlerOptions {
  /** Delay before attempt `attempt + 1`, in ms. Default: exponential from 1 s, capped at 10 min, with jitter. */
  readonly backoffMs?: (attempt: number) => number;
}

const DEFAULT_MAX_ATTEMPTS = 10;

export function defaultBackoffMs(attempt: number): number {
  const base = Math.min(600_000, 1000 * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * The durable queue on the platform's own database: jobs are rows, written in the caller's transaction so
 * that a state change and the work it implies commit together. It knows no business: handlers are
 * registered by the wiring (DESIGN.md).
 */
export class JobQueue {
  readonly #clock: Clock;
  readonly #listeners = new Set<() => void>();
  readonly #defaultMaxAttempts: number;

  /** `defaultMaxAttempts` applies to jobs enqueued without their own `maxAttempts`. */
  constructor(deps: { clock: Clock; defaultMaxAttempts?: number }) {
    this.#clock = deps.clock;
    this.#defaultMaxAttempts = deps.defaultMaxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  /** Adds a job in the caller's transaction (or on its own when given the database). */
  async enqueue(db: Executor, job: NewJob): Promise<void> {
    const now = this.#clock.now();
    await db
      .insertInto('jobs')
      .values({
        name: job.name,
        payload: JSON.stringify(job.payload),
        dedupe_key: job.dedupeKey ?? null,
        status: 'pending',
        max_attempts: job.maxAttempts ?? this.#defaultMaxAttempts,
        run_at: job.runAt ?? now,
        created_at: now,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
    for (const listener of this.#listeners) setImmediate(listener);
  }

  /** Called after every enqueue (in this process), so an in-process runner can wake early. */
  onEnqueue(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

type JobRow = {
  id: number;
  name: string;
  payload: Record<string, unknown>;
  status: string;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
};

function toInfo(r: JobRow): JobInfo {
  return {
    id: r.id,
    name: r.name,
    payload: r.payload,
    status: r.status as JobInfo['status'],
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

/**
 * Claims due jobs (`FOR UPDATE SKIP LOCKED`, so any number of runners in any number of processes share
 * the queue), runs their handlers, and records the outcome: done, retried later with backoff, or dead.
 * A runner that dies leaves its jobs `running` with a lease; they are claimed again once it expires.
 *
 * Started, it is a pool: it keeps up to `concurrency` jobs in flight and claims more as soon as one
 * finishes, so a slow job (an SMTP round trip, a supplier call) never holds back the ones behind it.
 * It claims only as many jobs as it has free slots, so no claimed job waits in memory for its lease to
 * run out.
 */
export class JobRunner {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #handlers = new Map<string, { handler: JobHandler; options: HandlerOptions }>();
  readonly #batchSize: number;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #claiming: Promise<void> | undefined;
  #stopped = true;
  /** A wake-up arrived while a claim was out: claim again when it is back. */
  #wake = false;
  /** The last claim found fewer due jobs than it asked for: wait for a kick or the poll, not for each finishing job. */
  #drained = false;

  /**
   * `batchSize` (default 10): jobs claimed at most per query; `concurrency` (default 10): jobs in
   * flight at most while started; `leaseMs`: how long a claimed job is this runner's before another may
   * claim it; `pollMs`: how often an idle runner looks for due jobs.
   */
  constructor(deps: { db: Db; clock: Clock; batchSize?: number; concurrency?: number; leaseMs?: number; pollMs?: number }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#batchSize = deps.batchSize ?? 10;
    this.#concurrency = deps.concurrency ?? 10;
    this.#leaseMs = deps.leaseMs ?? 120_000;
    this.#pollMs = deps.pollMs ?? 250;
  }

  /** Jobs in flight at most while started: what a benchmark gives its anchor as client count. */
  get concurrency(): number {
    return this.#concurrency;
  }

  register(name: string, handler: JobHandler, options: HandlerOptions = {}): this {
    if (this.#handlers.has(name)) throw new Error(`A handler for ${name} is already registered.`);
    this.#handlers.set(name, { handler, options });
    return this;
  }

  /** Claims and runs one batch of due jobs, waiting for all of them; returns how many ran. */
  async runDue(): Promise<number> {
    const claimed = await this.#claim(this.#batchSize);
    await Promise.all(claimed.map((row) => this.#run(row)));
    return claimed.length;
  }

  /** Runs due jobs until none is left (bounded), for tests and for shutdown. */
  async drain(maxRounds = 1000): Promise<void> {
    for (let round = 0; round < maxRounds; round += 1) {
      if ((await this.runDue()) === 0) return;
    }
    throw new Error(`the job queue did not drain within ${maxRounds} rounds`);
  }

  /** Runs due jobs, `concurrency` at a time, until `stop`; `kick` wakes it early. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.kick();
  }

  /** Looks for due jobs now (after an enqueue in this process). */
  kick(): void {
    this.#drained = false;
    this.#fill();
  }

  /** Stops claiming and waits for the jobs in flight to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#claiming;
    await Promise.all(this.#inFlight);
  }

  /** Claims as many due jobs as there are free slots, unless a claim is already out. */
  #fill(): void {
    if (this.#stopped) return;
    if (this.#claiming) {
      this.#wake = true;
      return;
    }
    const free = this.#concurrency - this.#inFlight.size;
    // A finishing job calls again.
    if (free <= 0) return;
    clearTimeout(this.#timer);
    this.#wake = false;
    const wanted = Math.min(free, this.#batchSize);
    this.#claiming = this.#claim(wanted).then(
      (rows) => {
        for (const row of rows) {
          const running: Promise<void> = this.#run(row)
            .catch((error: Error) => process.emitWarning(`job runner: job ${row.id}: ${error.message}`))
            .finally(() => {
              this.#inFlight.delete(running);
              if (!this.#drained) this.#fill();
            });
          this.#inFlight.add(running);
        }
        this.#drained = rows.length < wanted;
      },
      (error: Error) => {
        process.emitWarning(`job runner: ${error.message}`);
        this.#drained = true;
      },
    );
    void this.#claiming.then(() => {
      this.#claiming = undefined;
      if (this.#stopped) return;
      if (this.#wake || !this.#drained) this.#fill();
      else this.#timer = setTimeout(() => this.kick(), this.#pollMs);
    });
  }

  async #claim(limit: number): Promise<JobRow[]> {
    const now = this.#clock.now();
    const names = [...this.#handlers.keys()];
    if (names.length === 0) return [];
    const claimed = await sql<JobRow>`
      update jobs set status = 'running', attempts = attempts + 1, locked_until = ${new Date(now.getTime() + this.#leaseMs)}
      where id in (
        select id from jobs
        where name in (${sql.join(names)})
          and ((status = 'pending' and run_at <= ${now}) or (status = 'running' and locked_until < ${now}))
        order by run_at, id
        limit ${limit}
        for update skip locked)
      returning id, name, payload, status, attempts, max_attempts, run_at, last_error, created_at, finished_at`.execute(this.#db);
    return claimed.rows;
  }

  /** The next attempt: after the backoff, and not before the time a deferred job named. */
  #retryAt(error: unknown, backoffMs: number): Date {
    const afterBackoff = this.#clock.now().getTime() + backoffMs;
    return new Date(error instanceof DeferredJobError ? Math.max(afterBackoff, error.notBefore.getTime()) : afterBackoff);
  }

  async #run(row: JobRow): Promise<void> {
    const registered = this.#handlers.get(row.name);
    const job: Job = { id: row.id, name: row.name, payload: row.payload, attempt: row.attempts, maxAttempts: row.max_attempts };
    try {
      if (!registered) throw new PermanentJobError(`no handler for ${row.name}`);
      await registered.handler(job);
      await this.#db
        .updateTable('jobs')
        .set({ status: 'done', finished_at: this.#clock.now(), locked_until: null, last_error: null })
        .where('id', '=', row.id)
        .where('status', '=', 'running')
        .execute();
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const dead = error instanceof PermanentJobError || row.attempts >= row.max_attempts;
      const backoff = registered?.options.backoffMs ?? defaultBackoffMs;
      await this.#db
        .updateTable('jobs')
        .set(
          dead
            ? { status: 'dead', finished_at: this.#clock.now(), locked_until: null, last_error: message.slice(0, 2000) }
            : { status: 'pending', run_at: this.#retryAt(error, backoff(row.attempts)), locked_until: null, last_error: message.slice(0, 2000) },
        )
        .where('id', '=', row.id)
        .execute();
    }
  }
}

/** Staff's view of the queue: dead letters first of all, and a way to give one another try. */
export class JobAdmin {
  readonly #db: Db;
  readonly #clock: Clock;

  constructor(deps: { db: Db; clock: Clock }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
  }

  async list(filter: { status: JobInfo['status']; limit: number; before?: number }): Promise<JobInfo[]> {
    let query = this.#db
      .selectFrom('jobs')
      .select(['id', 'name', 'payload', 'status', 'attempts', 'max_attempts', 'run_at', 'last_error', 'created_at', 'finished_at'])
      .where('status', '=', filter.status);
    if (filter.before !== undefined) query = query.where('id', '<', filter.before);
    return (await query.orderBy('id', 'desc').limit(filter.limit).execute()).map(toInfo);
  }

  /** Puts a dead job back in the queue for one more round of attempts; false when it is not dead. */
  async retry(id: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('jobs')
      .set((eb) => ({ status: 'pending', run_at: this.#clock.now(), finished_at: null, max_attempts: eb('attempts', '+', 3) }))
      .where('id', '=', id)
      .where('status', '=', 'dead')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Counts by status, for health and for staff. */
  async counts(): Promise<Record<string, number>> {
    const rows = await this.#db.selectFrom('jobs').select(['status', sql<string>`count(*)::text`.as('n')]).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}

/**
 * Periodic jobs: every `intervalMs` each process that runs one enqueues the job for the current time
 * bucket; the dedupe key makes it one job per bucket however many processes do so.
 */
export class Scheduler {
  readonly #queue: JobQueue;
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(deps: { queue: JobQueue; db: Db; clock: Clock }) {
    this.#queue = deps.queue;
    this.#db = deps.db;
    this.#clock = deps.clock;
  }

  /** Enqueues `name` once per `intervalMs` window, starting now. */
  every(name: string, intervalMs: number): void {
    const tick = () => {
      const bucket = Math.floor(this.#clock.now().getTime() / intervalMs);
      this.#queue.enqueue(this.#db, { name, payload: {}, dedupeKey: `${name}:${bucket}`, maxAttempts: 3 }).catch((error: Error) => process.emitWarning(`scheduler: ${name}: ${error.message}`));
    };
    tick();
    const timer = setInterval(tick, Math.min(intervalMs, 60_000));
    timer.unref();
    this.#timers.push(timer);
  }

  stop(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
  }
}
