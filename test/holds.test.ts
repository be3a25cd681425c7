import { domainToASCII, domainToUnicode } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsr, ecKey } from './support/csr-factory.js';
import { DATABASES } from './support/databases.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody } from './support/orders.js';
import { TEST_PLATFORM_NAME, TEST_PUBLIC_BASE_URL } from './support/platform.js';

let counter = 0;
/** An order for a Cyrillic look-alike of a bank's domain (the A-label is what the CSR carries). */
function lookAlikeOrder(): { body: Record<string, unknown>; domain: string } {
  counter += 1;
  const domain = domainToASCII(`раураl-secure-${counter}-${Date.now().toString(36)}.com`); // Cyrillic р, а, у
  const { pem } = buildCsr({ privateKey: ecKey('P-256'), commonName: domain, sans: [domain] });
  return { body: orderBody({ csr: pem, domains: [domain], approverEmail: `admin@${domain}`, adminContact: { firstName: 'Eve', lastName: 'Mallory', email: 'eve@customer.example.org', phone: '+49 30 1234567', country: 'DE' } }, domain), domain };
}

for (const db of DATABASES) {
  describe(`the fraud hold on ${db.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(db);
    });
    afterAll(async () => h?.close());

    type OrderView = { id: string; status: string; hold: { by: string } | null; events: { type: string }[] };
    const order = async (key: string, id: string) => (await h.call('GET', `/v1/orders/${id}`, { key })).json() as OrderView;
    const balance = async (key: string) => ((await h.call('GET', '/v1/account', { key })).json() as { balance: { amount: number } }).balance.amount;

    it('holds a look-alike of a bank, sends the neutral notice to both contacts, and lets staff release it', async () => {
      const { key } = await h.reseller({ topUp: 5000 });
      const { body, domain } = lookAlikeOrder();
      const placed = (await h.call('POST', '/v1/orders', { key, body, headers: { 'idempotency-key': domain } })).json() as { id: string };
      await h.platform.runner.drain();
      const held = await order(key, placed.id);
      expect(held.status).toBe('on_hold');
      expect(held.hold?.by).toBe('platform');

      const notices = h.sink.messages().filter((m) => (m.text ?? '').includes(placed.id) && !m.attachments.length && m.subject !== undefined && !(m.text ?? '').includes('Approval code'));
      // The sink's parser shows the approver's IDN address in Unicode.
      const approver = `admin@${domainToUnicode(domain)}`;
      const recipients = notices.map((m) => m.to[0]).sort();
      expect(recipients).toEqual(expect.arrayContaining([approver, 'eve@customer.example.org']));
      const notice = notices.find((m) => m.to[0] === approver);
      const raw = notice?.raw.toString() ?? '';
      expect(raw.toLowerCase()).not.toContain(TEST_PLATFORM_NAME);
      expect(raw).not.toContain(TEST_PUBLIC_BASE_URL);
      expect(raw.toLowerCase()).not.toContain('paypal');
      expect(raw.toLowerCase()).not.toContain('fraud');
      const confirmation = h.sink.messages().find((m) => m.to[0] === 'eve@customer.example.org' && (m.text ?? '').includes(placed.id) && (m.text ?? '').includes('Next steps'));
      expect(confirmation?.text).toContain('being reviewed');
      expect(confirmation?.text).not.toContain('approval email will be sent');

      const queue = (await h.call('GET', '/v1/staff/holds', { key: h.staffKey })).json() as { data: { order: { id: string }; rules: { rule: string; reason: string }[]; reseller: { ordersByStatus: Record<string, number> } }[] };
      const entry = queue.data.find((d) => d.order.id === placed.id);
      expect(entry?.rules.length).toBeGreaterThan(0);
      expect(entry?.rules.map((r) => r.reason).join(' ').toLowerCase()).toContain('paypal');
      expect((await h.call('GET', '/v1/staff/holds', { key })).statusCode).toBe(404);

      expect((await h.call('POST', `/v1/staff/holds/${placed.id}/release`, { key: h.staffKey, body: {} })).statusCode).toBe(422);
      const released = await h.call('POST', `/v1/staff/holds/${placed.id}/release`, { key: h.staffKey, body: { note: 'Customer verified by phone' } });
      expect(released.statusCode).toBe(200);
      await h.platform.runner.drain();
      const after = await order(key, placed.id);
      expect(after.status).toBe('awaiting_validation');
      expect(after.hold).toBeNull();
      expect(after.events.map((e) => e.type)).toEqual(expect.arrayContaining(['order.on_hold', 'hold.released', 'order.released']));
      expect((await h.call('POST', `/v1/staff/holds/${placed.id}/reject`, { key: h.staffKey, body: { note: 'too late' } })).statusCode).toBe(409);
    });

    it('rejects a held order with one full refund', async () => {
      const { key } = await h.reseller({ topUp: 5000 });
      const { body, domain } = lookAlikeOrder();
      const placed = (await h.call('POST', '/v1/orders', { key, body, headers: { 'idempotency-key': domain } })).json() as { id: string };
      await h.platform.runner.drain();
      expect(await balance(key)).toBe(4100);
      const rejected = await h.call('POST', `/v1/staff/holds/${placed.id}/reject`, { key: h.staffKey, body: { note: 'Phishing look-alike of a bank' } });
      expect(rejected.statusCode).toBe(200);
      expect((rejected.json() as { status: string }).status).toBe('rejected');
      expect((await h.call('POST', `/v1/staff/holds/${placed.id}/reject`, { key: h.staffKey, body: { note: 'again' } })).statusCode).toBe(409);
      expect(await balance(key)).toBe(5000);
      const refunds = await h.platform.store.db.selectFrom('ledger_entries').select('amount').where('order_id', '=', placed.id).where('kind', '=', 'refund').execute();
      expect(refunds).toEqual([{ amount: 900 }]);
      await h.platform.runner.drain();
      expect((await order(key, placed.id)).status).toBe('rejected');
    });

    it('lets an ordinary order through the screen', async () => {
      const { key } = await h.reseller({ topUp: 5000 });
      const placed = (await h.call('POST', '/v1/orders', { key, body: orderBody(), headers: { 'idempotency-key': `plain-${Date.now()}` } })).json() as { id: string };
      await h.platform.runner.drain();
      expect((await order(key, placed.id)).status).toBe('awaiting_validation');
    });
  });
}
