import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openPostgres, POSTGRES_AVAILABLE } from './support/databases.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody } from './support/orders.js';

// Real parallelism needs a server with a connection pool: PostgreSQL only (DESIGN.md).
describe.skipIf(!POSTGRES_AVAILABLE)('placing orders in parallel on postgres', () => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    h = await startHarness({ name: 'postgres', open: () => openPostgres() });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => h?.close());

  it('200 orders against a balance for exactly 100: exactly 100 succeed, the balance ends at zero, a replay changes nothing', async () => {
    const { id, key } = await h.reseller({ topUp: 100 * 900 });
    const bodies = Array.from({ length: 200 }, () => orderBody());
    const send = () =>
      Promise.all(
        bodies.map(async (body, i) => {
          const res = await fetch(`${base}/v1/orders`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `parallel-${i}` },
            body: JSON.stringify(body),
          });
          return { status: res.status, body: (await res.json()) as { id?: string; error?: { code: string } } };
        }),
      );

    const first = await send();
    const created = first.filter((r) => r.status === 201);
    const refused = first.filter((r) => r.status === 402);
    expect(created).toHaveLength(100);
    expect(refused).toHaveLength(100);
    expect(refused.every((r) => r.body.error?.code === 'balance.insufficient')).toBe(true);

    const state = async () => {
      const db = h.platform.store.db;
      const reseller = await db.selectFrom('resellers').select('balance').where('id', '=', id).executeTakeFirstOrThrow();
      const ledger = await db.selectFrom('ledger_entries').select(sql<string>`sum(amount)::text`.as('sum')).where('reseller_id', '=', id).executeTakeFirstOrThrow();
      const orders = await db.selectFrom('orders').select(sql<string>`count(*)::text`.as('n')).where('reseller_id', '=', id).executeTakeFirstOrThrow();
      const debits = await db
        .selectFrom('ledger_entries')
        .select(sql<string>`count(*)::text`.as('n'))
        .where('reseller_id', '=', id)
        .where('kind', '=', 'order_debit')
        .executeTakeFirstOrThrow();
      return { balance: reseller.balance, ledgerSum: Number(ledger.sum), orders: Number(orders.n), debits: Number(debits.n) };
    };
    expect(await state()).toEqual({ balance: 0, ledgerSum: 0, orders: 100, debits: 100 });

    const replay = await send();
    expect(replay.map((r) => r.status)).toEqual(first.map((r) => r.status));
    expect(replay.filter((r) => r.status === 201).map((r) => r.body.id)).toEqual(created.map((r) => r.body.id));
    expect(await state()).toEqual({ balance: 0, ledgerSum: 0, orders: 100, debits: 100 });
  });
});
