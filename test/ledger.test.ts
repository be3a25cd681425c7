import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DATABASES } from './support/databases.js';
import { startHarness, type Harness } from './support/harness.js';
import type { Actor } from '../src/domain/order.js';

const staff: Actor = { type: 'staff', id: 'stf_test' };

for (const db of DATABASES) {
  describe(`ledger on ${db.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(db);
    });
    afterAll(async () => h?.close());

    async function balanceAndSum(resellerId: string) {
      const d = h.platform.store.db;
      const row = await d.selectFrom('resellers').select('balance').where('id', '=', resellerId).executeTakeFirstOrThrow();
      const sum = await d
        .selectFrom('ledger_entries')
        .select(sql<string>`coalesce(sum(amount), 0)::text`.as('total'))
        .where('reseller_id', '=', resellerId)
        .executeTakeFirstOrThrow();
      return { balance: row.balance, sum: Number(sum.total) };
    }

    it('credits a top-up once per reference, in minor units, and keeps the cached balance equal to the sum of entries', async () => {
      const { id } = await h.reseller();
      const first = await h.platform.accounts.topUp(staff, id, { amount: '250.00', reference: 'wire-1' });
      const again = await h.platform.accounts.topUp(staff, id, { amount: '250.00', reference: 'wire-1' });
      expect(first.applied).toBe(true);
      expect(first.entry.amount).toEqual({ amount: 25000, currency: 'EUR' });
      expect(again.applied).toBe(false);
      expect(again.entry.id).toBe(first.entry.id);
      await h.platform.accounts.topUp(staff, id, { amount: 1, reference: 'wire-2' });
      expect(await balanceAndSum(id)).toEqual({ balance: 25001, sum: 25001 });
    });

    it('moves only the named reseller’s money', async () => {
      const a = await h.reseller({ topUp: 300 });
      const b = await h.reseller({ topUp: 400 });
      await h.platform.accounts.topUp(staff, a.id, { amount: 5, reference: 'only-a' });
      expect(await balanceAndSum(a.id)).toEqual({ balance: 305, sum: 305 });
      expect(await balanceAndSum(b.id)).toEqual({ balance: 400, sum: 400 });
    });

    it('refuses a reused reference with a different amount', async () => {
      const { id } = await h.reseller();
      await h.platform.accounts.topUp(staff, id, { amount: 100, reference: 'inv-7' });
      await expect(h.platform.accounts.topUp(staff, id, { amount: 200, reference: 'inv-7' })).rejects.toMatchObject({ kind: 'conflict', code: 'idempotency.reused' });
      expect((await balanceAndSum(id)).balance).toBe(100);
    });

    it('refuses floats, zero and negative top-ups with a field error', async () => {
      const { id } = await h.reseller();
      for (const amount of [12.5, 0, -5, '12.345', 'ten']) {
        await expect(h.platform.accounts.topUp(staff, id, { amount, reference: `bad-${String(amount)}` })).rejects.toMatchObject({
          kind: 'invalid',
          fields: [expect.objectContaining({ path: 'amount' })],
        });
      }
      expect((await balanceAndSum(id)).balance).toBe(0);
    });

    it('lets the database refuse a balance below the credit limit, even for a direct write', async () => {
      const { id } = await h.reseller({ creditLimit: 1000 });
      await expect(h.platform.store.db.updateTable('resellers').set({ balance: -1001 }).where('id', '=', id).execute()).rejects.toThrow();
      await h.platform.store.db.updateTable('resellers').set({ balance: -1000 }).where('id', '=', id).execute();
      await h.platform.store.db.updateTable('resellers').set({ balance: 0 }).where('id', '=', id).execute();
    });

    it('debits down to the credit limit and no further, writing nothing on refusal', async () => {
      const { id } = await h.reseller({ creditLimit: 500, topUp: 1000 });
      const d = h.platform.store.db;
      const move = (amount: number, reference: string) =>
        d.transaction().execute((trx) => h.platform.ledger.move(trx, { resellerId: id, kind: 'adjustment', amount, currency: 'EUR', reference, note: 'test adjustment', actor: staff }));
      await move(-1500, 'adj-1');
      await expect(move(-1, 'adj-2')).rejects.toMatchObject({ kind: 'payment_required', code: 'balance.insufficient' });
      expect(await balanceAndSum(id)).toEqual({ balance: -500, sum: -500 });
    });

    it('keeps the ledger append-only', async () => {
      const { id } = await h.reseller({ topUp: 700 });
      const d = h.platform.store.db;
      await expect(d.updateTable('ledger_entries').set({ amount: 1 }).where('reseller_id', '=', id).execute()).rejects.toThrow(/append-only/);
      await expect(d.deleteFrom('ledger_entries').where('reseller_id', '=', id).execute()).rejects.toThrow(/append-only/);
    });

    it('refuses a currency that is not the account’s', async () => {
      const { id } = await h.reseller({ currency: 'USD' });
      const d = h.platform.store.db;
      await expect(
        d.transaction().execute((trx) => h.platform.ledger.move(trx, { resellerId: id, kind: 'top_up', amount: 5, currency: 'EUR', reference: 'x', actor: staff })),
      ).rejects.toMatchObject({ code: 'ledger.currency_mismatch' });
      expect((await balanceAndSum(id)).balance).toBe(0);
    });
  });
}
