/**
 * Revocation at an ACME CA (`RevokeCapability`, RFC 8555 7.6) against Pebble: signed with the account
 * key, with the RFC 5280 reason code, which Pebble's management interface then reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revocationReasonCode } from '../src/domain/revocation.js';
import { canRevoke } from '../src/suppliers/supplier.js';
import { testCa } from './support/acme-certs.js';
import { acmeRequest, contextPerTest, eventOf, openAcmeContext, refusal, uniqueName } from './support/acme-harness.js';
import { buildCsr, ecKey } from './support/csr-factory.js';
import { DATABASES } from './support/databases.js';
import { PEBBLE_AVAILABLE, startPebble, type Pebble } from './support/pebble.js';

describe.skipIf(!PEBBLE_AVAILABLE)('revoking ACME certificates against Pebble', () => {
  /** Never reuses an authorization, so a reissue always waits for a re-check. */
  let pebble: Pebble;

  beforeAll(async () => {
    pebble = await startPebble({ alwaysValid: true, authzReuse: 0 });
  });
  afterAll(async () => {
    await pebble?.stop();
  });

  for (const db of DATABASES) {
    describe(`on ${db.name}`, () => {
      const ctx = contextPerTest(() => openAcmeContext(db, pebble));

      /** An issued order at `ca` for a fresh name. */
      async function issuedOrder(orderId: string, ca = pebble) {
        const supplier = await ctx.start(ca === pebble ? {} : { label: 'other', directoryUrl: ca.directoryUrl, ca: ca.ca, rootUrl: ca.rootUrl });
        const name = uniqueName('revoke');
        const { supplierOrderId } = await supplier.submit(acmeRequest({ orderId, names: [name] }));
        await supplier.resendApproval({ supplierOrderId });
        const { certificate } = await eventOf(ctx.events, 'issued', orderId);
        return { supplier, supplierOrderId, certificate, name };
      }

      it('revokes with the RFC 5280 reason, as the CA then reports it; revoking again succeeds', async () => {
        const { supplier, supplierOrderId, certificate, name } = await issuedOrder('order-revoke');
        expect(canRevoke(supplier)).toBe(true);
        // A reissued certificate of the order is revoked by its own serial number, the first one stays valid.
        await supplier.reissue({ supplierOrderId, requestId: 'crq-1', csrPem: buildCsr({ privateKey: ecKey('P-256'), commonName: name, sans: [name] }).pem, validityDays: 199 });
        await supplier.resendApproval({ supplierOrderId });
        const { certificate: reissued } = await eventOf(ctx.events, 'issued', 'order-revoke', (event) => event.requestId === 'crq-1');
        expect(await pebble.certificateStatus(reissued.serialNumber)).toMatchObject({ status: 'Valid' });

        await supplier.revoke({ supplierOrderId, serialNumber: reissued.serialNumber, certificatePem: reissued.certificatePem, reason: 'superseded' });
        expect(await pebble.certificateStatus(reissued.serialNumber)).toMatchObject({ status: 'Revoked', reason: revocationReasonCode('superseded') });
        expect(await pebble.certificateStatus(certificate.serialNumber)).toMatchObject({ status: 'Valid' });
        expect(await ctx.count('acme_certificates', 'revoked_at is not null and revocation_reason = 4')).toBe(1);

        await supplier.revoke({ supplierOrderId, serialNumber: reissued.serialNumber.toUpperCase(), certificatePem: reissued.certificatePem, reason: 'superseded' });
        // Even when the adapter's record of it is lost, the CA's "alreadyRevoked" counts as done.
        await ctx.sql.query('update acme_certificates set revoked_at = null, revocation_reason = null');
        await supplier.revoke({ supplierOrderId, serialNumber: reissued.serialNumber, certificatePem: reissued.certificatePem, reason: 'cessationOfOperation' });
        expect(await pebble.certificateStatus(reissued.serialNumber)).toMatchObject({ status: 'Revoked', reason: revocationReasonCode('superseded') });

        await supplier.revoke({ supplierOrderId, serialNumber: certificate.serialNumber, certificatePem: certificate.certificatePem, reason: 'cessationOfOperation' });
        expect(await pebble.certificateStatus(certificate.serialNumber)).toMatchObject({ status: 'Revoked', reason: revocationReasonCode('cessationOfOperation') });
      });

      it('revokes only a certificate of the order, and passes on what else the CA refuses, not to be retried', async () => {
        const { supplier, supplierOrderId, certificate } = await issuedOrder('order-mine');
        const other = await issuedOrder('order-other');
        const foreign = await refusal(supplier.revoke({ supplierOrderId, serialNumber: other.certificate.serialNumber, certificatePem: other.certificate.certificatePem, reason: 'keyCompromise' }));
        expect([foreign.code, foreign.retryable]).toEqual(['not_found', false]);
        expect(await pebble.certificateStatus(other.certificate.serialNumber)).toMatchObject({ status: 'Valid' });

        // A certificate the CA never issued, as if the adapter's copy were corrupted: the CA's refusal is final.
        const stranger = testCa('Not Pebble');
        try {
          const csrPem = buildCsr({ privateKey: ecKey('P-256'), commonName: 'x.example.com', sans: ['x.example.com'] }).pem;
          await ctx.sql.query('update acme_certificates set certificate_pem = $1 where supplier_order_id = $2', [stranger.sign(csrPem, { sans: ['x.example.com'], days: 30 }), supplierOrderId]);
        } finally {
          stranger.dispose();
        }
        const refused = await refusal(supplier.revoke({ supplierOrderId, serialNumber: certificate.serialNumber, certificatePem: certificate.certificatePem, reason: 'unspecified' }));
        expect(refused.retryable).toBe(false);
        expect(refused.message).toMatch(/^acme: the CA refused revoking the certificate [0-9a-f]+: \S/);
        expect(await ctx.count('acme_certificates', 'revoked_at is not null')).toBe(0);
      });

      it('reports a CA that cannot be reached as retryable', async () => {
        const doomed = await startPebble({ alwaysValid: true });
        try {
          const { supplier, supplierOrderId, certificate } = await issuedOrder('order-outage', doomed);
          await doomed.kill();
          const down = await refusal(supplier.revoke({ supplierOrderId, serialNumber: certificate.serialNumber, certificatePem: certificate.certificatePem, reason: 'keyCompromise' }));
          expect([down.code, down.retryable]).toEqual(['ca_unreachable', true]);
          expect(await ctx.count('acme_certificates', 'revoked_at is not null')).toBe(0);
        } finally {
          await doomed.stop();
        }
      });
    });
  }
});
