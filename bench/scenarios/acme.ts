/**
 * Issuance through an ACME CA (issue 6): in one run, on one Pebble started here, at one concurrency,
 * 1. the platform's rate through Pebble, twice over `orders` orders placed beforehand (untimed):
 *    - from placed: the clock starts with the job runner, which screens and releases the orders (the
 *      release job opens the ACME order at Pebble and queues the instructions email) while resellers
 *      re-check each order (`POST /v1/orders/{id}/approval-email`, over HTTP) as soon as it awaits
 *      validation; the re-check answers the challenge, the adapter's poller finalizes and downloads,
 *      and the `issued` event goes through the platform's job queue — until every order is `issued`;
 *    - from released: the same, with the release and its emails done before the clock starts (the
 *      `issuance` scenario's starting line);
 * 2. the same Pebble driven directly by acme-client, the library under the adapter: new order →
 *    authorizations → answer the challenge → finalize → download;
 * 3. the embedded CA's platform issuance (the `issuance` scenario's measurement, at this concurrency),
 * with the overhead ratios (1 ÷ 2) and the embedded CA's ratios. Skipped when Pebble is not installed.
 * Sizes: BENCH_ACME_ORDERS (200), BENCH_ACME_WARMUP (20), BENCH_ACME_CONCURRENCY (8).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Agent } from 'node:https';
import { performance } from 'node:perf_hooks';
import * as acme from 'acme-client';
import { sql } from 'kysely';
import { createHttpApp } from '../../src/cli/platform.js';
import { systemClock } from '../../src/domain/clock.js';
import { DEFAULT_FRAUD_CONFIG } from '../../src/fraud/index.js';
import { openStore } from '../../src/store/database.js';
import { buildCsr, ecKey } from '../../test/support/csr-factory.js';
import { orderBody } from '../../test/support/orders.js';
import type { Pebble } from '../../test/support/pebble.js';
import { startTestPlatform } from '../../test/support/platform.js';
import { log, progress, type Measurement } from '../lib/report.js';
import type { Scenario } from '../lib/scenario.js';
import { createBenchDatabase } from '../lib/store.js';
import { measureEmbeddedIssuance } from './issuance.js';

/** Where the Debian package puts Pebble (test/support/pebble.ts starts it from there). */
const PEBBLE_BIN = '/usr/bin/pebble';

/**
 * The adapter's timers, and the direct client's backoff, set alike so that neither side waits on its
 * own clock: an order moves as soon as Pebble has moved it.
 * - `pollIntervalMs` 10 ms, the least the adapter accepts. An answered order is looked at at once (the
 *   re-check makes it due and wakes the poller); every later look — after finalize, while Pebble signs
 *   — comes 10 ms after the previous step, about Pebble's own time for a step on loopback. The default
 *   (5 s) would make the poller's clock, not the platform's work, the limit.
 * - `maxPollMs` 1 s: an order whose look found nothing new (challenge not answered yet, Pebble still
 *   signing) backs off from 10 ms, doubling, to at most 1 s. The cap matters more than it should: in
 *   trials here (60 orders from released, loaded machine) a 60 s cap took the median time from the
 *   answered challenge to the adapter's `issued` from 5 s to 12 s and halved the rate, while the direct
 *   client, with the same backoff, took ~0.4 s an order. Why the adapter's answered orders wait out
 *   long backoffs is not settled (see the report of issue 6); it is the adapter's to fix, not the
 *   benchmark's. `BENCH_ACME_MAX_POLL_MS` overrides the cap.
 * - `concurrency` = the scenario's concurrency (default 8): the poller works on as many orders at the
 *   CA at a time as the direct run has clients, and as the embedded-CA run has approvers. (The job
 *   runner claims its jobs 10 at a time, a setting createPlatform does not expose.)
 * The direct client waits for Pebble with acme-client's own backoff set to the same 10 ms → 1 s.
 */
const POLL_MS = 10;
const MAX_POLL_MS = Number(process.env.BENCH_ACME_MAX_POLL_MS ?? 1000);

/** How often the benchmark's reseller looks for orders to re-check, and for the ones issued. */
const WATCH_MS = 10;

export interface AcmeBenchOptions {
  /** Orders measured per part (after the warm-up). */
  readonly orders: number;
  /** Orders run through each ACME part first, untimed (account registration, connections, JIT). */
  readonly warmup: number;
  /** Clients at once: direct ACME clients, the adapter's poller, re-checking resellers, embedded-CA approvers. */
  readonly concurrency: number;
}

