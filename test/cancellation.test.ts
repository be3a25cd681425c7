import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DATABASES } from './support/databases.js';
import { approvalFor, approve } from './support/flow.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody, uniqueDomain } from './support/orders.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

for (const db of DATABASES) {
  describe(`cancellation and refunds on ${db.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(db);
    });
    afterAll(async () => h?.close());

    type OrderView = { id: string; status: string; cancellableAt: string | null; cancellationRefund: { amount: number } | null; events: { type: string; note: string | null }[] };
    const balance = async (key: string) => ((await h.call('GET', '/v1/account', { key })).json() as { balance: { amount: number } }).balance.amount;
    const order = async (key: string, id: string) => (await h.call('GET', `/v1/orders/${id}`, { key })).json() as OrderView;
    const cancel = (key: string, id: string) => h.call('POST', `/v1/orders/${id}/cancel`, { key, body: {} });
    const refundsOf = async (orderId: string) =>
      h.platform.store.db.selectFrom('ledger_entries').select(['amount']).where('order_id', '=', orderId).where('kind', '=', 'refund').execute();
    async function placed(key: string, domain = uniqueDomain()) {
      const res = await h.call('POST', '/v1/orders', { key, body: orderBody({}, domain), headers: { 'idempotency-key': domain } });
      expect(res.statusCode).toBe(201);
      return { id: (res.json() as { id: string }).id, domain };
    }

    it('cancels an order before release at once, refunds it in full, and only once', async () => {
      const { key } = await h.reseller({ topUp: 2000 });
      const { id } = await placed(key);
      expect(await balance(key)).toBe(1100);
      const before = await order(key, id);
      expect(before.cancellationRefund?.amount).toBe(900);
      const first = await cancel(key, id);
      expect(first.statusCode).toBe(200);
      expect((first.json() as OrderView).status).toBe('cancelled');
      expect((first.json() as OrderView).cancellationRefund).toBeNull();
      const again = await cancel(key, id);
      expect(again.statusCode).toBe(200);
      expect(await balance(key)).toBe(2000);
      expect(await refundsOf(id)).toEqual([{ amount: 900 }]);
      await h.platform.runner.drain();
      expect((await order(key, id)).status).toBe('cancelled');
    });

    it('refuses a released order until seven days after its release, then cancels it at the supplier and refunds it', async () => {
      const { key } = await h.reseller({ topUp: 2000 });
      const { id, domain } = await placed(key);
      const approval = await approvalFor(h, domain);
      const released = await order(key, id);
      expect(released.status).toBe('awaiting_validation');
      const from = new Date(released.cancellableAt as string).getTime();
      h.clock.set(new Date(from - HOUR));
      const early = await cancel(key, id);
      expect(early.statusCode).toBe(409);
      expect((early.json() as { error: { code: string; message: string } }).error).toMatchObject({ code: 'order.not_yet_cancellable', message: expect.stringContaining(new Date(from).toISOString()) });
      h.clock.set(new Date(from));
      expect((await cancel(key, id)).statusCode).toBe(200);
      expect((await cancel(key, id)).statusCode).toBe(200);
      expect(await balance(key)).toBe(2000);
      await h.platform.runner.drain();
      const view = await order(key, id);
      expect(view.events.find((e) => e.type === 'supplier.cancel')?.note).toContain('confirmed');
      // The CA was told: the approver can no longer approve.
      expect(await approve(approval)).toBeGreaterThanOrEqual(400);
      expect(await refundsOf(id)).toEqual([{ amount: 900 }]);
    });

    it('lets one transaction decide a cancellation racing an issuance, and records the loser', async () => {
      const { key } = await h.reseller({ topUp: 2000 });
      // Cancellation first: the certificate that arrives later is kept on record only.
      const a = await placed(key);
      const approvalA = await approvalFor(h, a.domain);
      const start = h.clock.now().getTime();
      expect(await approve(approvalA)).toBe(200);
      h.clock.set(new Date(start + 7 * DAY));
      expect((await cancel(key, a.id)).statusCode).toBe(200);
      await h.platform.runner.drain();
      const viewA = await order(key, a.id);
      expect(viewA.status).toBe('cancelled');
      // The cancellation could not stop the CA: the certificate it issued anyway is revoked.
      expect(viewA.events.map((e) => e.type)).toEqual(expect.arrayContaining(['certificate.issued_after_close', 'certificate.revocation_requested', 'certificate.revoked']));
      const late = await h.platform.store.db.selectFrom('certificates').select(['revocation_reason', 'revoked_at']).where('order_id', '=', a.id).execute();
      expect(late).toEqual([{ revocation_reason: 'cessationOfOperation', revoked_at: expect.any(Date) }]);
      expect(await refundsOf(a.id)).toEqual([{ amount: 900 }]);

      // Issuance first: the cancellation is refused, nothing refunded.
      const b = await placed(key);
      const approvalB = await approvalFor(h, b.domain);
      expect(await approve(approvalB)).toBe(200);
      await h.platform.runner.drain();
      h.clock.advance(8 * DAY);
      const refused = await cancel(key, b.id);
      expect(refused.statusCode).toBe(409);
      expect(await refundsOf(b.id)).toEqual([]);

      // Truly at once: exactly one wins, and the money agrees with the winner.
      const c = await placed(key);
      const approvalC = await approvalFor(h, c.domain);
      expect(await approve(approvalC)).toBe(200);
      h.clock.advance(8 * DAY);
      const [cancelled] = await Promise.all([cancel(key, c.id), h.platform.runner.drain()]);
      await h.platform.runner.drain();
      const viewC = await order(key, c.id);
      expect(['cancelled', 'issued']).toContain(viewC.status);
      expect(cancelled.statusCode).toBe(viewC.status === 'cancelled' ? 200 : 409);
      expect(await refundsOf(c.id)).toEqual(viewC.status === 'cancelled' ? [{ amount: 900 }] : []);
      if (viewC.status === 'issued') expect(viewC.events.map((e) => e.type)).toContain('order.cancel_refused');
    });

    it('marks orders that pass seven days uncompleted, once, and tells the reseller', async () => {
      const { key } = await h.reseller({ topUp: 2000 });
      const { id, domain } = await placed(key);
      await approvalFor(h, domain);
      h.clock.advance(7 * DAY - HOUR);
      await h.platform.cancellation.deadlineJob();
      expect((await order(key, id)).events.map((e) => e.type)).not.toContain('order.completion_window_passed');
      h.clock.advance(2 * HOUR);
      await h.platform.cancellation.deadlineJob();
      await h.platform.cancellation.deadlineJob();
      const marks = (await order(key, id)).events.filter((e) => e.type === 'order.completion_window_passed');
      expect(marks).toHaveLength(1);
      const events = await h.platform.store.db.selectFrom('webhook_events').select(['type']).where('order_id', '=', id).where('type', '=', 'order.cancellable').execute();
      expect(events).toHaveLength(1);
    });

    it('puts a supplier’s cancellation in the staff refund queue until staff approve, then refunds once', async () => {
      const { key } = await h.reseller({ topUp: 3000 });
      const a = await placed(key);
      const b = await placed(key);
      await approvalFor(h, a.domain);
      await approvalFor(h, b.domain);
      for (const o of [a, b]) {
        const res = await h.call('POST', `/v1/staff/ca-desk/orders/${o.id}/cancel`, { key: h.staffKey, body: { reason: 'Organisation could not be verified' } });
        expect(res.statusCode).toBe(202);
        await h.platform.runner.drain();
        h.clock.advance(60_000);
      }
      expect((await order(key, a.id)).status).toBe('cancelled_by_supplier');
      expect(await balance(key)).toBe(1200);
      h.clock.advance(HOUR);
      const queue = (await h.call('GET', '/v1/staff/refunds', { key: h.staffKey })).json() as { data: { id: string; orderId: string; reason: string; amount: { amount: number } }[]; oldestWaitingSeconds: number };
      const mine = queue.data.filter((r) => r.orderId === a.id || r.orderId === b.id);
      expect(mine.map((r) => r.orderId)).toEqual([a.id, b.id]);
      expect(mine[0]).toMatchObject({ reason: 'Organisation could not be verified', amount: { amount: 900 } });
      expect(queue.oldestWaitingSeconds).toBeGreaterThanOrEqual(3600);
      // A reseller cannot cancel it again, nor see the staff queue.
      expect((await cancel(key, a.id)).statusCode).toBe(409);
      expect((await h.call('GET', '/v1/staff/refunds', { key })).statusCode).toBe(404);

      const approveA = () => h.call('POST', `/v1/staff/refunds/${mine[0]?.id}/approve`, { key: h.staffKey, body: {} });
      expect((await approveA()).statusCode).toBe(200);
      expect((await approveA()).statusCode).toBe(200);
      expect(await balance(key)).toBe(2100);
      expect(await refundsOf(a.id)).toEqual([{ amount: 900 }]);

      const noNote = await h.call('POST', `/v1/staff/refunds/${mine[1]?.id}/decline`, { key: h.staffKey, body: {} });
      expect(noNote.statusCode).toBe(422);
      const declined = await h.call('POST', `/v1/staff/refunds/${mine[1]?.id}/decline`, { key: h.staffKey, body: { note: 'Refunded by bank transfer instead' } });
      expect(declined.statusCode).toBe(200);
      expect((await h.call('POST', `/v1/staff/refunds/${mine[1]?.id}/approve`, { key: h.staffKey, body: {} })).statusCode).toBe(409);
      expect(await balance(key)).toBe(2100);
      const hooks = await h.platform.store.db.selectFrom('webhook_events').select(['type', 'order_id']).where('order_id', 'in', [a.id, b.id]).where('type', 'like', 'order.refund%').execute();
      expect(hooks.map((e) => `${e.order_id === a.id ? 'a' : 'b'}:${e.type}`).sort()).toEqual(['a:order.refund_approved', 'b:order.refund_declined']);
    });

    it('lets the database refuse a second refund, one above the debit, and an adjustment without a reason', async () => {
      const { id: resellerId, key } = await h.reseller({ topUp: 2000 });
      const { id } = await placed(key);
      const insert = (kind: string, amount: number, reference: string, note: string | null, orderId: string | null) =>
        sql`insert into ledger_entries (reseller_id, kind, amount, currency, balance_after, order_id, reference, note, actor_type, actor_id, created_at)
            values (${resellerId}, ${kind}, ${amount}, 'EUR', 0, ${orderId}, ${reference}, ${note}, 'staff', 'x', now())`.execute(h.platform.store.db);
      await expect(insert('refund', 901, 'too-much', null, id)).rejects.toThrow(/exceeds/);
      await insert('refund', 900, 'exact', null, id);
      await expect(insert('refund', 1, 'second', null, id)).rejects.toThrow();
      await expect(insert('adjustment', 5, 'no-reason', null, null)).rejects.toThrow();
      const adjusted = await h.call('POST', `/v1/staff/resellers/${resellerId}/adjustments`, { key: h.staffKey, body: { amount: -250, reason: 'Goodwill reversal', reference: 'adj-1' } });
      expect(adjusted.statusCode).toBe(201);
      expect(adjusted.json()).toMatchObject({ kind: 'adjustment', amount: { amount: -250 }, note: 'Goodwill reversal', reference: 'adj-1' });
      const noReason = await h.call('POST', `/v1/staff/resellers/${resellerId}/adjustments`, { key: h.staffKey, body: { amount: 5, reference: 'adj-2' } });
      expect(noReason.statusCode).toBe(422);
    });
  });
}
