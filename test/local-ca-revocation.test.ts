import { describe, expect, it } from 'vitest';
import { toPem } from '../src/suppliers/shared/der.js';
import { canRevoke, type IssuedCertificate } from '../src/suppliers/supplier.js';
import { ecKey, rsaKey } from './support/csr-factory.js';
import { DATABASES } from './support/databases.js';
import { NAMES, certificateText, contextPerTest, csrOf, getPage, issueOrder, keyIdOf, openLocalCaContext, opensslWith, refusal, submitRequest } from './support/local-ca-harness.js';

const DAY_MS = 86_400_000;

/** The CRL Distribution Points URI of a certificate, as openssl reads it. */
function crlUrlOf(certificatePem: string): string {
  const match = /X509v3 CRL Distribution Points:\s*\n\s*Full Name:\s*\n\s*URI:(\S+)/.exec(certificateText(certificatePem));
  if (match === null) throw new Error('the certificate has no CRL distribution point');
  return match[1]!;
}

async function fetchCrl(url: string): Promise<{ status: number; type: string | null; der: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), der: Buffer.from(await response.arrayBuffer()) };
}

/** `openssl crl -inform DER -CAfile <intermediate+root> -noout -text`: checks the CRL's signature and prints it. */
function crlText(der: Buffer, certificate: IssuedCertificate) {
  return opensslWith({ 'crl.der': der, 'chain.pem': `${certificate.chainPem[0]}${certificate.rootPem}` }, (paths) => [
    'crl',
    '-inform',
    'DER',
    '-in',
    paths['crl.der']!,
    '-CAfile',
    paths['chain.pem']!,
    '-noout',
    '-text',
  ]);
}

/** `openssl verify -crl_check` of a leaf against the chain and the CRL, at the frozen clock's time. */
function verifyWithCrl(der: Buffer, certificate: IssuedCertificate, at: Date) {
  const files = { 'crl.pem': toPem(der, 'X509 CRL'), 'root.pem': certificate.rootPem, 'intermediate.pem': certificate.chainPem[0]!, 'leaf.pem': certificate.certificatePem };
  return opensslWith(files, (paths) => [
    'verify',
    '-x509_strict',
    '-purpose',
    'sslserver',
    '-attime',
    String(Math.floor(at.getTime() / 1000)),
    '-crl_check',
    '-CRLfile',
    paths['crl.pem']!,
    '-CAfile',
    paths['root.pem']!,
    '-untrusted',
    paths['intermediate.pem']!,
    paths['leaf.pem']!,
  ]);
}

/** The entry of one serial in `openssl crl -text` output: from its line to the next entry or the signature. */
function entryOf(text: string, serialNumber: string): string | undefined {
  const start = text.indexOf(`Serial Number: ${serialNumber.toUpperCase()}`);
  if (start === -1) return undefined;
  const rest = text.slice(start + 1);
  const end = rest.search(/Serial Number: |Signature Algorithm: /);
  return rest.slice(0, end === -1 ? undefined : end);
}