const DEFAULTS: AcmeBenchOptions = {
  orders: Number(process.env.BENCH_ACME_ORDERS ?? 200),
  warmup: Number(process.env.BENCH_ACME_WARMUP ?? 20),
  concurrency: Number(process.env.BENCH_ACME_CONCURRENCY ?? 8),
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** This process's CPU time since `since`, as a share of one core over `elapsedMs`. */
const cpuShare = (since: NodeJS.CpuUsage, elapsedMs: number) => {
  const used = process.cpuUsage(since);
  return `this process used ${Math.round((used.user + used.system) / 10 / elapsedMs)}% of a core`;
};
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** A name Pebble and the platform both accept, unique per run. */
function domainFor(tag: string, i: number): string {
  return `shop-bench-${tag}-${i}.com`;
}

/** Runs `work` on items 0..count-1 with `concurrency` workers; resolves with each item's duration. */
async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>, onDone?: (done: number) => void): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const started = performance.now();
        await work(i);
        durations.push(performance.now() - started);
        onDone?.(durations.length);
      }
    }),
  );
  return durations;
}

export interface Rate {
  readonly count: number;
  readonly elapsedMs: number;
  readonly perSecond: number;
  readonly detail: string;
}

/** Pebble driven by acme-client alone: `concurrency` clients of one account, each order from new order to certificate. */
export async function directRate(pebble: Pebble, options: AcmeBenchOptions): Promise<Rate> {
  // acme-client talks through its shared axios instance: trust Pebble's TLS certificate there for this
  // part only, with keep-alive like the adapter's own transport.
  const agent = new Agent({ ca: pebble.ca, keepAlive: true });
  const previousAgent: unknown = acme.axios.defaults.httpsAgent;
  acme.axios.defaults.httpsAgent = agent;
  try {
    const client = new acme.Client({
      directoryUrl: pebble.directoryUrl,
      accountKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      backoffMin: POLL_MS,
      backoffMax: MAX_POLL_MS,
      backoffAttempts: 100,
    });
    await client.createAccount({ termsOfServiceAgreed: true });
    const key = ecKey('P-256');
    const tag = randomBytes(4).toString('hex');
    const total = options.warmup + options.orders;
    const csrs = Array.from({ length: total }, (_, i) => {
      const domain = domainFor(`d${tag}`, i);
      return { domain, pem: buildCsr({ privateKey: key, commonName: domain, sans: [domain] }).pem };
    });
    const issue = async ({ domain, pem }: { domain: string; pem: string }) => {
      const order = await client.createOrder({ identifiers: [{ type: 'dns', value: domain }] });
      for (const authorization of await client.getAuthorizations(order)) {
        if (authorization.status === 'valid') continue; // RFC 8555 7.1.3: a reused authorization needs nothing.
        const challenge = authorization.challenges.find((candidate) => candidate.type === 'dns-01');
        if (challenge === undefined) throw new Error(`Pebble offers no dns-01 challenge for ${domain}`);
        await client.completeChallenge(challenge);
      }
      // `ready` counts as done for acme-client's wait: every authorization is valid.
      await client.waitForValidStatus(order);
      const finalized = await client.finalizeOrder(order, pem);
      // Waits for `valid` (Pebble signs after answering the finalize), then downloads the chain.
      const chain = await client.getCertificate(finalized);
      if (!chain.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`no certificate for ${domain}`);
    };
    await pool(options.warmup, options.concurrency, (i) => issue(csrs[i]!));
    const started = performance.now();
    const cpu = process.cpuUsage();
    const latencies = await pool(options.orders, options.concurrency, (i) => issue(csrs[options.warmup + i]!), (done) => {
      if (done % 50 === 0 || done === options.orders) progress('acme-client → Pebble', done, options.orders);
    });
    const elapsedMs = performance.now() - started;
    return { count: options.orders, elapsedMs, perSecond: (options.orders * 1000) / elapsedMs, detail: `median ${median(latencies).toFixed(0)} ms an order, ${cpuShare(cpu, elapsedMs)}` };
  } finally {
    acme.axios.defaults.httpsAgent = previousAgent;
    agent.destroy();
  }
}

