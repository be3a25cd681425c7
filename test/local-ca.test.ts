import { X509Certificate, createHash, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { FixedClock } from '../src/domain/clock.js';
import { createLocalCa, localCaFactory } from '../src/suppliers/local-ca/index.js';
import { KeyVault } from '../src/suppliers/local-ca/vault.js';
import { canCancel, canReissue, canResendApproval, type IssuedCertificate, type SupplierEvent } from '../src/suppliers/supplier.js';
import { buildCsr, ecKey, rsaKey } from './support/csr-factory.js';
import { DATABASES } from './support/databases.js';
import {
  DELIVERY,
  NAMES,
  RecordingEventSink,
  certificateText,
  contextPerTest,
  csrOf,
  getPage,
  issueOrder,
  keyIdOf,
  openLocalCaContext,
  opensslVerify,
  postForm,
  refusal,
  submitOrder,
  submitRequest,
  type LocalCaContext,
} from './support/local-ca-harness.js';

const DAY_MS = 86_400_000;

function spkiOf(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

function verifies(certificate: IssuedCertificate, at: Date, extra: readonly string[] = []) {
  return opensslVerify({ rootPem: certificate.rootPem, intermediatePem: certificate.chainPem[0]!, leafPem: certificate.certificatePem }, at, extra);
}

describe('local-ca configuration', () => {
  it('refuses a bad configuration with a sentence naming the setting', async () => {
    const ports = { sql: { query: async () => [], transaction: async () => undefined as never }, clock: new FixedClock(), events: new RecordingEventSink(), mail: { sendApprovalEmail: async () => undefined } };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ encryptionKey: randomBytes(16), dcvPort: 0 }, /encryptionKey must be a Buffer of 32 bytes .*got 16 bytes/],
      [{ encryptionKey: randomBytes(32), dcvPort: 70000 }, /dcvPort must be an integer from 0/],
      [{ encryptionKey: randomBytes(32), dcvPort: 0, dcvPublicUrl: 'ftp://x' }, /dcvPublicUrl must be an http or https URL/],
      [{ encryptionKey: randomBytes(32), dcvPort: 0, approvalCodeTtlHours: 24 * 31 }, /approvalCodeTtlHours must be more than 0 and at most 720/],
      [{ encryptionKey: randomBytes(32), dcvPort: 0, organizationName: '' }, /organizationName must be 1 to/],
    ];
    expect(localCaFactory.name).toBe('local-ca');
    for (const [config, message] of cases) {
      const error = await refusal(localCaFactory.create(config as never, ports));
      expect(error.code).toBe('invalid_config');
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(message);
    }
  });
});