for (const db of DATABASES) {
  describe(`revocation at the embedded CA on ${db.name}`, () => {
    const ctx = contextPerTest(() => openLocalCaContext(db));

    it('revokes a certificate of the order once, keeping the first time and reason, and refuses any other serial', async () => {
      const ca = await ctx.start();
      expect(canRevoke(ca)).toBe(true);
      const a = await issueOrder(ctx, ca, 'order-a', csrOf(), NAMES);
      const b = await issueOrder(ctx, ca, 'order-b', csrOf(), NAMES);
      const revokedAt = ctx.clock.now();
      const request = { supplierOrderId: a.supplierOrderId, serialNumber: a.event.certificate.serialNumber, certificatePem: a.event.certificate.certificatePem, reason: 'superseded' as const };
      await ca.revoke(request);

      ctx.clock.advance(DAY_MS);
      await ca.revoke({ ...request, reason: 'keyCompromise' });
      const colons = a.event.certificate.serialNumber.toUpperCase().match(/../g)!.join(':');
      await ca.revoke({ ...request, serialNumber: colons });
      const rows = await ctx.sql.query<{ serial_number: string; reason_code: number; revoked_at: unknown }>('select serial_number, reason_code, revoked_at from localca_revocations');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ serial_number: a.event.certificate.serialNumber, reason_code: 4 });
      expect(new Date(rows[0]!.revoked_at as string).toISOString()).toBe(revokedAt.toISOString());

      for (const serialNumber of [b.event.certificate.serialNumber, 'not a serial', '01']) {
        expect(await refusal(ca.revoke({ ...request, serialNumber }))).toMatchObject({ code: 'not_found', retryable: false });
      }
      expect(await refusal(ca.revoke({ ...request, supplierOrderId: '0'.repeat(32) }))).toMatchObject({ code: 'not_found', retryable: false });
      expect(await ctx.count('localca_revocations')).toBe(1);
      expect(await ca.status(a.supplierOrderId)).toMatchObject({ state: 'issued' });
    });

    it('refuses a key revoked for key compromise in any later CSR of any order, and only that key', async () => {
      const ca = await ctx.start();
      const compromised = rsaKey(2048);
      const a = await issueOrder(ctx, ca, 'order-compromised', csrOf(compromised), NAMES);
      const b = await issueOrder(ctx, ca, 'order-other', csrOf(), NAMES);
      const superseded = ecKey('P-256');
      const c = await issueOrder(ctx, ca, 'order-superseded', csrOf(superseded), NAMES);
      await ca.revoke({ supplierOrderId: a.supplierOrderId, serialNumber: a.event.certificate.serialNumber, certificatePem: a.event.certificate.certificatePem, reason: 'keyCompromise' });
      await ca.revoke({ supplierOrderId: c.supplierOrderId, serialNumber: c.event.certificate.serialNumber, certificatePem: c.event.certificate.certificatePem, reason: 'superseded' });

      const ordersBefore = await ctx.count('localca_orders');
      const submitted = await refusal(ca.submit(submitRequest({ orderId: 'order-new', csrPem: csrOf(compromised, ['api.example.org']), names: ['api.example.org'], approver: 'admin@example.org' })));
      expect(submitted).toMatchObject({ code: 'key_compromised', retryable: false });
      expect(submitted.message).toMatch(/BR 6\.1\.1\.3/);
      expect(await ctx.count('localca_orders')).toBe(ordersBefore);
      for (const supplierOrderId of [a.supplierOrderId, b.supplierOrderId]) {
        expect(await refusal(ca.reissue({ supplierOrderId, requestId: `r-${supplierOrderId}`, csrPem: csrOf(compromised), validityDays: 90 }))).toMatchObject({ code: 'key_compromised', retryable: false });
      }
      // A key revoked for another reason may be certified again (key reuse).
      await ca.reissue({ supplierOrderId: c.supplierOrderId, requestId: 'reuse', csrPem: csrOf(superseded), validityDays: 90 });
      expect(ctx.events.ofType('issued').map((event) => event.requestId)).toContain('reuse');
    });

    it('publishes a signed X.509 v2 CRL per issuing CA on its own site, which openssl checks, and points every new certificate at it', async () => {
      const ca = await ctx.start();
      const a = await issueOrder(ctx, ca, 'order-crl-a', csrOf(), NAMES);
      const b = await issueOrder(ctx, ca, 'order-crl-b', csrOf(), NAMES);
      const c = await issueOrder(ctx, ca, 'order-crl-c', csrOf(), NAMES);
      const url = crlUrlOf(a.event.certificate.certificatePem);
      const intermediateKeyId = keyIdOf(certificateText(a.event.certificate.chainPem[0]!), 'Subject Key Identifier')!;
      expect(url).toBe(`${ca.siteUrl}/crl/${intermediateKeyId.toLowerCase()}.crl`);
      expect(url).not.toMatch(/certbroker/i);

      const empty = await fetchCrl(url);
      expect(empty.status).toBe(200);
      expect(empty.type).toBe('application/pkix-crl');
      const emptyText = await crlText(empty.der, a.event.certificate);
      expect(emptyText.output).toMatch(/verify OK/);
      expect(emptyText.output).toMatch(/No Revoked Certificates/);
      expect((await verifyWithCrl(empty.der, a.event.certificate, ctx.clock.now())).ok).toBe(true);

      ctx.clock.advance(3_600_000);
      await ca.revoke({ supplierOrderId: a.supplierOrderId, serialNumber: a.event.certificate.serialNumber, certificatePem: a.event.certificate.certificatePem, reason: 'keyCompromise' });
      await ca.revoke({ supplierOrderId: b.supplierOrderId, serialNumber: b.event.certificate.serialNumber, certificatePem: b.event.certificate.certificatePem, reason: 'unspecified' });
      const published = await fetchCrl(url);
      expect(published.status).toBe(200);
      const checked = await crlText(published.der, a.event.certificate);
      expect(checked.ok).toBe(true);
      expect(checked.output).toMatch(/verify OK/);
      const text = checked.output;
      expect(text).toMatch(/Version 2 \(0x1\)/);
      expect(text).toMatch(/Issuer: O = Embedded Trust Services, CN = Embedded Trust Services TLS CA 1\n/);
      expect(text).toMatch(/Last Update: Nov 26 13:00:00 2026 GMT\n\s+Next Update: Dec {2}3 13:00:00 2026 GMT/);
      expect(text).toMatch(/X509v3 Authority Key Identifier:/);
      const crlNumber = Number(/X509v3 CRL Number:\s*\n\s*(\d+)/.exec(text)![1]);
      expect(crlNumber).toBeGreaterThan(1);
      expect(entryOf(text, a.event.certificate.serialNumber)).toMatch(/Revocation Date: Nov 26 13:00:00 2026 GMT[\s\S]*X509v3 CRL Reason Code:\s*\n\s*Key Compromise/);
      // BR 7.2.2: reasonCode is left out for unspecified.
      expect(entryOf(text, b.event.certificate.serialNumber)).toMatch(/Revocation Date: Nov 26 13:00:00 2026 GMT/);
      expect(entryOf(text, b.event.certificate.serialNumber)).not.toMatch(/Reason Code/);
      expect(entryOf(text, c.event.certificate.serialNumber)).toBeUndefined();

      const revoked = await verifyWithCrl(published.der, a.event.certificate, ctx.clock.now());
      expect(revoked.ok).toBe(false);
      expect(revoked.output).toMatch(/certificate revoked/);
      const valid = await verifyWithCrl(published.der, c.event.certificate, ctx.clock.now());
      expect(valid.output).toMatch(/: OK\s*$/);
      expect(valid.ok).toBe(true);

      // A day later the CRL is signed again with a higher number; the revocations stay on it.
      ctx.clock.advance(DAY_MS);
      const refreshed = await crlText((await fetchCrl(url)).der, a.event.certificate);
      expect(refreshed.output).toMatch(/verify OK/);
      expect(refreshed.output).toMatch(/Last Update: Nov 27 13:00:00 2026 GMT/);
      expect(Number(/X509v3 CRL Number:\s*\n\s*(\d+)/.exec(refreshed.output)![1])).toBe(crlNumber + 1);
      expect(entryOf(refreshed.output, a.event.certificate.serialNumber)).toBeDefined();

      expect((await getPage(`${ca.siteUrl}/crl/${'ab'.repeat(20)}.crl`, { json: true })).status).toBe(404);
      expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    });
  });
}
