import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink } from '../src/mail/sink.js';
import { DATABASES } from './support/databases.js';
import { startMailHarness, type MailHarness } from './support/mail-harness.js';
import { startRefusingRelay } from './support/mail-relay.js';

/** Milliseconds between attempts: the clock is moved by this much between rounds, nothing sleeps. */
const BACKOFF_MS = 5;
const MAX_ATTEMPTS = 50;
const BURST = 8;

for (const db of DATABASES) {
  describe(`mail delivery on ${db.name}`, () => {
    let h: MailHarness;
    beforeAll(async () => {
      h = await startMailHarness(db, { jobs: { backoffMs: () => BACKOFF_MS, maxAttempts: MAX_ATTEMPTS } });
    });
    afterAll(async () => {
      await h?.close();
    });

    const rowsOf = (orderIds: readonly string[]) =>
      h.store.db
        .selectFrom('mail_outbox')
        .select(['id', 'message_id', 'dedupe_key', 'order_id', 'template', 'recipient', 'status', 'attempts', 'last_error'])
        .where('order_id', 'in', orderIds)
        .execute();

    /** Runs the queue round after round, the clock moving past the backoff in between, until `done` holds. */
    async function runUntil(done: () => Promise<boolean>, rounds = MAX_ATTEMPTS * 2): Promise<void> {
      for (let round = 0; round < rounds; round += 1) {
        await h.platform.runner.drain();
        if (await done()) return;
        h.clock.advance(BACKOFF_MS);
      }
      throw new Error(`the condition did not hold within ${rounds} rounds of the queue`);
    }

    it('delivers every email of a burst of orders placed while the relay is down, one Message-ID each, once it is back', async () => {
      const { key } = await h.reseller('rep@burst-reseller.example.net');
      await h.sink.close();
      const orders = await Promise.all(Array.from({ length: BURST }, (_, i) => h.placeOrder(key, `burst${i}@customer.example.org`)));
      const ids = orders.map((o) => o.id);

      // Several rounds against the closed port: every email waits, with its attempts and the error recorded.
      for (let round = 0; round < 3; round += 1) {
        await h.platform.runner.drain();
        h.clock.advance(BACKOFF_MS);
      }
      const waiting = await rowsOf(ids);
      for (const row of waiting) {
        expect(row).toMatchObject({ status: 'pending' });
        expect(row.attempts).toBeGreaterThanOrEqual(2);
        expect(row.last_error).toMatch(/ECONNREFUSED/);
      }
      for (const order of orders) expect(waiting.filter((r) => r.order_id === order.id).map((r) => r.template)).toContain('order-confirmation');

      const relay = await startSmtpSink({ port: h.sinkPort });
      try {
        await runUntil(async () => (await rowsOf(ids)).every((r) => r.status === 'sent'));
        const sent = await rowsOf(ids);
        // The rows are the logical emails: the same ones as before the relay came back, same Message-IDs.
        expect(sent.map((r) => [r.id, r.message_id]).sort()).toEqual(waiting.map((r) => [r.id, r.message_id]).sort());
        expect(new Set(sent.map((r) => r.message_id)).size).toBe(sent.length);
        expect(new Set(sent.map((r) => r.dedupe_key)).size).toBe(sent.length);

        const recipients = new Set(sent.map((r) => r.recipient));
        const received = relay.messages().filter((m) => m.envelope.rcptTo.some((to) => recipients.has(to)));
        // Every logical email arrived, under its own Message-ID and no other.
        expect(new Set(received.map((m) => m.messageId))).toEqual(new Set(sent.map((r) => r.message_id)));
        for (const row of sent) {
          const copies = received.filter((m) => m.messageId === row.message_id);
          expect(copies.length).toBeGreaterThanOrEqual(1);
          expect(copies.every((m) => m.envelope.rcptTo.join() === row.recipient)).toBe(true);
        }
      } finally {
        await relay.close();
      }
    });

    it('moves a message whose attempts run out to the dead letters, with the relay’s last answer for staff', async () => {
      const full = 'full-mailbox@customer.example.org';
      const relay = await startRefusingRelay(h.sinkPort, (to) => (to === full ? { code: 452, message: `4.2.2 <${to}>: mailbox full` } : undefined));
      try {
        const { key } = await h.reseller('rep@dead-letter-reseller.example.net');
        const order = await h.placeOrder(key, full);
        await runUntil(async () => (await rowsOf([order.id])).some((r) => r.recipient === full && r.status === 'dead'));
        const rows = await rowsOf([order.id]);
        const dead = rows.find((r) => r.recipient === full);
        expect(dead).toMatchObject({ template: 'order-confirmation', status: 'dead', attempts: MAX_ATTEMPTS });
        // The order's other emails went through the same relay.
        await runUntil(async () => (await rowsOf([order.id])).every((r) => r.recipient === full || r.status === 'sent'));
        const others = rows.filter((r) => r.recipient !== full).map((r) => r.recipient);
        expect(others.length).toBeGreaterThan(0);
        expect(relay.delivered).toEqual(expect.arrayContaining(others));
        expect(relay.delivered).not.toContain(full);

        const messages = await h.call('GET', `/v1/staff/messages?orderId=${order.id}&recipient=${encodeURIComponent(full)}`, { key: h.staffKey });
        expect(messages.statusCode).toBe(200);
        const [message] = (messages.json() as { data: { id: string; status: string; attempts: number; lastError: string }[] }).data;
        expect(message).toMatchObject({ id: dead?.id, status: 'dead', attempts: MAX_ATTEMPTS });
        expect(message?.lastError).toContain(`452 4.2.2 <${full}>: mailbox full`);

        const jobs = await h.call('GET', '/v1/staff/jobs?status=dead', { key: h.staffKey });
        const job = (jobs.json() as { data: { name: string; payload: { outboxId?: string }; attempts: number; lastError: string }[] }).data.find((j) => j.payload.outboxId === dead?.id);
        expect(job).toMatchObject({ name: 'mail.send', attempts: MAX_ATTEMPTS });
        expect(job?.lastError).toContain('452 4.2.2');
      } finally {
        await relay.close();
      }
    });
  });
}
