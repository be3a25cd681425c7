import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DATABASES } from './support/databases.js';
import { approvalOf, approve } from './support/flow.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody, uniqueDomain } from './support/orders.js';

type Op =
  | { kind: 'topUp'; amount: number }
  | { kind: 'place' }
  | { kind: 'cancel'; order: number }
  | { kind: 'supplierCancel'; order: number }
  | { kind: 'approveRefund'; order: number }
  | { kind: 'issue'; order: number }
  | { kind: 'advance'; hours: number }
  | { kind: 'drain' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('topUp' as const), amount: fc.integer({ min: 1, max: 3000 }) }),
  fc.constant({ kind: 'place' as const }),
  fc.constant({ kind: 'place' as const }),
  fc.record({ kind: fc.constant('cancel' as const), order: fc.nat(9) }),
  fc.record({ kind: fc.constant('supplierCancel' as const), order: fc.nat(9) }),
  fc.record({ kind: fc.constant('approveRefund' as const), order: fc.nat(9) }),
  fc.record({ kind: fc.constant('issue' as const), order: fc.nat(9) }),
  fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 200 }) }),
  fc.constant({ kind: 'drain' as const }),
);

for (const db of DATABASES) {
  describe(`money invariants under random operations on ${db.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(db);
    });
    afterAll(async () => h?.close());

    /** balance = sum of entries; at most one refund per order; no refund above its debit; never below the credit limit. */
    async function checkInvariants(resellerId: string): Promise<void> {
      const d = h.platform.store.db;
      const reseller = await d.selectFrom('resellers').select(['balance', 'credit_limit']).where('id', '=', resellerId).executeTakeFirstOrThrow();
      const sum = await sql<{ s: string }>`select coalesce(sum(amount), 0)::text as s from ledger_entries where reseller_id = ${resellerId}`.execute(d);
      expect(reseller.balance).toBe(Number(sum.rows[0]?.s));
      expect(reseller.balance).toBeGreaterThanOrEqual(-reseller.credit_limit);
      const perOrder = await sql<{ order_id: string; debited: string; refunded: string; refunds: string }>`
        select order_id,
               coalesce(sum(-amount) filter (where kind = 'order_debit'), 0)::text as debited,
               coalesce(sum(amount) filter (where kind = 'refund'), 0)::text as refunded,
               count(*) filter (where kind = 'refund')::text as refunds
        from ledger_entries where reseller_id = ${resellerId} and order_id is not null group by order_id`.execute(d);
      for (const row of perOrder.rows) {
        expect(Number(row.refunds)).toBeLessThanOrEqual(1);
        expect(Number(row.refunded)).toBeLessThanOrEqual(Number(row.debited));
      }
      // A cancelled order before or after release is refunded in full; an issued one never.
      const orders = await d.selectFrom('orders').select(['id', 'status']).where('reseller_id', '=', resellerId).execute();
      for (const o of orders) {
        const money = perOrder.rows.find((r) => r.order_id === o.id);
        if (o.status === 'cancelled') expect(money?.refunded).toBe(money?.debited);
        if (o.status === 'issued' || o.status === 'awaiting_validation' || o.status === 'received') expect(money?.refunded ?? '0').toBe('0');
      }
    }

    it('keeps balance = sum of ledger, one refund per order at most, none above its debit', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 14 }), async (ops) => {
          const { id: resellerId, key } = await h.reseller({ topUp: 1000, creditLimit: 500 });
          const orders: { id: string; domain: string }[] = [];
          const pick = (i: number) => (orders.length === 0 ? undefined : orders[i % orders.length]);
          for (const o of ops) {
            switch (o.kind) {
              case 'topUp':
                await h.call('POST', `/v1/staff/resellers/${resellerId}/top-ups`, { key: h.staffKey, body: { amount: o.amount, reference: `p-${Math.random()}` } });
                break;
              case 'place': {
                const domain = uniqueDomain();
                const res = await h.call('POST', '/v1/orders', { key, body: orderBody({}, domain), headers: { 'idempotency-key': domain } });
                expect([201, 402]).toContain(res.statusCode);
                if (res.statusCode === 201) orders.push({ id: (res.json() as { id: string }).id, domain });
                break;
              }
              case 'cancel': {
                const target = pick(o.order);
                if (target) expect([200, 409]).toContain((await h.call('POST', `/v1/orders/${target.id}/cancel`, { key, body: {} })).statusCode);
                break;
              }
              case 'supplierCancel': {
                const target = pick(o.order);
                if (target) {
                  await h.call('POST', `/v1/staff/ca-desk/orders/${target.id}/cancel`, { key: h.staffKey, body: { reason: 'random' } });
                  await h.platform.runner.drain();
                }
                break;
              }
              case 'approveRefund': {
                const target = pick(o.order);
                const request = target && (await h.platform.store.db.selectFrom('refund_requests').select('id').where('order_id', '=', target.id).executeTakeFirst());
                if (request) expect([200, 409]).toContain((await h.call('POST', `/v1/staff/refunds/${request.id}/approve`, { key: h.staffKey, body: {} })).statusCode);
                break;
              }
              case 'issue': {
                const target = pick(o.order);
                const mail = target && h.sink.messages().find((m) => m.to.includes(`admin@${target.domain}`) && (m.text ?? '').includes('Approval code'));
                if (mail) await approve(approvalOf(mail));
                break;
              }
              case 'advance':
                h.clock.advance(o.hours * 3_600_000);
                break;
              case 'drain':
                await h.platform.runner.drain();
                break;
            }
            await checkInvariants(resellerId);
          }
          await h.platform.runner.drain();
          await checkInvariants(resellerId);
        }),
        { numRuns: 12 },
      );
    }, 240_000);
  });
}