for (const db of DATABASES) {
  describe(`the embedded CA on ${db.name}`, () => {
    const ctx = contextPerTest(() => openLocalCaContext(db));

    /** Submits a DV order approved by admin@example.com and returns its id and approval email. */
    function submitted(ca: Awaited<ReturnType<LocalCaContext['start']>>, orderId: string, key: KeyObject = ecKey('P-256'), names: readonly string[] = NAMES) {
      return submitOrder(ctx, ca, orderId, csrOf(key, names), names);
    }

    function issuedVia(ca: Awaited<ReturnType<LocalCaContext['start']>>, orderId: string, key: KeyObject = ecKey('P-256'), names: readonly string[] = NAMES) {
      return issueOrder(ctx, ca, orderId, csrOf(key, names), names);
    }

    it('issues an EC certificate that openssl verifies, after approval by email code on its own site', async () => {
      const ca = await ctx.start();
      expect(canCancel(ca) && canResendApproval(ca) && canReissue(ca)).toBe(true);
      const key = ecKey('P-256');
      const { supplierOrderId } = await ca.submit(submitRequest({ orderId: 'order-1', csrPem: csrOf(key), names: NAMES }));
      expect(supplierOrderId).toMatch(/^[0-9a-f]{32}$/);
      expect(await ca.status(supplierOrderId)).toEqual({ state: 'awaiting_validation' });

      expect(ctx.mail.sent).toHaveLength(1);
      const mail = ctx.mail.sent[0]!;
      expect(mail).toMatchObject({ orderId: 'order-1', to: 'admin@example.com', domains: [...NAMES], language: 'en', sequence: 1 });
      expect(mail.approvalUrl).toBe(`${ca.siteUrl}/approve/${supplierOrderId}`);
      expect(mail.approvalUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/approve\//);
      expect(mail.approvalCode).toMatch(/^[2-9A-HJ-NP-Z]{4}(?:-[2-9A-HJ-NP-Z]{4}){5}$/);
      expect(mail.expiresAt).toEqual(new Date(ctx.clock.now().getTime() + 72 * 3_600_000));

      const page = await getPage(`${mail.approvalUrl}?code=${encodeURIComponent(mail.approvalCode)}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.body).toContain('<code>shop.example.com</code>');
      expect(page.body).toContain(`value="${mail.approvalCode}"`);

      const approved = await postForm(mail.approvalUrl, { code: mail.approvalCode.toLowerCase(), action: 'approve' }, { html: true });
      expect(approved.status).toBe(200);
      expect(approved.body).toContain('the certificate has been issued');

      expect(ctx.events.events.map((event) => event.type)).toEqual(['validation_started', 'approval_email_sent', 'issued']);
      const [started, sent, issued] = ctx.events.events as [Extract<SupplierEvent, { type: 'validation_started' }>, SupplierEvent, Extract<SupplierEvent, { type: 'issued' }>];
      expect(started).toMatchObject({ orderId: 'order-1', supplierOrderId, detail: expect.stringContaining('approval email for shop.example.com, www.shop.example.com') });
      expect(sent).toMatchObject({ orderId: 'order-1', to: 'admin@example.com' });
      expect(issued).toMatchObject({ orderId: 'order-1', requestId: 'initial' });
      const { certificate } = issued;

      const verdict = verifies(certificate, ctx.clock.now(), ['-policy', '2.23.140.1.2.1', '-explicit_policy']);
      expect(verdict.output).toMatch(/: OK/);
      expect(verdict.ok).toBe(true);

      const text = certificateText(certificate.certificatePem);
      expect(text).toMatch(/Subject: CN = shop\.example\.com\n/);
      expect(text).toMatch(/X509v3 Subject Alternative Name: \n\s+DNS:shop\.example\.com, DNS:www\.shop\.example\.com\n/);
      expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
      expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
      expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
      expect(text).toMatch(/Policy: 2\.23\.140\.1\.2\.1\n/);
      expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
      expect(text).not.toMatch(/OU\s*=/);

      const intermediateText = certificateText(certificate.chainPem[0]!);
      expect(keyIdOf(text, 'Authority Key Identifier')).toBe(keyIdOf(intermediateText, 'Subject Key Identifier'));
      expect(keyIdOf(text, 'Subject Key Identifier')).toMatch(/^[0-9A-F]{40}$/);

      const x509 = new X509Certificate(certificate.certificatePem);
      expect(x509.serialNumber.toLowerCase()).toBe(certificate.serialNumber);
      expect(BigInt(`0x${certificate.serialNumber}`)).toBeGreaterThanOrEqual(1n << 64n);
      expect(x509.publicKey.export({ type: 'spki', format: 'der' })).toEqual(spkiOf(key));
      expect(certificate.notBefore).toEqual(ctx.clock.now());
      expect(new Date(x509.validFrom)).toEqual(certificate.notBefore);
      expect(new Date(x509.validTo)).toEqual(certificate.notAfter);
      expect(certificate.notAfter.getTime() - certificate.notBefore.getTime() + 1000).toBe(199 * DAY_MS);
      expect(x509.checkIssued(new X509Certificate(certificate.chainPem[0]!))).toBe(true);

      expect(await ca.status(supplierOrderId)).toEqual({ state: 'issued', certificate });
    });

    it('issues an RSA certificate with key encipherment and an IP address validated on the website', async () => {
      const ca = await ctx.start();
      const key = rsaKey(2048);
      const names = ['shop.example.com', '93.184.215.14'];
      const { supplierOrderId } = await ca.submit(
        submitRequest({ orderId: 'order-rsa', csrPem: csrOf(key, names), names, dcv: { '93.184.215.14': { method: 'http' } } }),
      );
      const view = (await getPage(`${ca.siteUrl}/approve/${supplierOrderId}`, { json: true })).body;
      const file = (JSON.parse(view) as { view: { domains: { httpFile?: { url: string; content: string } }[] } }).view.domains[1]!.httpFile!;
      expect(file.url).toMatch(/^http:\/\/93\.184\.215\.14\/\.well-known\/pki-validation\/[0-9a-f]{32}\.txt$/);
      ctx.web.files.set(file.url, `${file.content}\n`);

      const mail = ctx.mail.sent[0]!;
      expect(mail.domains).toEqual(['shop.example.com']);
      expect((await postForm(mail.approvalUrl, { code: mail.approvalCode })).json()).toMatchObject({ approved: ['shop.example.com'], issued: false });
      const checked = await postForm(`${mail.approvalUrl}/check`, {});
      expect(checked.status).toBe(200);
      expect(checked.json()).toMatchObject({ results: [{ name: '93.184.215.14', passed: true }], view: { state: 'issued' } });

      const [issued] = ctx.events.ofType('issued');
      expect(verifies(issued!.certificate, ctx.clock.now()).ok).toBe(true);
      const text = certificateText(issued!.certificate.certificatePem);
      expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
      expect(text).toMatch(/DNS:shop\.example\.com, IP Address:93\.184\.215\.14\n/);
      expect(text).toMatch(/Public-Key: \(2048 bit\)/);
      expect(new X509Certificate(issued!.certificate.certificatePem).publicKey.export({ type: 'spki', format: 'der' })).toEqual(spkiOf(key));
    });

    it('validates by DNS TXT record and website file, never the website method for a wildcard', async () => {
      const ca = await ctx.start();
      const names = ['shop.example.com', 'api.example.com', '*.example.net'];
      const csrPem = csrOf(ecKey('P-256'), names);
      const wildcardOverHttp = await refusal(
        ca.submit(submitRequest({ orderId: 'order-bad', csrPem, names, dcv: { 'shop.example.com': { method: 'dns' }, 'api.example.com': { method: 'http' }, '*.example.net': { method: 'http' } } })),
      );
      expect(wildcardOverHttp).toMatchObject({ code: 'dcv_not_allowed', retryable: false });
      expect(wildcardOverHttp.message).toMatch(/BR 3\.2\.2\.4\.18/);

      const { supplierOrderId } = await ca.submit(
        submitRequest({ orderId: 'order-dns', csrPem, names, dcv: { 'shop.example.com': { method: 'dns' }, 'api.example.com': { method: 'http' }, '*.example.net': { method: 'dns' } } }),
      );
      expect(ctx.mail.sent).toHaveLength(0);
      const site = `${ca.siteUrl}/approve/${supplierOrderId}`;
      type View = { view: { state: string; domains: { name: string; dnsRecord?: { name: string; value: string }; httpFile?: { url: string; content: string } }[] } };
      const { view } = JSON.parse((await getPage(site, { json: true })).body) as View;
      const [shop, api, wildcard] = view.domains as [View['view']['domains'][number], View['view']['domains'][number], View['view']['domains'][number]];
      expect(shop.dnsRecord?.name).toBe('_pki-validation.shop.example.com');
      expect(wildcard.dnsRecord?.name).toBe('_pki-validation.example.net');
      expect(api.httpFile?.url).toBe(`http://api.example.com/.well-known/pki-validation/${api.httpFile?.content}.txt`);
      const html = (await getPage(site)).body;
      expect(html).toContain('Check now');
      expect(html).not.toContain('name="code"');

      const before = await postForm(`${site}/check`, {});
      expect(before.json()).toMatchObject({ view: { state: 'awaiting_validation' }, results: [{ passed: false }, { passed: false }, { passed: false }] });

      ctx.resolver.records.set('_pki-validation.shop.example.com', [[shop.dnsRecord!.value]]);
      ctx.resolver.records.set('_pki-validation.example.net', [['unrelated'], [wildcard.dnsRecord!.value.slice(0, 10), wildcard.dnsRecord!.value.slice(10)]]);
      ctx.web.files.set(api.httpFile!.url, api.httpFile!.content);
      const after = await postForm(`${site}/check`, {}, { html: true });
      expect(after.status).toBe(200);
      expect(await ca.status(supplierOrderId)).toMatchObject({ state: 'issued' });
      const [issued] = ctx.events.ofType('issued');
      expect(certificateText(issued!.certificate.certificatePem)).toMatch(/DNS:shop\.example\.com, DNS:api\.example\.com, DNS:\*\.example\.net\n/);
    });

    it('names an OV organisation in the subject, without an OU, under the OV policy', async () => {
      const ca = await ctx.start();
      const names = ['shop.example.com'];
      const organization = { legalName: 'Example GmbH', registrationNumber: 'HRB 12345', address: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE', state: 'Berlin' };
      const missing = await refusal(ca.submit(submitRequest({ orderId: 'order-ov-bad', csrPem: csrOf(ecKey('P-256'), names), names, product: 'ov-single', validation: 'ov' })));
      expect(missing.code).toBe('organization_refused');
      await ca.submit(submitRequest({ orderId: 'order-ov', csrPem: csrOf(ecKey('P-256'), names), names, product: 'ov-single', validation: 'ov', organization }));
      const mail = ctx.mail.sent[0]!;
      await postForm(mail.approvalUrl, { code: mail.approvalCode });
      // Domain control alone is not enough for OV: the desk validates the organisation first (BR 3.2.2.1).
      expect(ctx.events.ofType('issued')).toEqual([]);
      await ca.deskDecideOrganization({ orderId: 'order-ov', decision: 'approve', reason: '' });
      const [issued] = ctx.events.ofType('issued');
      const text = certificateText(issued!.certificate.certificatePem);
      expect(text).toMatch(/Subject: C = DE, ST = Berlin, L = Berlin, O = Example GmbH, CN = shop\.example\.com\n/);
      expect(text).toMatch(/Policy: 2\.23\.140\.1\.2\.2\n/);
      expect(verifies(issued!.certificate, ctx.clock.now()).ok).toBe(true);
    });

    it('names an EV organisation with its jurisdiction, category and registration number, under the EV policy', async () => {
      const ca = await ctx.start();
      const names = ['shop.example.com'];
      const organization = {
        legalName: 'Example GmbH',
        registrationNumber: 'HRB 12345',
        address: 'Hauptstr. 1',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
        jurisdictionCountry: 'DE',
        businessCategory: 'private_organization',
      };
      await ca.submit(submitRequest({ orderId: 'order-ev', csrPem: csrOf(ecKey('P-256'), names), names, product: 'ev-single', validation: 'ev', organization }));
      await ca.deskDecideOrganization({ orderId: 'order-ev', decision: 'approve', reason: '' });
      expect(ctx.events.ofType('issued')).toEqual([]);
      const mail = ctx.mail.sent[0]!;
      await postForm(mail.approvalUrl, { code: mail.approvalCode });
      const [issued] = ctx.events.ofType('issued');
      const text = certificateText(issued!.certificate.certificatePem);
      expect(text).toMatch(/Subject: C = DE, L = Berlin, O = Example GmbH, businessCategory = Private Organization, jurisdictionC = DE, serialNumber = HRB 12345, CN = shop\.example\.com\n/);
      expect(text).toMatch(/Policy: 2\.23\.140\.1\.1\n/);
      expect(verifies(issued!.certificate, ctx.clock.now(), ['-policy', '2.23.140.1.1', '-explicit_policy']).ok).toBe(true);
    });

    it('runs its organisation desk through the ports: document requests, documents once per id, holds, rejection', async () => {
      const ca = await ctx.start();
      const names = ['shop.example.com'];
      const organization = { legalName: 'Example GmbH', registrationNumber: 'HRB 12345', address: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' };
      const { supplierOrderId } = await ca.submit(submitRequest({ orderId: 'order-desk', csrPem: csrOf(ecKey('P-256'), names), names, product: 'ov-single', validation: 'ov', organization }));
      expect((await ca.deskQueue()).map((order) => order.orderId)).toEqual(['order-desk']);
      const { requestId } = await ca.deskRequestDocuments({ orderId: 'order-desk', kind: 'registration_extract', note: 'Not older than three months.' });
      expect(ctx.events.ofType('documents_requested')).toEqual([expect.objectContaining({ orderId: 'order-desk', requestId, kind: 'registration_extract', note: 'Not older than three months.' })]);

      const content = Buffer.from('%PDF-1.7\nan extract\n%%EOF\n');
      const document = { id: 'doc_1', requestId, type: 'registration_extract' as const, name: 'extract.pdf', contentType: 'application/pdf', content };
      await ca.submitDocuments({ supplierOrderId, documents: [document] });
      await ca.submitDocuments({ supplierOrderId, documents: [document] });
      expect(await ca.deskDocuments({ orderId: 'order-desk' })).toEqual([expect.objectContaining({ documentId: 'doc_1', requestId, size: content.length, sha256: createHash('sha256').update(content).digest('hex') })]);
      expect((await refusal(ca.submitDocuments({ supplierOrderId, documents: [{ ...document, id: 'doc_2', requestId: 'dr_unknown' }] }))).code).toBe('request_unknown');

      await ca.deskHold({ orderId: 'order-desk', hold: true, reason: 'Call-back pending' });
      await ca.deskHold({ orderId: 'order-desk', hold: true, reason: 'again' });
      await ca.deskHold({ orderId: 'order-desk', hold: false, reason: '' });
      expect(ctx.events.events.filter((event) => event.type === 'hold' || event.type === 'hold_released').map((event) => event.type)).toEqual(['hold', 'hold_released']);

      await ca.deskDecideOrganization({ orderId: 'order-desk', decision: 'reject', reason: 'Not registered.' });
      await ca.deskDecideOrganization({ orderId: 'order-desk', decision: 'reject', reason: 'Not registered.' });
      expect(ctx.events.ofType('rejected')).toEqual([expect.objectContaining({ orderId: 'order-desk', reason: 'Not registered.' })]);
      expect(await ca.status(supplierOrderId)).toMatchObject({ state: 'rejected' });
      expect((await refusal(ca.deskDecideOrganization({ orderId: 'order-desk', decision: 'approve', reason: '' }))).code).toBe('not_awaiting_validation');
      expect((await refusal(ca.submitDocuments({ supplierOrderId, documents: [{ ...document, id: 'doc_3' }] }))).code).toBe('not_awaiting_validation');
      expect(await ca.deskQueue()).toEqual([]);
      const dv = await ca.submit(submitRequest({ orderId: 'order-desk-dv', csrPem: csrOf(ecKey('P-256'), names), names }));
      expect(dv.supplierOrderId).toBeDefined();
      expect((await refusal(ca.deskRequestDocuments({ orderId: 'order-desk-dv', kind: 'other', note: 'x' }))).code).toBe('not_organization_validated');
    });

    it('puts the configured public URL of its site into approval emails', async () => {
      const ca = await ctx.start({ dcvPublicUrl: 'https://validation.example.net/' });
      expect(ca.siteUrl).toBe('https://validation.example.net');
      const { supplierOrderId } = await ca.submit(submitRequest({ orderId: 'order-url', csrPem: csrOf(ecKey('P-256')), names: NAMES }));
      expect(ctx.mail.sent[0]!.approvalUrl).toBe(`https://validation.example.net/approve/${supplierOrderId}`);
    });

    it('gives the CA neutral names, proper CA extensions and no trace of the platform in certificates or pages', async () => {
      const ca = await ctx.start();
      const { supplierOrderId, event } = await issuedVia(ca, 'order-brand');
      const rootText = certificateText(event.certificate.rootPem);
      const intermediateText = certificateText(event.certificate.chainPem[0]!);
      expect(rootText).toMatch(/Subject: O = Embedded Trust Services, CN = Embedded Trust Services Root R1\n/);
      expect(rootText).toMatch(/Issuer: O = Embedded Trust Services, CN = Embedded Trust Services Root R1\n/);
      expect(rootText).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
      expect(rootText).toMatch(/X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
      expect(rootText).toMatch(/ASN1 OID: secp384r1/);
      expect(intermediateText).toMatch(/Subject: O = Embedded Trust Services, CN = Embedded Trust Services TLS CA 1\n/);
      expect(intermediateText).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n/);
      expect(intermediateText).toMatch(/X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
      expect(keyIdOf(intermediateText, 'Authority Key Identifier')).toBe(keyIdOf(rootText, 'Subject Key Identifier'));

      const leafText = certificateText(event.certificate.certificatePem);
      const pages = [
        (await getPage(`${ca.siteUrl}/approve/${supplierOrderId}`)).body,
        (await postForm(`${ca.siteUrl}/approve/${supplierOrderId}`, { code: 'AAAA' }, { html: true })).body,
        (await getPage(`${ca.siteUrl}/approve/${'0'.repeat(32)}`)).body,
        (await getPage(`${ca.siteUrl}/`)).body,
      ];
      for (const text of [rootText, intermediateText, leafText, ...pages]) {
        expect(text).not.toMatch(/certbroker/i);
        expect(text).not.toMatch(/OU\s*=/);
      }
      expect(pages[0]).toContain('Embedded Trust Services');
      const pending = await submitted(ca, 'order-brand-pending');
      const injected = (await getPage(`${ca.siteUrl}/approve/${pending.supplierOrderId}?code=${encodeURIComponent('"><script>alert(1)</script>')}`)).body;
      expect(injected).not.toContain('<script>');
      expect(injected).toContain('&quot;&gt;&lt;script&gt;');
    });

    it('accepts a repeated or concurrent submission once, also from a second process', async () => {
      const first = await ctx.start();
      const second = await ctx.start();
      const request = submitRequest({ orderId: 'order-twice', csrPem: csrOf(ecKey('P-256')), names: NAMES });
      const [a, b] = await Promise.all([first.submit(request), second.submit(request)]);
      const c = await first.submit(request);
      expect(b.supplierOrderId).toBe(a.supplierOrderId);
      expect(c.supplierOrderId).toBe(a.supplierOrderId);
      expect(await ctx.count('localca_orders')).toBe(1);
      expect(await ctx.count('localca_outbox', "kind = 'approval_email'")).toBe(1);
      await vi.waitFor(() => expect(ctx.events.ofType('approval_email_sent')).toHaveLength(1), DELIVERY);
      expect(ctx.mail.sent).toHaveLength(1);
      expect(ctx.events.ofType('validation_started')).toHaveLength(1);
    });

    it('signs one certificate when the same code is posted twice at once', async () => {
      const ca = await ctx.start();
      const other = await ctx.start();
      const { supplierOrderId, mail } = await submitted(ca, 'order-race');
      const otherUrl = `${other.siteUrl}/approve/${supplierOrderId}`;
      const answers = await Promise.all([postForm(mail.approvalUrl, { code: mail.approvalCode }), postForm(otherUrl, { code: mail.approvalCode })]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 410]);
      expect(answers.find((answer) => answer.status === 410)!.json()).toMatchObject({ error: { code: 'code_used' } });
      expect(await ctx.count('localca_certificates')).toBe(1);
      await vi.waitFor(() => expect(ctx.events.ofType('issued')).toHaveLength(1), DELIVERY);
      expect(await ctx.count('localca_outbox', "id like '%.issued.%'")).toBe(1);
    });

    it('refuses a wrong, an expired and a reused code', async () => {
      const ca = await ctx.start();
      const { mail } = await submitted(ca, 'order-codes');
      const wrong = await postForm(mail.approvalUrl, { code: 'ABCD-EFGH-JKLM-NPQR-STUV-WXYZ' });
      expect(wrong.status).toBe(400);
      expect(wrong.json()).toMatchObject({ error: { code: 'wrong_code' } });
      expect((await postForm(mail.approvalUrl, { code: 'not a code' })).status).toBe(400);
      expect((await postForm(mail.approvalUrl, { code: mail.approvalCode, action: 'delete' })).status).toBe(400);

      ctx.clock.advance(72 * 3_600_000);
      const expired = await postForm(mail.approvalUrl, { code: mail.approvalCode }, { html: true });
      expect(expired.status).toBe(410);
      expect(expired.body).toContain('This approval code has expired');
      expect(await ctx.count('localca_certificates')).toBe(0);

      const { mail: fresh } = await submitted(ca, 'order-codes-2');
      expect((await postForm(fresh.approvalUrl, { code: fresh.approvalCode })).status).toBe(200);
      const reused = await postForm(fresh.approvalUrl, { code: fresh.approvalCode });
      expect(reused.status).toBe(410);
      expect(reused.json()).toMatchObject({ error: { code: 'code_used' } });
      expect((await getPage(`${ca.siteUrl}/approve/${'f'.repeat(32)}`, { json: true })).status).toBe(404);
    });

    it('refuses approval after a cancellation, and cannot cancel an issued order', async () => {
      const ca = await ctx.start();
      const { supplierOrderId, mail } = await submitted(ca, 'order-cancel');
      await ca.cancel({ supplierOrderId, reason: 'The customer changed their mind.' });
      await ca.cancel({ supplierOrderId, reason: 'again' });
      expect(await ca.status(supplierOrderId)).toEqual({ state: 'cancelled', reason: 'The customer changed their mind.' });
      const answer = await postForm(mail.approvalUrl, { code: mail.approvalCode });
      expect(answer.status).toBe(410);
      expect(answer.json()).toMatchObject({ error: { code: 'cancelled' } });
      expect((await getPage(mail.approvalUrl)).body).toContain('was cancelled');
      expect(ctx.events.ofType('cancelled')).toHaveLength(0);
      expect(await ctx.count('localca_certificates')).toBe(0);

      const issued = await issuedVia(ca, 'order-cancel-issued');
      expect(await refusal(ca.cancel({ supplierOrderId: issued.supplierOrderId, reason: 'late' }))).toMatchObject({ code: 'already_issued', retryable: false });
      expect(await refusal(ca.status('0'.repeat(32)))).toMatchObject({ code: 'not_found', retryable: false });
    });

    it('lets the approver decline, which rejects the order', async () => {
      const ca = await ctx.start();
      const { supplierOrderId, mail } = await submitted(ca, 'order-decline');
      const declined = await postForm(mail.approvalUrl, { code: mail.approvalCode, action: 'decline' }, { html: true });
      expect(declined.status).toBe(200);
      expect(declined.body).toContain('You declined the request');
      expect(await ca.status(supplierOrderId)).toMatchObject({ state: 'rejected' });
      expect(ctx.events.ofType('rejected')).toEqual([expect.objectContaining({ orderId: 'order-decline', eventId: `${supplierOrderId}.rejected` })]);
      expect((await postForm(mail.approvalUrl, { code: mail.approvalCode })).status).toBe(410);
    });

    it('resends with a new code that replaces the old one, also to a new allowed address', async () => {
      const ca = await ctx.start();
      const { supplierOrderId, mail } = await submitted(ca, 'order-resend');
      await ca.resendApproval({ supplierOrderId });
      expect(ctx.mail.sent).toHaveLength(2);
      const second = ctx.mail.sent[1]!;
      expect(second).toMatchObject({ to: 'admin@example.com', sequence: 2, domains: [...NAMES] });
      expect(second.approvalCode).not.toBe(mail.approvalCode);
      expect((await postForm(mail.approvalUrl, { code: mail.approvalCode })).json()).toMatchObject({ error: { code: 'wrong_code' } });

      const elsewhere = await refusal(ca.resendApproval({ supplierOrderId, approverEmail: 'admin@example.org' }));
      expect(elsewhere).toMatchObject({ code: 'approver_not_allowed', retryable: false });
      await ca.resendApproval({ supplierOrderId, approverEmail: 'Webmaster@example.com' });
      const third = ctx.mail.sent[2]!;
      expect(third).toMatchObject({ to: 'webmaster@example.com', sequence: 3, domains: [...NAMES] });
      expect((await postForm(second.approvalUrl, { code: second.approvalCode })).status).toBe(400);
      expect((await postForm(third.approvalUrl, { code: third.approvalCode })).status).toBe(200);
      expect(ctx.events.ofType('approval_email_sent').map((event) => event.to)).toEqual(['admin@example.com', 'admin@example.com', 'webmaster@example.com']);
      expect(await refusal(ca.resendApproval({ supplierOrderId }))).toMatchObject({ code: 'not_awaiting_validation' });
    });

    it('reissues once per request id with the same names, and refuses changed names', async () => {
      const ca = await ctx.start();
      const { supplierOrderId, event: first } = await issuedVia(ca, 'order-reissue');
      const newKey = rsaKey(2048);
      const { supplierOrderId: waiting } = await submitted(ca, 'order-reissue-waiting');
      expect(await refusal(ca.reissue({ supplierOrderId: waiting, requestId: 'r', csrPem: csrOf(newKey), validityDays: 90 }))).toMatchObject({ code: 'not_issued' });

      ctx.clock.advance(30 * DAY_MS);
      const request = { supplierOrderId, requestId: 'reissue-1', csrPem: csrOf(newKey, [...NAMES].reverse()), validityDays: 90 };
      await ca.reissue(request);
      await ca.reissue(request);
      await Promise.all([ca.reissue(request), ca.reissue(request)]);
      const issued = ctx.events.ofType('issued');
      expect(issued.map((event) => event.requestId)).toEqual(['initial', 'reissue-1']);
      const second = issued[1]!.certificate;
      expect(second.serialNumber).not.toBe(first.certificate.serialNumber);
      expect(second.notAfter.getTime() - second.notBefore.getTime() + 1000).toBe(90 * DAY_MS);
      expect(new X509Certificate(second.certificatePem).publicKey.export({ type: 'spki', format: 'der' })).toEqual(spkiOf(newKey));
      expect(certificateText(second.certificatePem)).toMatch(/Subject: CN = shop\.example\.com\n/);
      expect(verifies(second, ctx.clock.now()).ok).toBe(true);
      expect(await ctx.count('localca_certificates')).toBe(2);
      expect(await ca.status(supplierOrderId)).toEqual({ state: 'issued', certificate: second });

      const renamed = await refusal(ca.reissue({ ...request, requestId: 'reissue-2', csrPem: csrOf(newKey, ['other.example.com']) }));
      expect(renamed).toMatchObject({ code: 'names_changed', retryable: false });
      expect(await refusal(ca.reissue({ ...request, requestId: 'reissue-3', validityDays: 201 }))).toMatchObject({ code: 'validity_not_allowed' });
      // BR 4.2.1: validation from 2026-11-26 may be reused until 2027-06-14 (200 days), but from 2027-03-15 for 100 days only.
      ctx.clock.set('2027-03-05T12:00:00Z');
      await ca.reissue({ ...request, requestId: 'reissue-4' });
      ctx.clock.set('2027-03-16T12:00:00Z');
      expect(await refusal(ca.reissue({ ...request, requestId: 'reissue-5' }))).toMatchObject({ code: 'validation_expired' });
    });

    it('refuses submissions a CA must not accept, recording nothing', async () => {
      const ca = await ctx.start();
      const key = ecKey('P-256');
      const tampered = buildCsr({ privateKey: key, commonName: NAMES[0], sans: NAMES, tamper: true }).pem;
      const cases: [Parameters<typeof submitRequest>[0], string][] = [
        [{ orderId: 'o1', csrPem: tampered, names: NAMES }, 'csr_invalid'],
        [{ orderId: 'o2', csrPem: csrOf(key), names: ['shop.example.com', 'other.example.com'] }, 'names_mismatch'],
        [{ orderId: 'o3', csrPem: csrOf(key), names: NAMES, approver: 'ceo@example.com' }, 'dcv_not_allowed'],
        [{ orderId: 'o4', csrPem: csrOf(key), names: NAMES, validityDays: 201 }, 'validity_not_allowed'],
        [{ orderId: 'o5', csrPem: csrOf(key, ['shop.internal']), names: ['shop.internal'] }, 'names_refused'],
      ];
      for (const [request, code] of cases) {
        const error = await refusal(ca.submit(submitRequest(request)));
        expect(error.code).toBe(code);
        expect(error.retryable).toBe(false);
      }
      expect(await ctx.count('localca_orders')).toBe(0);
      expect(ctx.mail.sent).toHaveLength(0);
    });

    it('keeps the same CA across a new start on the same database, and refuses another encryption key', async () => {
      const first = await ctx.start();
      const { supplierOrderId, event } = await issuedVia(first, 'order-persist-1');
      await first.close();

      const second = await ctx.start();
      const status = await second.status(supplierOrderId);
      expect(status).toMatchObject({ state: 'issued', certificate: { rootPem: event.certificate.rootPem, chainPem: event.certificate.chainPem } });
      const { event: later } = await issuedVia(second, 'order-persist-2');
      expect(later.certificate.rootPem).toBe(event.certificate.rootPem);
      expect(verifies({ ...later.certificate, rootPem: event.certificate.rootPem }, ctx.clock.now()).ok).toBe(true);
      expect(await ctx.count('localca_authorities')).toBe(2);

      const taken = await refusal(ctx.start({ dcvPort: Number(new URL(second.siteUrl).port) }));
      expect(taken.message).toMatch(/the validation site cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
      const wrongKey = await refusal(ctx.start({ encryptionKey: randomBytes(32) }));
      expect(wrongKey).toMatchObject({ code: 'invalid_config', retryable: false });
      expect(wrongKey.message).toMatch(/encryptionKey does not open the CA's stored private keys/);
    });

    it('makes one CA when two processes start on an empty database at once', async () => {
      const [a, b] = await Promise.all([ctx.start(), ctx.start()]);
      expect(await ctx.count('localca_authorities')).toBe(2);
      await issuedVia(a, 'order-two-starts-a');
      await issuedVia(b, 'order-two-starts-b');
      const roots = new Set(ctx.events.ofType('issued').map((issued) => issued.certificate.rootPem));
      expect(roots.size).toBe(1);
    });

    it('stores private keys and approval codes only sealed', async () => {
      const ca = await ctx.start();
      const { mail } = await issuedVia(ca, 'order-secrets');
      const authorities = await ctx.dump('localca_authorities');
      expect(authorities).not.toContain('PRIVATE KEY');

      const vault = new KeyVault(ctx.encryptionKey);
      const rows = await ctx.sql.query<{ role: string; private_key_sealed: string }>('select role, private_key_sealed from localca_authorities');
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        const pkcs8 = vault.open(row.private_key_sealed, `localca_authorities:${row.role}`);
        const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
        const scalar = Buffer.from(jwk.d!, 'base64url');
        for (const form of [pkcs8.toString('base64'), pkcs8.toString('hex'), scalar.toString('hex'), scalar.toString('base64'), jwk.d!]) {
          expect(authorities).not.toContain(form);
        }
      }

      const everything = (await Promise.all(['localca_orders', 'localca_domains', 'localca_approvals', 'localca_outbox', 'localca_certificates'].map((table) => ctx.dump(table)))).join('\n');
      expect(everything).not.toContain(mail.approvalCode);
      expect(everything).not.toContain(mail.approvalCode.replaceAll('-', ''));
      expect(everything).not.toContain('sealedCode');
    });

    it('delivers an event again after a crash between signing and telling the platform', async () => {
      const ca = await ctx.start();
      ctx.events.failOnce((event) => event.type === 'issued');
      const { supplierOrderId, mail } = await submitted(ca, 'order-crash');
      const approved = await postForm(mail.approvalUrl, { code: mail.approvalCode });
      expect(approved.status).toBe(200);
      expect(ctx.events.ofType('issued')).toHaveLength(0);
      expect(await ca.status(supplierOrderId)).toMatchObject({ state: 'issued' });
      expect(await ctx.count('localca_outbox', 'done_at is null and attempts = 1')).toBe(1);
      await ca.close();

      await ctx.start();
      await vi.waitFor(() => expect(ctx.events.ofType('issued')).toHaveLength(1), DELIVERY);
      const [issued] = ctx.events.ofType('issued');
      expect(issued).toMatchObject({ eventId: `${supplierOrderId}.issued.initial`, orderId: 'order-crash', requestId: 'initial' });
      expect(issued!.certificate.notBefore).toBeInstanceOf(Date);
      expect(verifies(issued!.certificate, ctx.clock.now()).ok).toBe(true);
      expect(ctx.events.ofType('validation_started')).toHaveLength(1);
      expect(await ctx.count('localca_outbox', 'done_at is null')).toBe(0);
    });

    it('sends an approval email again after the mail port failed, with the code it was made with', async () => {
      let down = true;
      const sent: string[] = [];
      const flakyMail = {
        sendApprovalEmail: async (request: { approvalCode: string }) => {
          if (down) throw new Error('outbox unavailable');
          sent.push(request.approvalCode);
        },
      };
      const ca = await ctx.start({ outboxRetrySeconds: 1 }, { mail: flakyMail as never });
      const { supplierOrderId } = await ca.submit(submitRequest({ orderId: 'order-mail-down', csrPem: csrOf(ecKey('P-256')), names: NAMES }));
      expect(sent).toHaveLength(0);
      expect(ctx.events.ofType('validation_started')).toHaveLength(1);
      expect(ctx.events.ofType('approval_email_sent')).toHaveLength(0);
      down = false;
      await vi.waitFor(() => expect(sent).toHaveLength(1), DELIVERY);
      await vi.waitFor(() => expect(ctx.events.ofType('approval_email_sent')).toHaveLength(1), DELIVERY);
      expect((await postForm(`${ca.siteUrl}/approve/${supplierOrderId}`, { code: sent[0]! })).status).toBe(200);
    });
  });
}
