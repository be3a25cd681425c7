import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsr, ecKey, rsaKey } from './support/csr-factory.js';
import { DATABASES } from './support/databases.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody, uniqueDomain } from './support/orders.js';
import { TEST_PLATFORM_NAME, TEST_PUBLIC_BASE_URL } from './support/platform.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';
import { approvalOf } from './support/flow.js';
import { issueTestCertificate } from './support/mail-fixtures.js';
import { PermanentJobError } from '../src/jobs/queue.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

/** Runs the queue until nothing is due, as the in-process worker would. */
async function settle(h: Harness): Promise<void> {
  await h.platform.runner.drain();
}

function opensslVerify(pems: { leaf: string; chain: string; root: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cb-verify-'));
  try {
    writeFileSync(join(dir, 'leaf.pem'), pems.leaf);
    writeFileSync(join(dir, 'chain.pem'), pems.chain);
    writeFileSync(join(dir, 'root.pem'), pems.root);
    return execFileSync('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'chain.pem'), '-purpose', 'sslserver', join(dir, 'leaf.pem')], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const db of DATABASES) {
  describe(`fulfilment end to end on ${db.name}`, () => {
    let h: Harness;
    let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
    beforeAll(async () => {
      h = await startHarness(db);
      hooks = await startWebhookReceiver();
    });
    afterAll(async () => {
      await h?.close();
      await hooks?.close();
    });

    it('places a DV order, approves it on the CA’s own site, issues a verifiable certificate and sends the three emails', async () => {
      const { key } = await h.reseller({ topUp: 10_000 });
      await h.call('PUT', '/v1/account/branding', { key, body: { displayName: 'Hosting <b>Nord</b>', primaryColor: '#123456', supportEmail: 'support@hosting-nord.example.com', signature: 'Ihr Team\nHosting Nord' } });
      const hook = (await h.call('PUT', '/v1/account/webhook', { key, body: { url: hooks.url } })).json() as { secret: string };
      const domain = uniqueDomain();
      const body = orderBody({ adminContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@customer.example.org', phone: '+49 30 1234567', country: 'DE' } }, domain);
      const placed = (await h.call('POST', '/v1/orders', { key, body, headers: { 'idempotency-key': `e2e-${domain}` } })).json() as { id: string };
      await settle(h);

      const afterSubmit = (await h.call('GET', `/v1/orders/${placed.id}`, { key })).json() as { status: string; releasedAt: string; cancellableAt: string; events: { type: string }[] };
      expect(afterSubmit.status).toBe('awaiting_validation');
      expect(afterSubmit.releasedAt).toBe('2026-11-26T12:00:00.000Z');
      expect(afterSubmit.cancellableAt).toBe('2026-12-03T12:00:00.000Z');
      expect(afterSubmit.events.map((e) => e.type)).toEqual(expect.arrayContaining(['order.placed', 'order.released', 'order.awaiting_validation', 'approval_email.queued']));

      const approvalMail = await h.sink.waitFor((m) => m.to.includes(`admin@${domain}`) && (m.text ?? '').includes('Approval code'), 5000);
      const { url, code } = approvalOf(approvalMail);
      expect(url).not.toContain(TEST_PUBLIC_BASE_URL);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(domain);
      const approved = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `code=${encodeURIComponent(code)}` });
      expect(approved.status).toBe(200);
      await settle(h);

      const issued = (await h.call('GET', `/v1/orders/${placed.id}`, { key })).json() as { status: string; events: { type: string }[] };
      expect(issued.status).toBe('issued');
      const pem = (await h.call('GET', `/v1/orders/${placed.id}/certificate?format=pem`, { key })).body;
      const chain = (await h.call('GET', `/v1/orders/${placed.id}/certificate?format=chain`, { key })).body;
      const full = (await h.call('GET', `/v1/orders/${placed.id}/certificate?format=full`, { key })).body;
      expect(pem.match(PEM_BLOCK)).toHaveLength(1);
      expect(chain.match(PEM_BLOCK)).toHaveLength(2);
      const fullBlocks = full.match(PEM_BLOCK) ?? [];
      expect(fullBlocks).toHaveLength(3);
      expect(opensslVerify({ leaf: pem, chain: fullBlocks[1]!, root: fullBlocks[2]! })).toContain(': OK');
      const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem, encoding: 'utf8' });
      expect(text).toContain(`DNS:${domain}`);
      expect(text.toLowerCase()).not.toContain(TEST_PLATFORM_NAME);
      const p7 = await h.call('GET', `/v1/orders/${placed.id}/certificate?format=pkcs7`, { key });
      expect(p7.headers['content-type']).toContain('application/x-pkcs7-certificates');
      const p7certs = execFileSync('openssl', ['pkcs7', '-print_certs', '-noout'], { input: p7.body, encoding: 'utf8' });
      expect(p7certs.match(/subject=/g)).toHaveLength(2);

      await settle(h);
      const messages = h.sink.messages().filter((m) => (m.text ?? '').includes(placed.id) || m.to.some((t) => t.endsWith(domain)));
      const confirmation = messages.filter((m) => m.attachments.every((a) => a.filename !== 'certificate.pem') && !(m.text ?? '').includes('Approval code'));
      const fulfilment = messages.filter((m) => m.attachments.some((a) => a.filename === 'certificate.pem'));
      expect(confirmation.map((m) => m.to)).toEqual([['ada@customer.example.org']]);
      expect(confirmation[0]?.from?.name).toBe('Hosting <b>Nord</b>');
      expect(fulfilment.map((m) => m.to[0]).sort()).toEqual([`admin@${domain}`, 'ada@customer.example.org'].sort());
      for (const m of fulfilment) {
        expect(m.attachments.find((a) => a.filename === 'certificate.pem')?.content.toString()).toBe(pem);
        expect(m.attachments.find((a) => a.filename === 'chain.pem')?.content.toString()).toBe(chain);
      }
      for (const m of messages) {
        expect(m.raw.toString().toLowerCase()).not.toContain(TEST_PLATFORM_NAME);
        expect(m.raw.toString()).not.toContain(TEST_PUBLIC_BASE_URL);
        expect(m.from?.address.endsWith('@mail.example.net')).toBe(true);
      }
      expect(new Set(messages.map((m) => m.messageId)).size).toBe(messages.length);

      const staff = (await h.call('GET', `/v1/staff/messages?orderId=${placed.id}`, { key: h.staffKey })).json() as { data: { template: string; recipient: string; raw: string; status: string }[] };
      expect(staff.data.map((m) => m.template).sort()).toEqual(['approval', 'fulfilment', 'fulfilment', 'order-confirmation']);
      expect(staff.data.every((m) => m.status === 'sent' && m.raw.includes('DKIM-Signature'))).toBe(true);

      const types = hooks.received.filter((w) => w.json.data.orderId === placed.id).map((w) => w.json.type);
      expect(types).toEqual(expect.arrayContaining(['order.released', 'order.awaiting_validation', 'order.approval_email_sent', 'order.issued']));
      for (const w of hooks.received) expect(hooks.verify(hook.secret, w)).toBe(true);
      expect(new Set(hooks.received.map((w) => w.id)).size).toBe(hooks.received.length);
      const log = (await h.call('GET', '/v1/account/webhook/deliveries', { key })).json() as { data: { statusCode: number }[] };
      expect(log.data.length).toBeGreaterThanOrEqual(4);
      expect(log.data.every((d) => d.statusCode === 204)).toBe(true);

      // Reissue with a new key, same names: a second certificate, the order stays issued.
      const newCsr = buildCsr({ privateKey: rsaKey(2048), commonName: domain, sans: [domain] }).pem;
      const reissue = await h.call('POST', `/v1/orders/${placed.id}/reissue`, { key, body: { csr: newCsr } });
      expect(reissue.statusCode).toBe(202);
      await settle(h);
      const pem2 = (await h.call('GET', `/v1/orders/${placed.id}/certificate?format=pem`, { key })).body;
      expect(pem2).not.toBe(pem);
      expect(((await h.call('GET', `/v1/orders/${placed.id}`, { key })).json() as { status: string }).status).toBe('issued');
      const wrongNames = await h.call('POST', `/v1/orders/${placed.id}/reissue`, { key, body: { csr: buildCsr({ privateKey: ecKey('P-256'), commonName: `x.${domain}`, sans: [`x.${domain}`] }).pem } });
      expect(wrongNames.statusCode).toBe(422);
    });

    it('resends the approval email to another allowed address and invalidates the first code', async () => {
      const { key } = await h.reseller({ topUp: 10_000 });
      const domain = uniqueDomain();
      const placed = (await h.call('POST', '/v1/orders', { key, body: orderBody({}, domain), headers: { 'idempotency-key': `resend-${domain}` } })).json() as { id: string };
      await settle(h);
      const first = approvalOf(await h.sink.waitFor((m) => m.to.includes(`admin@${domain}`), 5000));
      const refused = await h.call('POST', `/v1/orders/${placed.id}/approval-email`, { key, body: { approverEmail: 'someone@elsewhere.example.org' } });
      expect(refused.statusCode).toBe(422);
      const resent = await h.call('POST', `/v1/orders/${placed.id}/approval-email`, { key, body: { approverEmail: `hostmaster@${domain}` } });
      expect(resent.statusCode).toBe(200);
      expect((resent.json() as { approverEmail: string }).approverEmail).toBe(`hostmaster@${domain}`);
      await settle(h);
      const second = approvalOf(await h.sink.waitFor((m) => m.to.includes(`hostmaster@${domain}`), 5000));
      const stale = await fetch(first.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `code=${encodeURIComponent(first.code)}` });
      expect(stale.status).toBeGreaterThanOrEqual(400);
      const ok = await fetch(second.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `code=${encodeURIComponent(second.code)}` });
      expect(ok.status).toBe(200);
      await settle(h);
      expect(((await h.call('GET', `/v1/orders/${placed.id}`, { key })).json() as { status: string }).status).toBe('issued');
    });

    it('holds back a certificate that overtakes the release until the order is released, and refuses one for an unknown request', async () => {
      const { key } = await h.reseller({ topUp: 10_000 });
      const domain = uniqueDomain();
      const issued = issueTestCertificate(domain);
      const certificate = { ...issued, rootPem: issued.chainPem[0] };
      const early = (orderId: string) => ({ type: 'issued', eventId: `early-${orderId}`, orderId, requestId: 'initial', certificate });
      // A fast supplier's event is handled after the supplier accepted, before the submission released the order.
      const overtaken: unknown[] = [];
      const originals = [...h.platform.suppliers.values()].map((supplier) => {
        const submit = supplier.submit;
        supplier.submit = async (request) => {
          const accepted = await submit.call(supplier, request);
          overtaken.push(await h.platform.fulfilment.supplierEventJob({ payload: { event: early(request.orderId) } } as never).catch((error: Error) => error));
          return accepted;
        };
        return { supplier, submit };
      });
      let placed: { id: string };
      try {
        placed = (await h.call('POST', '/v1/orders', { key, body: orderBody({}, domain), headers: { 'idempotency-key': `early-${domain}` } })).json() as { id: string };
        await settle(h);
      } finally {
        for (const { supplier, submit } of originals) supplier.submit = submit;
      }
      // Not an error of the event, nor a late certificate to revoke: a plain error, retried with backoff.
      expect(overtaken).toHaveLength(1);
      expect(overtaken[0]).toBeInstanceOf(Error);
      expect(overtaken[0]).not.toBeInstanceOf(PermanentJobError);
      expect((overtaken[0] as Error).message).toContain('before the order was released');
      const released = (await h.call('GET', `/v1/orders/${placed.id}`, { key })).json() as { status: string; events: { type: string }[] };
      expect(released.status).toBe('awaiting_validation');
      expect(released.events.map((e) => e.type)).not.toContain('certificate.issued_after_close');
      // Retried once the order is released, the same event issues the order.
      await h.platform.fulfilment.supplierEventJob({ payload: { event: early(placed.id) } } as never);
      const after = (await h.call('GET', `/v1/orders/${placed.id}`, { key })).json() as { status: string };
      expect(after.status).toBe('issued');
      // A certificate for a request the order never made is refused for good.
      const unknown = { ...early(placed.id), eventId: `unknown-${placed.id}`, requestId: `${placed.id}/nonsense` };
      await expect(h.platform.fulfilment.supplierEventJob({ payload: { event: unknown } } as never)).rejects.toBeInstanceOf(PermanentJobError);
    });

    it('keeps certificates and routes of an order away from other resellers', async () => {
      const a = await h.reseller({ topUp: 10_000 });
      const b = await h.reseller();
      const placed = (await h.call('POST', '/v1/orders', { key: a.key, body: orderBody(), headers: { 'idempotency-key': 'iso-1' } })).json() as { id: string };
      for (const [method, url, body] of [
        ['GET', `/v1/orders/${placed.id}/certificate`, undefined],
        ['POST', `/v1/orders/${placed.id}/approval-email`, {}],
        ['POST', `/v1/orders/${placed.id}/reissue`, { csr: 'x' }],
      ] as const) {
        const res = await h.call(method, url, { key: b.key, ...(body !== undefined && { body }) });
        expect(res.statusCode).toBe(404);
      }
      const early = await h.call('GET', `/v1/orders/${placed.id}/certificate`, { key: a.key });
      expect(early.statusCode).toBe(409);
      expect((await h.call('GET', `/v1/orders/${placed.id}/certificate?format=der`, { key: a.key })).statusCode).toBe(422);
    });
  });
}
