/**
 * The servers under test, in a process of their own so that the load generator's heap (tens of
 * thousands of prepared request bodies) never pauses them. Prints one JSON line with their addresses
 * and the platform's resellers (BENCH_RESELLERS of them, default 1, each with a balance for a million
 * orders), then serves until SIGTERM.
 */
import Fastify from 'fastify';
import { FixedClock } from '../../src/domain/clock.js';
import { createHttpApp } from '../../src/cli/platform.js';
import { startTestPlatform } from '../../test/support/platform.js';
import { JSON_BODY_LIMIT } from '../../src/http/app.js';
import { openStore } from '../../src/store/database.js';
import { verifyCsrOnly } from './limit.js';

const url = process.env.BENCH_STORE_URL;
const store = await openStore(url ? { kind: 'postgres', url } : { kind: 'pglite' });

const limitApp = Fastify({ bodyLimit: JSON_BODY_LIMIT });
limitApp.post('/limit', async (request) => ({ valid: verifyCsrOnly((request.body as { csr: string }).csr) }));
await limitApp.listen({ port: 0, host: '127.0.0.1' });

const bareApp = Fastify({ bodyLimit: JSON_BODY_LIMIT });
bareApp.post('/bare', async () => ({ ok: true }));
await bareApp.listen({ port: 0, host: '127.0.0.1' });

const { platform } = await startTestPlatform(store, new FixedClock(), {});
// Rate limiting stays on, as in production, with a limit the benchmark cannot reach; counted in the
// shared database as `serve` does on PostgreSQL, unless BENCH_RATE_LIMIT_SHARED=0 (to measure what that costs).
const shared = process.env.BENCH_RATE_LIMIT_SHARED !== '0';
const app = await createHttpApp(platform, { rateLimit: { max: 1_000_000_000, windowMs: 60_000, shared: shared && store.kind === 'postgres' } });
await app.listen({ port: 0, host: '127.0.0.1' });
const resellers: { id: string; apiKey: string }[] = [];
for (let i = 0; i < Number(process.env.BENCH_RESELLERS ?? 1); i += 1) {
  const { reseller, apiKey } = await platform.accounts.createReseller({ name: `Bench ${i + 1}`, repEmail: 'rep@example.com' });
  await platform.accounts.topUp({ type: 'system', id: 'bench' }, reseller.id, { amount: 1_000_000_000, reference: 'bench' });
  resellers.push({ id: reseller.id, apiKey: apiKey.secret });
}

const address = (server: { address(): unknown }) => `http://127.0.0.1:${(server.address() as { port: number }).port}`;
process.stdout.write(
  `${JSON.stringify({ limit: address(limitApp.server), bare: address(bareApp.server), app: address(app.server), apiKey: resellers[0]?.apiKey, resellers, db: store.kind, pid: process.pid })}\n`,
);

process.once('SIGTERM', async () => {
  await Promise.all([app.close(), limitApp.close(), bareApp.close()]);
  await store.close();
  process.exit(0);
});