/** The platform with Pebble as its ACME supplier: placed orders released, re-checked by their reseller, issued. */
export async function platformRate(databaseUrl: string | undefined, pebble: Pebble, options: AcmeBenchOptions): Promise<{ placed: Rate; released: Rate }> {
  const store = await openStore(databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite' });
  // One reseller placing hundreds of orders an hour would trip the velocity rule: the benchmark measures issuance, not the hold queue.
  const fraud = { ...DEFAULT_FRAUD_CONFIG, velocity: { resellerPerHour: 1_000_000, resellerPerDay: 1_000_000, domainPerDay: 1_000_000 } };
  const { platform, close } = await startTestPlatform(store, systemClock, {
    jobs: { pollMs: 10 },
    fraud,
    acme: [
      {
        directoryUrl: pebble.directoryUrl,
        ca: pebble.ca,
        rootUrl: pebble.rootUrl,
        encryptionKey: randomBytes(32),
        pollIntervalMs: POLL_MS,
        maxPollMs: MAX_POLL_MS,
        // Challenges are answered by the reseller's re-check (the approval-email route), as for a
        // customer who published the record and says so; the self-check (DNS look-ups) stays off.
        selfCheck: false,
        concurrency: options.concurrency,
      },
    ],
    // DV orders go to Pebble; the embedded CA is there for the OV/EV products (the platform refuses a chain that cannot serve them).
    supplierChain: ['acme', 'local-ca'],
  });
  const app = await createHttpApp(platform, { rateLimit: { max: 1_000_000_000, windowMs: 60_000 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const tag = randomBytes(4).toString('hex');

  /**
   * One batch of `count` orders, placed with the job runner stopped (untimed). From `placed`: the clock
   * starts with the runner, which screens and releases them (the ACME order opened at Pebble, the
   * confirmation and instructions emails, webhooks) while the resellers re-check each one as soon as it
   * awaits validation. From `released`: the runner first releases them all and sends what they cause
   * (untimed), and the clock starts with the re-checks — the issuance scenario's starting line.
   */
  const batch = async (label: string, count: number, from: 'placed' | 'released'): Promise<Rate> => {
    const { reseller, apiKey } = await platform.accounts.createReseller({ name: `Bench ACME ${label}`, repEmail: 'rep@example.com' });
    await platform.accounts.topUp({ type: 'system', id: 'bench' }, reseller.id, { amount: count * 900, reference: 'bench' });
    const actor = { type: 'reseller' as const, id: reseller.id, keyId: apiKey.key.id };
    const key = ecKey('P-256');
    for (let i = 0; i < count; i += 1) {
      const domain = domainFor(`p${tag}${label}`, i);
      await platform.orders.place(actor, orderBody({ csr: buildCsr({ privateKey: key, commonName: domain, sans: [domain] }).pem }, domain), `bench-acme-${label}-${i}`);
    }

    const recheck = async (id: string): Promise<boolean> => {
      const response = await fetch(`${base}/v1/orders/${id}/approval-email`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey.secret}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const body = await response.text();
      if (response.status === 200) return true;
      // Awaiting validation but not yet recorded as submitted, or the like: look again on the next round.
      if (response.status === 409) return false;
      throw new Error(`the re-check of order ${id} answered ${response.status}: ${body}`);
    };

    if (from === 'released') {
      await platform.runner.drain();
      const waiting = await sql<{ n: string }>`select count(*)::text as n from orders where reseller_id = ${reseller.id} and status = 'awaiting_validation'`.execute(store.db);
      if (Number(waiting.rows[0]?.n) !== count) throw new Error(`expected ${count} orders awaiting validation after the release, found ${waiting.rows[0]?.n}`);
    }
    // The adapter's own view: when its last order of the batch was issued (before the platform hears of it through its job queue).
    const adapterIssued = async () => Number((await sql<{ n: string }>`select count(*)::text as n from acme_orders where state = 'issued'`.execute(store.db)).rows[0]?.n);
    const adapterTarget = (await adapterIssued()) + count;
    let adapterDoneAt: number | undefined;
    const started = performance.now();
    const cpu = process.cpuUsage();
    platform.runner.start();
    const deadline = started + 120_000 + count * 1000;
    const rechecked = new Set<string>();
    // Orders to re-check, handed to idle resellers as they come.
    const queued: string[] = [];
    const idle: ((id: string | undefined) => void)[] = [];
    const hand = (id: string) => {
      const reseller = idle.shift();
      if (reseller === undefined) queued.push(id);
      else reseller(id);
    };
    let closed = false;
    const take = () => (closed || queued.length > 0 ? Promise.resolve(queued.shift()) : new Promise<string | undefined>((resolve) => idle.push(resolve)));
    let failure: unknown;
    let firstIssuedAt: number | undefined;
    // The resellers: re-check each order once it awaits validation, `concurrency` at a time.
    const workers = Array.from({ length: options.concurrency }, async () => {
      for (let id = await take(); id !== undefined; id = await take()) {
        try {
          if (!(await recheck(id))) rechecked.delete(id);
        } catch (error) {
          failure ??= error;
        }
      }
    });
    try {
      for (;;) {
        if (failure !== undefined) throw failure;
        const open = await sql<{ id: string; status: string }>`select id, status from orders where reseller_id = ${reseller.id} and status <> 'issued'`.execute(store.db);
        const issued = count - open.rows.length;
        if (issued > 0) firstIssuedAt ??= performance.now();
        if (adapterDoneAt === undefined && (await adapterIssued()) >= adapterTarget) adapterDoneAt = performance.now();
        if (label !== 'warm-up') progress(`platform → Pebble, from ${from} (issued)`, issued, count);
        if (issued >= count) break;
        const stuck = open.rows.find((row) => !['received', 'released', 'awaiting_validation'].includes(row.status));
        if (stuck !== undefined) throw new Error(`order ${stuck.id} went to ${stuck.status} instead of being issued`);
        if (performance.now() > deadline) throw new Error(`${issued} of ${count} orders issued before the time limit`);
        for (const row of open.rows) {
          if (row.status === 'awaiting_validation' && !rechecked.has(row.id)) {
            rechecked.add(row.id);
            hand(row.id);
          }
        }
        await sleep(WATCH_MS);
      }
    } finally {
      closed = true;
      queued.length = 0;
      for (const reseller of idle.splice(0)) reseller(undefined);
      await Promise.all(workers);
    }
    const issuedAt = performance.now();
    const cpuUsed = cpuShare(cpu, issuedAt - started);
    const adapterDone = `the adapter had issued all ${count} after ${(((adapterDoneAt ?? issuedAt) - started) / 1000).toFixed(1)} s of ${((issuedAt - started) / 1000).toFixed(1)} s`;
    // The rest of this batch's work (fulfilment emails) is done before the next batch starts.
    await platform.runner.stop();
    await platform.runner.drain();
    const steady = firstIssuedAt !== undefined && count > 1 ? ((count - 1) * 1000) / (issuedAt - firstIssuedAt) : 0;
    return { count, elapsedMs: issuedAt - started, perSecond: (count * 1000) / (issuedAt - started), detail: `first to last issued: ${steady.toFixed(1)} certs/s; ${adapterDone}; ${cpuUsed}` };
  };

  try {
    await batch('warm-up', options.warmup, 'placed');
    return { placed: await batch('placed', options.orders, 'placed'), released: await batch('released', options.orders, 'released') };
  } finally {
    await app.close();
    await close();
    await store.close();
  }
}

/** The scenario at the given size (the smoke test runs it tiny). */
export function createAcmeScenario(overrides: Partial<AcmeBenchOptions> = {}): Scenario {
  const options: AcmeBenchOptions = { ...DEFAULTS, ...overrides };
  return {
    name: 'acme',
    description: 'certificates per second through Pebble: the platform vs acme-client alone, beside the embedded CA',
    async run({ databaseUrl }) {
      if (!existsSync(PEBBLE_BIN)) {
        log(`acme: ${PEBBLE_BIN} is not installed (apt-get install -y pebble): scenario SKIPPED.\n`);
        return [];
      }
      // Imported here, not above, so that the other scenarios run without a word about Pebble.
      const { startPebble } = await import('../../test/support/pebble.js');
      const { orders, concurrency } = options;
      // Always valid, no random sleeps (startPebble sets PEBBLE_VA_NOSLEEP=1): Pebble answers as fast as it can.
      const pebble = await startPebble({ alwaysValid: true });
      let direct: Rate;
      let viaPlatform: { placed: Rate; released: Rate };
      try {
        log(`acme-client → Pebble: ${options.warmup} warm-up orders, then ${orders} at concurrency ${concurrency}\n`);
        direct = await directRate(pebble, options);
        log(`platform → Pebble: ${options.warmup} warm-up orders, then ${orders} at concurrency ${concurrency}\n`);
        viaPlatform = await platformRate(databaseUrl, pebble, options);
      } finally {
        await pebble.stop();
      }
      log(`embedded CA: ${orders} orders, ${concurrency} approvers\n`);
      const database = await createBenchDatabase();
      let embedded: Awaited<ReturnType<typeof measureEmbeddedIssuance>>;
      try {
        embedded = await measureEmbeddedIssuance(database.url, { orders, approvers: concurrency });
      } finally {
        await database.release();
      }

      const { placed, released } = viaPlatform;
      log(
        `acme: platform via Pebble ${placed.perSecond.toFixed(1)} certs/s from placed, ${released.perSecond.toFixed(1)} from released; acme-client direct ${direct.perSecond.toFixed(1)} certs/s; ` +
          `overhead ratios ${(placed.perSecond / direct.perSecond).toFixed(2)} and ${(released.perSecond / direct.perSecond).toFixed(2)}; ` +
          `embedded CA ${embedded.issuance.toFixed(1)} certs/s from approved (${(embedded.issuance / embedded.bare).toPrecision(2)} of bare P-256 signing; platform via Pebble from released ÷ embedded CA = ${(released.perSecond / embedded.issuance).toFixed(2)})\n`,
      );
      const kase = `${orders} orders, ${concurrency} at a time`;
      const pipeline = `re-check over HTTP (POST /v1/orders/{id}/approval-email) answering the challenge, adapter poller (finalize, download, compliance check; pollIntervalMs ${POLL_MS}, concurrency ${concurrency}), issued event through the job queue`;
      return [
        {
          scenario: 'acme',
          case: kase,
          metric: 'platform via Pebble: placed → issued',
          value: placed.perSecond,
          unit: 'certs/s',
          anchor: { name: 'acme-client direct', value: direct.perSecond },
          ratio: placed.perSecond / direct.perSecond,
          note: `clock from the job runner's start with ${orders} orders placed: screening, release job (ACME order and authorizations at Pebble), confirmation and instructions emails, webhooks, ${pipeline}; ${placed.detail}; ${options.warmup} warm-up orders excluded`,
        },
        {
          scenario: 'acme',
          case: kase,
          metric: 'platform via Pebble: released → issued',
          value: released.perSecond,
          unit: 'certs/s',
          anchor: { name: 'acme-client direct', value: direct.perSecond },
          ratio: released.perSecond / direct.perSecond,
          note: `clock from the first re-check with ${orders} orders released and their emails sent (the issuance scenario's starting line; the ACME order was opened before): ${pipeline}; ${released.detail}`,
        },
        {
          scenario: 'acme',
          case: kase,
          metric: 'acme-client direct: new order → certificate',
          value: direct.perSecond,
          unit: 'certs/s',
          note: `${concurrency} acme-client clients of one account against the same Pebble (always valid, no sleeps): new order, authorizations, dns-01 answered, finalize, download; ${direct.detail}; ${options.warmup} warm-up orders excluded`,
        },
        {
          scenario: 'acme',
          case: kase,
          metric: 'embedded CA: approved → issued',
          value: embedded.issuance,
          unit: 'certs/s',
          anchor: { name: 'bare P-256 signatures/s', value: embedded.bare },
          ratio: embedded.issuance / embedded.bare,
          note: `the issuance scenario's measurement with ${concurrency} approvers, on a database of its own`,
        },
        {
          scenario: 'acme',
          case: kase,
          metric: 'embedded CA (approved → issued) vs Pebble via acme-client',
          value: embedded.issuance,
          unit: 'certs/s',
          anchor: { name: 'acme-client direct', value: direct.perSecond },
          ratio: embedded.issuance / direct.perSecond,
          goal: '≥ 20',
        },
        {
          scenario: 'acme',
          case: kase,
          metric: 'platform via Pebble (released → issued) vs embedded CA (approved → issued)',
          value: released.perSecond,
          unit: 'certs/s',
          anchor: { name: 'embedded CA', value: embedded.issuance },
          ratio: released.perSecond / embedded.issuance,
        },
      ] satisfies Measurement[];
    },
  };
}

export const acmeScenario = createAcmeScenario();
