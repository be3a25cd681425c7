/**
 * Subscriptions over short certificates, with the injected clock: a 24-month DV order walked through
 * its whole term (successors before expiry, with and without reused validation, with a new CSR and with
 * the previous key), reminders on the right days, a reissue that adds a paid name, revocation checked
 * in the embedded CA's CRL with openssl, and the renewal order that continues a term.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './support/databases.js';
import { approvalOf, approve } from './support/flow.js';
import { startHarness, type Harness } from './support/harness.js';
import { buildCsr, ecKey } from './support/csr-factory.js';
import { orderBody, uniqueDomain } from './support/orders.js';

const DAY = 86_400_000;

interface SubscriptionView {
  termMonths: number;
  startsAt: string | null;
  endsAt: string | null;
  certificates: { id: string; serialNumber: string; kind: string; notBefore: string; notAfter: string; status: string; revocationReason: string | null }[];
  pending: { requestId: string; kind: string; status: string }[];
  next: { action: string; at: string | null; note: string };
  renews: string | null;
  renewedBy: string | null;
}
interface OrderView {
  id: string;
  status: string;
  domains: string[];
  events: { type: string; note: string | null }[];
  subscription: SubscriptionView;
}

for (const db of DATABASES) {
  describe(`subscriptions on ${db.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(db);
    });
    afterAll(async () => h?.close());

    const view = async (key: string, id: string) => (await h.call('GET', `/v1/orders/${id}`, { key })).json() as OrderView;
    const balance = async (key: string) => ((await h.call('GET', '/v1/account', { key })).json() as { balance: { amount: number } }).balance.amount;
    const sweep = async () => {
      await h.platform.subscriptions.sweepJob();
      await h.platform.runner.drain();
    };
    const webhookTypes = async (orderId: string) =>
      (await h.platform.store.db.selectFrom('webhook_events').select(['type']).where('order_id', '=', orderId).orderBy('id').execute()).map((e) => e.type);
    const outbox = (orderId: string) => h.platform.store.db.selectFrom('mail_outbox').select(['template', 'recipient', 'subject', 'dedupe_key']).where('order_id', '=', orderId).orderBy('created_at').execute();
    let seen = 0;
    /** Approves every approval email that arrived since the last call; returns how many. */
    async function approveNew(domain: string): Promise<number> {
      await h.platform.runner.drain();
      const fresh = h.sink.messages().filter((m) => m.seq > seen && m.to.some((to) => to.endsWith(`@${domain}`)) && (m.text ?? '').includes('Approval code'));
      seen = Math.max(seen, ...h.sink.messages().map((m) => m.seq));
      for (const message of fresh) expect(await approve(approvalOf(message))).toBe(200);
      await h.platform.runner.drain();
      return fresh.length;
    }
    async function placeIssued(key: string, body: Record<string, unknown>, domain: string): Promise<string> {
      const res = await h.call('POST', '/v1/orders', { key, body, headers: { 'idempotency-key': `sub-${domain}` } });
      expect(res.statusCode, res.body).toBe(201);
      const id = (res.json() as { id: string }).id;
      expect(await approveNew(domain)).toBeGreaterThan(0);
      expect((await view(key, id)).status).toBe('issued');
      return id;
    }

    it('covers a 24-month DV order with a chain of certificates: successors before expiry, validation reused or redone, reminders on their days', async () => {
      const { key } = await h.reseller({ topUp: 100_000 });
      const domain = uniqueDomain();
      const placedAt = h.clock.now();
      const id = await placeIssued(key, orderBody({ termMonths: 24 }, domain), domain);

      const first = (await view(key, id)).subscription;
      expect(first.termMonths).toBe(24);
      expect(first.startsAt).toBe(placedAt.toISOString());
      expect(first.endsAt).toBe('2028-11-26T12:00:00.000Z');
      expect(first.certificates).toHaveLength(1);
      expect(first.certificates[0]).toMatchObject({ kind: 'initial', status: 'current' });
      const notAfter1 = new Date(first.certificates[0]?.notAfter as string);
      // 199 days: the Baseline Requirements' 200 in force on 2026-11-26, one day kept as margin.
      expect(Math.round((notAfter1.getTime() - placedAt.getTime()) / DAY)).toBe(199);
      expect(first.next).toMatchObject({ action: 'renewal', at: new Date(notAfter1.getTime() - 30 * DAY).toISOString() });

      // A day before the lead time nothing starts; at 30 days before expiry the successor asks for a CSR, once.
      h.clock.set(new Date(notAfter1.getTime() - 31 * DAY));
      await sweep();
      expect((await view(key, id)).subscription.pending).toEqual([]);
      h.clock.set(new Date(notAfter1.getTime() - 30 * DAY));
      await sweep();
      await sweep();
      const asking = (await view(key, id)).subscription;
      expect(asking.pending).toEqual([expect.objectContaining({ kind: 'renewal', status: 'awaiting_csr' })]);
      expect(asking.next.action).toBe('renewal_awaiting_csr');
      expect((await webhookTypes(id)).filter((t) => t === 'order.renewal_csr_required')).toHaveLength(1);
      expect((await outbox(id)).filter((m) => m.template === 'reseller-notice' && m.subject.startsWith('A new CSR is needed'))).toHaveLength(1);

      // No successor yet: reminded 14 and 7 days before expiry, each once, the reseller and the administrative contact.
      h.clock.set(new Date(notAfter1.getTime() - 15 * DAY));
      await sweep();
      expect(await webhookTypes(id)).not.toContain('order.certificate_expiring');
      h.clock.set(new Date(notAfter1.getTime() - 14 * DAY));
      await sweep();
      await sweep();
      h.clock.set(new Date(notAfter1.getTime() - 7 * DAY));
      await sweep();
      expect((await webhookTypes(id)).filter((t) => t === 'order.certificate_expiring')).toHaveLength(2);
      const notices = (await outbox(id)).filter((m) => m.template === 'expiry-notice');
      expect(notices.map((m) => m.recipient)).toEqual(['ada@example.com', 'ada@example.com']);
      expect(notices.every((m) => m.subject.includes('expires soon'))).toBe(true);

      // The reseller sends a CSR with a new key; the last validation (at placement) is older than the
      // 100 days the BR allow from 2027-03-15, so the approval email goes out again before issuance.
      const csr2 = buildCsr({ privateKey: ecKey('P-256'), commonName: domain, sans: [domain] }).pem;
      const sent = await h.call('POST', `/v1/orders/${id}/renewal`, { key, body: { csr: csr2 } });
      expect(sent.statusCode, sent.body).toBe(202);
      await h.platform.runner.drain();
      expect((await view(key, id)).events.map((e) => e.type)).toContain('renewal.revalidating');
      expect(await approveNew(domain)).toBe(1);
      const second = (await view(key, id)).subscription;
      expect(second.certificates.map((c) => [c.kind, c.status])).toEqual([
        ['initial', 'superseded'],
        ['renewal', 'current'],
      ]);
      expect(await webhookTypes(id)).toContain('order.certificate_renewed');
      expect((await outbox(id)).filter((m) => m.template === 'fulfilment')).toHaveLength(4); // two certificates × (admin + approver)

      // From here the reseller lets renewals reuse the key: each successor starts on its own, and
      // validation is redone only when it is older than the reuse period.
      expect((await h.call('PUT', '/v1/account/settings', { key, body: { renewalKeyReuse: true } })).statusCode).toBe(200);
      let reused = 0;
      let revalidated = 0;
      for (let round = 0; round < 12; round += 1) {
        const s = (await view(key, id)).subscription;
        if (s.next.action !== 'renewal') break;
        h.clock.set(new Date(s.next.at as string));
        await sweep();
        const approvals = await approveNew(domain);
        if (approvals > 0) revalidated += 1;
        else reused += 1;
        expect((await view(key, id)).subscription.pending).toEqual([]);
      }
      expect(reused).toBeGreaterThan(0);
      expect(revalidated).toBeGreaterThan(0);

      // The chain covers the term without a gap and ends with it; the last step is the term's end.
      const done = (await view(key, id)).subscription;
      expect(done.next.action).toBe('term_ends');
      const certs = done.certificates;
      for (let i = 1; i < certs.length; i += 1) {
        expect(new Date(certs[i]?.notBefore as string).getTime()).toBeLessThanOrEqual(new Date(certs[i - 1]?.notAfter as string).getTime());
      }
      const lastNotAfter = new Date(certs[certs.length - 1]?.notAfter as string).getTime();
      const termEnd = new Date(done.endsAt as string).getTime();
      expect(termEnd - lastNotAfter).toBeLessThan(DAY);
      expect(lastNotAfter - termEnd).toBeLessThanOrEqual(DAY);
      expect(certs.slice(0, -1).every((c) => c.status === 'superseded' || c.status === 'expired')).toBe(true);

      // The term's end: reminded 60, 30 and 7 days before, until a renewal order continues it.
      h.clock.set(new Date(termEnd - 60 * DAY));
      await sweep();
      await sweep();
      expect((await webhookTypes(id)).filter((t) => t === 'order.term_ending')).toHaveLength(1);
      const renewal = await h.call('POST', '/v1/orders', { key, body: { ...orderBody({ termMonths: 12 }, domain), renewsOrderId: id }, headers: { 'idempotency-key': `renewal-${id}` } });
      expect(renewal.statusCode, renewal.body).toBe(201);
      const again = await h.call('POST', '/v1/orders', { key, body: { ...orderBody({ termMonths: 12 }, domain), renewsOrderId: id }, headers: { 'idempotency-key': `renewal-2-${id}` } });
      expect(again.statusCode).toBe(422);
      expect((again.json() as { error: { fields: { path: string; code: string }[] } }).error.fields).toContainEqual(expect.objectContaining({ path: 'renewsOrderId', code: 'renewal.exists' }));
      h.clock.set(new Date(termEnd - 30 * DAY));
      await sweep();
      expect((await webhookTypes(id)).filter((t) => t === 'order.term_ending')).toHaveLength(1);
      expect((await view(key, id)).subscription.renewedBy).toBe((renewal.json() as { id: string }).id);
      // One message per logical email throughout.
      const keys = (await outbox(id)).map((m) => m.dedupe_key);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('reissues a multi-domain certificate with an extra name, debited once, keeping the previous certificate until the new one is issued', async () => {
      const { key } = await h.reseller({ topUp: 100_000 });
      const domain = uniqueDomain();
      const names = [domain, `www.${domain}`, `mail.${domain}`];
      const csr = buildCsr({ privateKey: ecKey('P-256'), commonName: domain, sans: names }).pem;
      const id = await placeIssued(key, orderBody({ product: 'dv-multi', termMonths: 12, csr, domains: names }, domain), domain);
      const before = await balance(key);
      const pem1 = (await h.call('GET', `/v1/orders/${id}/certificate?format=pem`, { key })).body;

      const grown = [...names, `shop.${domain}`];
      const body = { csr: buildCsr({ privateKey: ecKey('P-256'), commonName: domain, sans: grown }).pem, domains: grown };
      const unpaid = await h.call('POST', `/v1/orders/${id}/reissue`, { key, body });
      expect(unpaid.statusCode).toBe(422);
      expect((unpaid.json() as { error: { fields: { code: string }[] } }).error.fields[0]?.code).toBe('idempotency_key.required');
      const reissue = await h.call('POST', `/v1/orders/${id}/reissue`, { key, body, headers: { 'idempotency-key': `grow-${id}` } });
      expect(reissue.statusCode, reissue.body).toBe(202);
      const { requestId, charged } = reissue.json() as { requestId: string; charged: { amount: number } };
      expect(charged.amount).toBe(500);
      const replay = await h.call('POST', `/v1/orders/${id}/reissue`, { key, body, headers: { 'idempotency-key': `grow-${id}` } });
      expect(replay.statusCode).toBe(202);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json()).toEqual({ requestId, charged: { amount: 500, currency: 'EUR' } });
      const other = await h.call('POST', `/v1/orders/${id}/reissue`, { key, body: { ...body, domains: names }, headers: { 'idempotency-key': `grow-${id}` } });
      expect(other.statusCode).toBe(409);
      expect(await balance(key)).toBe(before - 500);
      const debits = await h.platform.store.db.selectFrom('ledger_entries').select(['amount']).where('order_id', '=', id).where('kind', '=', 'reissue_debit').execute();
      expect(debits).toEqual([{ amount: -500 }]);

      // The added name is validated first; until then the previous certificate is the one served.
      await h.platform.runner.drain();
      expect((await h.call('GET', `/v1/orders/${id}/certificate?format=pem`, { key })).body).toBe(pem1);
      expect(await approveNew(domain)).toBeGreaterThan(0);
      const after = await view(key, id);
      expect(after.domains).toEqual(grown);
      expect(after.subscription.certificates.map((c) => [c.kind, c.status])).toEqual([
        ['initial', 'superseded'],
        ['reissue', 'current'],
      ]);
      const pem2 = (await h.call('GET', `/v1/orders/${id}/certificate?format=pem`, { key })).body;
      expect(pem2).not.toBe(pem1);
      expect(execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], { input: pem2 }).toString()).toContain(`shop.${domain}`);

      // Another name, but the domain contact declines it at the CA: the request ends, the order keeps
      // its certificate and names, and the price of the name is given back once.
      const declinedNames = [...grown, `blog.${domain}`];
      const declined = await h.call('POST', `/v1/orders/${id}/reissue`, {
        key,
        body: { csr: buildCsr({ privateKey: ecKey('P-256'), commonName: domain, sans: declinedNames }).pem, domains: declinedNames },
        headers: { 'idempotency-key': `blog-${id}` },
      });
      expect(declined.statusCode, declined.body).toBe(202);
      expect(await balance(key)).toBe(before - 1000);
      await h.platform.runner.drain();
      const asked = h.sink.messages().filter((m) => m.seq > seen && m.to.some((to) => to.endsWith(`@${domain}`)) && (m.text ?? '').includes('Approval code'));
      expect(asked).toHaveLength(1);
      seen = Math.max(seen, ...h.sink.messages().map((m) => m.seq));
      const approval = approvalOf(asked[0]!);
      const refusal = await fetch(approval.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `code=${encodeURIComponent(approval.code)}&action=decline` });
      expect(refusal.status).toBe(200);
      await h.platform.runner.drain();
      const kept = await view(key, id);
      expect(kept.domains).toEqual(grown);
      expect(kept.events.map((e) => e.type)).toContain('reissue.failed');
      expect(kept.subscription.certificates.map((c) => c.status)).toEqual(['superseded', 'current']);
      expect(await webhookTypes(id)).toContain('order.certificate_request_failed');
      expect(await balance(key)).toBe(before - 500);
      await h.platform.subscriptions.requestDeclined(await h.platform.orders.get(null, id), (declined.json() as { requestId: string }).requestId, 'again');
      expect(await balance(key)).toBe(before - 500);

      // A single-name product keeps its name.
      const single = uniqueDomain();
      const singleId = await placeIssued(key, orderBody({}, single), single);
      const renamed = await h.call('POST', `/v1/orders/${singleId}/reissue`, {
        key,
        body: { csr: buildCsr({ privateKey: ecKey('P-256'), commonName: `x.${single}`, sans: [`x.${single}`] }).pem, domains: [`x.${single}`] },
      });
      expect(renamed.statusCode).toBe(422);
      expect((renamed.json() as { error: { fields: { code: string }[] } }).error.fields[0]?.code).toBe('domains.change_not_allowed');

      // Later than the validation may be reused (100 days from 2027-03-15), a reissue validates again.
      h.clock.advance(101 * DAY);
      const late = await h.call('POST', `/v1/orders/${singleId}/reissue`, { key, body: { csr: buildCsr({ privateKey: ecKey('P-256'), commonName: single, sans: [single] }).pem } });
      expect(late.statusCode, late.body).toBe(202);
      expect(await approveNew(single)).toBe(1);
      const revalidated = await view(key, singleId);
      expect(revalidated.events.map((e) => e.type)).toEqual(expect.arrayContaining(['reissue.revalidating', 'certificate.reissued']));
      expect(revalidated.subscription.certificates.map((c) => c.kind)).toEqual(['initial', 'reissue']);
    });

    it('revokes at the embedded CA with an RFC 5280 reason, shown in its CRL, and ends the subscription', async () => {
      const { key } = await h.reseller({ topUp: 100_000 });
      const domain = uniqueDomain();
      const id = await placeIssued(key, orderBody({ termMonths: 24 }, domain), domain);
      const bad = await h.call('POST', `/v1/orders/${id}/revoke`, { key, body: { reason: 'privilegeWithdrawn' } });
      expect(bad.statusCode).toBe(422);
      const other = await h.reseller();
      expect((await h.call('POST', `/v1/orders/${id}/revoke`, { key: other.key, body: { reason: 'keyCompromise' } })).statusCode).toBe(404);

      const revoked = await h.call('POST', `/v1/orders/${id}/revoke`, { key, body: { reason: 'keyCompromise' } });
      expect(revoked.statusCode, revoked.body).toBe(202);
      const [revocation] = (revoked.json() as { revocations: { serialNumber: string; reason: string }[] }).revocations;
      expect(revocation?.reason).toBe('keyCompromise');
      await h.platform.runner.drain();
      const after = await view(key, id);
      expect(after.events.map((e) => e.type)).toEqual(expect.arrayContaining(['certificate.revocation_requested', 'certificate.revoked']));
      expect(after.subscription.certificates[0]).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise' });
      expect(after.subscription.next.action).toBe('none');
      expect(await webhookTypes(id)).toContain('order.certificate_revoked');
      expect((await h.call('POST', `/v1/orders/${id}/revoke`, { key, body: { reason: 'keyCompromise' } })).statusCode).toBe(409);
      // The revocation ended the subscription: no reissue follows it either.
      const reissue = await h.call('POST', `/v1/orders/${id}/reissue`, { key, body: { csr: buildCsr({ privateKey: ecKey('P-384'), commonName: after.domains[0]! }).pem } });
      expect(reissue.statusCode, reissue.body).toBe(409);
      expect((reissue.json() as { error: { code: string } }).error.code).toBe('certificate.revoked');

      // The CA's own CRL (its distribution point in the certificate) lists the serial with the reason.
      const full = (await h.call('GET', `/v1/orders/${id}/certificate?format=full`, { key })).body;
      const leaf = full.slice(0, full.indexOf('-----END CERTIFICATE-----') + 25);
      const cdp = execFileSync('openssl', ['x509', '-noout', '-ext', 'crlDistributionPoints'], { input: leaf }).toString();
      const url = /URI:(\S+)/.exec(cdp)?.[1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const crl = Buffer.from(await (await fetch(url as string)).arrayBuffer());
      const dir = mkdtempSync(join(tmpdir(), 'cb-crl-'));
      try {
        writeFileSync(join(dir, 'crl.der'), crl);
        writeFileSync(join(dir, 'chain.pem'), full.slice(leaf.length));
        const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', join(dir, 'crl.der'), '-CAfile', join(dir, 'chain.pem'), '-noout', '-text'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
        expect(text.replace(/\s/g, '').toUpperCase()).toContain(`SERIALNUMBER:${(revocation?.serialNumber ?? '').toUpperCase()}`);
        expect(text).toContain('Key Compromise');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }

      // Nothing follows a revoked certificate: no successor when its time would come.
      h.clock.advance(190 * DAY);
      await sweep();
      expect((await view(key, id)).subscription.pending).toEqual([]);
    });
  });
}
