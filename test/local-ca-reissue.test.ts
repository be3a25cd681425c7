import { X509Certificate } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { ecKey } from './support/csr-factory.js';
import { DATABASES } from './support/databases.js';
import { DELIVERY, NAMES, contextPerTest, csrOf, getPage, issueOrder, openLocalCaContext, postForm, refusal } from './support/local-ca-harness.js';

const DAY_MS = 86_400_000;

/** The subjectAltName DNS names of a certificate, in order. */
function sans(certificatePem: string): string[] {
  return (new X509Certificate(certificatePem).subjectAltName ?? '').split(', ').map((entry) => entry.replace(/^DNS:/, ''));
}

const email = (address = 'admin@example.com') => ({ method: 'email' as const, email: address });

for (const db of DATABASES) {
  describe(`reissues and renewals at the embedded CA on ${db.name}`, () => {
    const ctx = contextPerTest(() => openLocalCaContext(db));

    /** The `issued` events of one request. */
    const issuedFor = (requestId: string) => ctx.events.ofType('issued').filter((event) => event.requestId === requestId);

    it('renews with the same key and names at once while the validation may be reused, with the validity asked for', async () => {
      const ca = await ctx.start();
      const key = ecKey('P-256');
      const csrPem = csrOf(key);
      const { supplierOrderId, event: first } = await issueOrder(ctx, ca, 'order-renew', csrPem, NAMES);
      ctx.clock.advance(60 * DAY_MS);
      const renewal = { supplierOrderId, requestId: 'renewal-1', kind: 'renewal' as const, csrPem, validityDays: 120 };
      await ca.reissue(renewal);
      await Promise.all([ca.reissue(renewal), ca.reissue(renewal)]);
      const [renewed] = issuedFor('renewal-1');
      expect(issuedFor('renewal-1')).toHaveLength(1);
      expect(renewed!.eventId).toBe(`${supplierOrderId}.issued.renewal-1`);
      expect(renewed!.certificate.serialNumber).not.toBe(first.certificate.serialNumber);
      expect(renewed!.certificate.notBefore).toEqual(ctx.clock.now());
      expect(renewed!.certificate.notAfter.getTime() - renewed!.certificate.notBefore.getTime() + 1000).toBe(120 * DAY_MS);
      expect(new X509Certificate(renewed!.certificate.certificatePem).publicKey.equals(new X509Certificate(first.certificate.certificatePem).publicKey)).toBe(true);
      expect(ctx.mail.sent).toHaveLength(1);
      expect(await ca.status(supplierOrderId)).toEqual({ state: 'issued', certificate: renewed!.certificate });
      expect(await refusal(ca.reissue({ ...renewal, requestId: 'renewal-2', validityDays: 201 }))).toMatchObject({ code: 'validity_not_allowed', retryable: false });
    });

    it('validates added names first — by email on the approve page and by DNS — drops removed ones, and keeps the order issued meanwhile', async () => {
      const ca = await ctx.start();
      const { supplierOrderId, event: first } = await issueOrder(ctx, ca, 'order-names', csrOf(), NAMES);
      ctx.clock.advance(10 * DAY_MS);
      const names = ['shop.example.com', 'api.shop.example.com', 'static.shop.example.com'];
      const request = {
        supplierOrderId,
        requestId: 'names-1',
        csrPem: csrOf(ecKey('P-256'), names),
        validityDays: 90,
        domains: [
          { name: 'shop.example.com', dcv: email() },
          { name: 'api.shop.example.com', dcv: email('webmaster@shop.example.com') },
          { name: 'static.shop.example.com', dcv: { method: 'dns' as const } },
        ],
      };
      await ca.reissue(request);
      await ca.reissue(request);
      expect(issuedFor('names-1')).toHaveLength(0);
      expect(await ca.status(supplierOrderId)).toEqual({ state: 'issued', certificate: first.certificate });
      expect(ctx.mail.sent).toHaveLength(2);
      const mail = ctx.mail.sent[1]!;
      expect(mail).toMatchObject({ orderId: 'order-names', to: 'webmaster@shop.example.com', domains: ['api.shop.example.com'], sequence: 2 });
      expect(ctx.events.ofType('validation_started').at(-1)).toMatchObject({
        eventId: `${supplierOrderId}.validation_started.names-1`,
        detail: 'Domain control validation started: approval email for api.shop.example.com; DNS TXT record for static.shop.example.com.',
      });

      const page = await getPage(`${mail.approvalUrl}?code=${encodeURIComponent(mail.approvalCode)}`);
      expect(page.body).toContain('Approve by code');
      expect(page.body).toContain('_pki-validation.static.shop.example.com');
      const approved = await postForm(mail.approvalUrl, { code: mail.approvalCode });
      expect(approved.status).toBe(200);
      expect(approved.json()).toMatchObject({ approved: ['api.shop.example.com'], issued: false });
      expect(issuedFor('names-1')).toHaveLength(0);

      const view = (await getPage(mail.approvalUrl, { json: true })).body;
      const record = (JSON.parse(view) as { view: { domains: { name: string; dnsRecord?: { name: string; value: string } }[] } }).view.domains.find((domain) => domain.name === 'static.shop.example.com')!.dnsRecord!;
      ctx.resolver.records.set(record.name, [[record.value]]);
      const checked = await postForm(`${mail.approvalUrl}/check`, {});
      expect(checked.status).toBe(200);
      const issued = await vi.waitFor(() => {
        const [found] = issuedFor('names-1');
        if (found === undefined) throw new Error('not issued yet');
        return found;
      }, DELIVERY);
      expect(sans(issued.certificate.certificatePem)).toEqual(names);
      expect(await ca.status(supplierOrderId)).toEqual({ state: 'issued', certificate: issued.certificate });
      expect((await getPage(mail.approvalUrl)).body).toContain('the certificate has been issued');

      // The order's names are the new ones now: a reissue without names keeps them, reusing the validation.
      await ca.reissue({ supplierOrderId, requestId: 'names-2', csrPem: csrOf(ecKey('P-256'), [...names].reverse()), validityDays: 90 });
      expect(sans(issuedFor('names-2')[0]!.certificate.certificatePem)).toEqual(names);
      expect(await refusal(ca.reissue({ supplierOrderId, requestId: 'names-3', csrPem: csrOf(ecKey('P-256'), NAMES), validityDays: 90 }))).toMatchObject({ code: 'names_changed' });
      const mismatch = { ...request, requestId: 'names-4', csrPem: csrOf(ecKey('P-256'), NAMES) };
      expect(await refusal(ca.reissue(mismatch))).toMatchObject({ code: 'names_mismatch', retryable: false });
      const wrongApprover = { ...request, requestId: 'names-5', domains: [...request.domains.slice(0, 2), { name: 'static.shop.example.com', dcv: email('ceo@example.com') }] };
      expect(await refusal(ca.reissue({ ...wrongApprover, revalidate: true }))).toMatchObject({ code: 'dcv_not_allowed' });
      expect(ctx.mail.sent).toHaveLength(2);
    });

    it('refuses a validation too old to reuse, and validates every name again in a new round when asked to', async () => {
      const ca = await ctx.start();
      const { supplierOrderId } = await issueOrder(ctx, ca, 'order-revalidate', csrOf(), NAMES);
      const request = { supplierOrderId, requestId: 'renewal-1', kind: 'renewal' as const, csrPem: csrOf(), validityDays: 90 };
      // BR 4.2.1: validation from 2026-11-26 may be reused for 100 days from 2027-03-15.
      ctx.clock.set('2027-03-16T12:00:00Z');
      expect(await refusal(ca.reissue(request))).toMatchObject({ code: 'validation_expired', retryable: false });
      expect(ctx.mail.sent).toHaveLength(1);

      await ca.reissue({ ...request, revalidate: true, language: 'de' });
      await ca.reissue({ ...request, revalidate: true, language: 'de' });
      expect(ctx.mail.sent).toHaveLength(2);
      const mail = ctx.mail.sent[1]!;
      expect(mail).toMatchObject({ to: 'admin@example.com', domains: [...NAMES], sequence: 2, language: 'de' });
      expect(issuedFor('renewal-1')).toHaveLength(0);
      await ca.resendApproval({ supplierOrderId });
      const resent = ctx.mail.sent[2]!;
      expect(resent).toMatchObject({ domains: [...NAMES], sequence: 3 });
      expect((await postForm(mail.approvalUrl, { code: mail.approvalCode })).json()).toMatchObject({ error: { code: 'wrong_code' } });
      expect((await postForm(resent.approvalUrl, { code: resent.approvalCode })).json()).toMatchObject({ issued: true });
      await vi.waitFor(() => expect(issuedFor('renewal-1')).toHaveLength(1), DELIVERY);
      await vi.waitFor(() => expect(ctx.events.ofType('approval_email_sent').map((event) => event.eventId)).toContain(`${supplierOrderId}.approval_email_sent.3.admin@example.com`), DELIVERY);

      // Revalidation while the validation could still be reused: a new round all the same.
      ctx.clock.advance(DAY_MS);
      await ca.reissue({ ...request, requestId: 'renewal-2', revalidate: true });
      expect(ctx.mail.sent.at(-1)).toMatchObject({ domains: [...NAMES], sequence: 4 });
      expect(issuedFor('renewal-2')).toHaveLength(0);
    });

    it('ends a reissue the approver declines, and the order keeps its certificate', async () => {
      const ca = await ctx.start();
      const { supplierOrderId, event: first } = await issueOrder(ctx, ca, 'order-decline-reissue', csrOf(), NAMES);
      await ca.reissue({ supplierOrderId, requestId: 'declined-1', csrPem: csrOf(), validityDays: 90, revalidate: true });
      const mail = ctx.mail.sent.at(-1)!;
      const declined = await postForm(mail.approvalUrl, { code: mail.approvalCode, action: 'decline' });
      expect(declined.status).toBe(200);
      expect(await ca.status(supplierOrderId)).toEqual({ state: 'issued', certificate: first.certificate });
      expect(ctx.events.ofType('rejected')).toHaveLength(0);
      expect(await ctx.count('localca_requests', "state = 'declined'")).toBe(1);
      expect(await refusal(ca.resendApproval({ supplierOrderId }))).toMatchObject({ code: 'not_awaiting_validation' });
      // The request is known: repeating it changes nothing (no new request, no new email).
      const [requests, sent] = [await ctx.count('localca_requests'), ctx.mail.sent.length];
      await expect(ca.reissue({ supplierOrderId, requestId: 'declined-1', csrPem: 'not looked at', validityDays: 90 })).resolves.toBeUndefined();
      expect(await ctx.count('localca_requests')).toBe(requests);
      expect(await ctx.count('localca_requests', "state = 'declined'")).toBe(1);
      expect(ctx.mail.sent).toHaveLength(sent);
    });
  });
}
