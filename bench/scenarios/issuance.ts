import { createHash, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { systemClock } from '../../src/domain/clock.js';
import { DEFAULT_FRAUD_CONFIG } from '../../src/fraud/index.js';
import { openStore } from '../../src/store/database.js';
import { buildCsr, ecKey } from '../../test/support/csr-factory.js';
import { orderBody } from '../../test/support/orders.js';
import { startTestPlatform } from '../../test/support/platform.js';
import { progress, type Measurement } from '../lib/report.js';
import type { Scenario } from '../lib/scenario.js';

const DEFAULT_ORDERS = Number(process.env.BENCH_ISSUANCE_ORDERS ?? 300);
const DEFAULT_APPROVERS = 8;

/** The bare primitive under every issuance: one ECDSA P-256 signature over a certificate-sized body. */
function bareSigningRate(durationMs: number): number {
  const key = ecKey('P-256');
  const body = createHash('sha512').update('tbs').digest().toString('hex').repeat(12); // ~1.5 KB, a leaf's TBSCertificate
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    for (let i = 0; i < 100; i += 1) sign('sha256', Buffer.from(body + n + i), key);
    n += 100;
  }
  return (n * 1000) / (performance.now() - started);
}

/** What {@link measureEmbeddedIssuance} measured. */
export interface EmbeddedIssuance {
  /** Orders per second from the first approval to the last order `issued`. */
  readonly issuance: number;
  /** Orders per second from the first approval to both fulfilment emails of the last order sent. */
  readonly fulfilment: number;
  /** Bare ECDSA P-256 signatures per second on this machine, measured right after. */
  readonly bare: number;
}

/**
 * End-to-end issuance on the embedded CA: `orders` orders placed and released (untimed), then approved
 * on the embedded CA's site by `approvers` concurrent clients, until each is `issued` and until both
 * fulfilment emails of each are sent. Shared by this scenario and the `acme` scenario (its embedded-CA
 * figure, at the acme scenario's concurrency).
 */
export async function measureEmbeddedIssuance(databaseUrl: string | undefined, options: { readonly orders?: number; readonly approvers?: number } = {}): Promise<EmbeddedIssuance> {
  const ORDERS = options.orders ?? DEFAULT_ORDERS;
  const APPROVERS = options.approvers ?? DEFAULT_APPROVERS;
  const store = await openStore(databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite' });
  // One reseller placing hundreds of orders an hour would trip the velocity rule: the benchmark measures issuance, not the hold queue.
  const fraud = { ...DEFAULT_FRAUD_CONFIG, velocity: { resellerPerHour: 1_000_000, resellerPerDay: 1_000_000, domainPerDay: 1_000_000 } };
  const { platform, sink, close } = await startTestPlatform(store, systemClock, { jobs: { pollMs: 10 }, fraud });
  try {
    const { reseller, apiKey } = await platform.accounts.createReseller({ name: 'Bench Issuance', repEmail: 'rep@example.com' });
    await platform.accounts.topUp({ type: 'system', id: 'bench' }, reseller.id, { amount: ORDERS * 900, reference: 'bench' });
    const actor = { type: 'reseller' as const, id: reseller.id, keyId: apiKey.key.id };
    const key = ecKey('P-256');
    for (let i = 0; i < ORDERS; i += 1) {
      const domain = `issue-${i}-${Date.now().toString(36)}.example.com`;
      await platform.orders.place(actor, orderBody({ csr: buildCsr({ privateKey: key, commonName: domain, sans: [domain] }).pem }, domain), `bench-${i}`);
      if (i % 50 === 0 || i === ORDERS - 1) progress('placing and releasing orders', i + 1, ORDERS);
    }
    await platform.runner.drain();
    const approvals = sink
      .messages()
      .map((m) => ({ url: /(http:\/\/127\.0\.0\.1:\d+\/approve\/[A-Za-z0-9_-]+)/.exec(m.text ?? '')?.[1], code: /Approval code: (\S+)/.exec(m.text ?? '')?.[1] }))
      .filter((a): a is { url: string; code: string } => a.url !== undefined && a.code !== undefined);
    if (approvals.length !== ORDERS) throw new Error(`expected ${ORDERS} approval emails, found ${approvals.length}`);

    const issuedCount = async () => Number((await sql<{ n: string }>`select count(*)::text as n from orders where status = 'issued'`.execute(store.db)).rows[0]?.n);
    const sentCount = async () => Number((await sql<{ n: string }>`select count(*)::text as n from mail_outbox where template = 'fulfilment' and status = 'sent'`.execute(store.db)).rows[0]?.n);
    platform.runner.start();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: APPROVERS }, async () => {
        while (next < approvals.length) {
          const a = approvals[next++] as { url: string; code: string };
          const res = await fetch(a.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `code=${encodeURIComponent(a.code)}` });
          await res.text();
          if (res.status !== 200) throw new Error(`approval refused: ${res.status}`);
        }
      }),
    );
    let issuedAt = 0;
    for (;;) {
      const issued = await issuedCount();
      progress('issuing', issued, ORDERS);
      if (issued >= ORDERS) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    issuedAt = performance.now();
    while ((await sentCount()) < ORDERS * 2) await new Promise((r) => setTimeout(r, 20));
    const fulfilledAt = performance.now();
    await platform.runner.stop();

    const bare = bareSigningRate(2000);
    return { issuance: (ORDERS * 1000) / (issuedAt - started), fulfilment: (ORDERS * 1000) / (fulfilledAt - started), bare };
  } finally {
    await close();
    await store.close();
  }
}

/** End-to-end issuance: released orders approved on the embedded CA's site, until each is `issued`. */
export function createIssuanceScenario(overrides: { readonly orders?: number } = {}): Scenario {
  const orders = overrides.orders ?? DEFAULT_ORDERS;
  return {
    name: 'issuance',
    description: 'approved orders → certificates issued per second (embedded CA, job queue, mail outbox)',
    async run({ databaseUrl }) {
      const { issuance, fulfilment, bare } = await measureEmbeddedIssuance(databaseUrl, { orders });
      return [
        { scenario: 'issuance', case: `${orders} orders`, metric: 'approved → issued', value: issuance, unit: 'orders/s', anchor: { name: 'bare P-256 signatures/s', value: bare }, ratio: issuance / bare },
        { scenario: 'issuance', case: `${orders} orders`, metric: 'approved → both fulfilment emails sent', value: fulfilment, unit: 'orders/s', anchor: { name: 'bare P-256 signatures/s', value: bare }, ratio: fulfilment / bare, note: 'includes rendering, DKIM signing and SMTP delivery of two emails per order' },
      ] satisfies Measurement[];
    },
  };
}

export const issuanceScenario = createIssuanceScenario();
