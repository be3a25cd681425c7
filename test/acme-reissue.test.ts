/**
 * Further certificates within an ACME order — reissues and renewals (`ReissueCapability`) — against
 * Pebble: each is a new ACME order (RFC 8555 7.4) finalized with the request's CSR and reported as an
 * `issued` event with the request's id; `revalidate` deactivates the account's valid authorizations
 * first (RFC 8555 7.5.2), so the CA validates the names again.
 */
import { X509Certificate, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { canReissue } from '../src/suppliers/supplier.js';
import { RecordingMailPort, acmeRequest, contextPerTest, eventOf, openAcmeContext, refusal, uniqueName, verifies } from './support/acme-harness.js';
import { buildCsr, ecKey } from './support/csr-factory.js';
import { DATABASES } from './support/databases.js';
import { PEBBLE_AVAILABLE, startPebble, type Pebble } from './support/pebble.js';

type AuthorizationView = { url: string; status: string; token: string | null; challenge_url: string | null };

describe.skipIf(!PEBBLE_AVAILABLE)('further certificates of an ACME order against Pebble', () => {
  /**
   * Pebble reuses an account's valid authorization for a new order with the probability
   * PEBBLE_AUTHZREUSE (its default 50 %): at 100 it always does, as Boulder does within the reuse
   * period, so what a reissue without `revalidate` gets is certain.
   */
  let pebble: Pebble;

  beforeAll(async () => {
    pebble = await startPebble({ alwaysValid: true, authzReuse: 100 });
  });
  afterAll(async () => {
    await pebble?.stop();
  });

  for (const db of DATABASES) {
    describe(`on ${db.name}`, () => {
      const ctx = contextPerTest(() => openAcmeContext(db, pebble));

      /** An issued order for `names`: submitted, re-checked, its certificate reported. */
      async function issuedOrder(orderId: string, names: readonly string[], supplier = ctx.start()) {
        const started = await supplier;
        const { supplierOrderId } = await started.submit(acmeRequest({ orderId, names }));
        await started.resendApproval({ supplierOrderId });
        const issued = await eventOf(ctx.events, 'issued', orderId);
        return { supplier: started, supplierOrderId, certificate: issued.certificate };
      }

      function authorizationsOf(orderId: string, requestId: string): Promise<AuthorizationView[]> {
        return ctx.sql.query<AuthorizationView>(
          `select a.url, a.status, a.token, a.challenge_url from acme_authorizations a join acme_orders o using (supplier_order_id)
           where o.order_id = $1 and o.request_id = $2 order by a.position`,
          [orderId, requestId],
        );
      }

      function csrFor(names: readonly string[], key = ecKey('P-256')): string {
        return buildCsr({ privateKey: key, commonName: names[0]!, sans: names }).pem;
      }

      it('reissues with a new CSR as a new ACME order, reports it with the request id, once per request id', async () => {
        const name = uniqueName('reissue');
        const { supplier, supplierOrderId, certificate: first } = await issuedOrder('order-re', [name, `www.${name}`]);
        expect(canReissue(supplier)).toBe(true);
        const key = ecKey('P-256');
        const request = { supplierOrderId, requestId: 'crq-1', csrPem: csrFor([name, `www.${name}`], key), validityDays: 199 };

        await Promise.all([supplier.reissue(request), supplier.reissue(request), supplier.reissue(request)]);
        const issued = await eventOf(ctx.events, 'issued', 'order-re', (event) => event.requestId === 'crq-1');
        await supplier.reissue(request);

        const leaf = new X509Certificate(issued.certificate.certificatePem);
        expect(leaf.publicKey.export({ type: 'spki', format: 'der' })).toEqual(createPublicKey(key).export({ type: 'spki', format: 'der' }));
        expect(leaf.subjectAltName?.split(', ').sort()).toEqual([`DNS:${name}`, `DNS:www.${name}`].sort());
        expect(issued.certificate.serialNumber).not.toBe(first.serialNumber);
        expect(verifies(issued.certificate).ok).toBe(true);
        const rows = await ctx.sql.query<{ request_id: string; kind: string; acme_order_url: string; parent_id: string | null }>(
          "select request_id, kind, acme_order_url, parent_id from acme_orders where order_id = 'order-re' order by parent_id nulls first",
        );
        expect(rows.map((row) => [row.request_id, row.kind, row.parent_id])).toEqual([
          ['initial', 'initial', null],
          ['crq-1', 'reissue', supplierOrderId],
        ]);
        expect(rows[1]!.acme_order_url).not.toBe(rows[0]!.acme_order_url);
        expect(ctx.events.ofType('issued').map((event) => event.requestId)).toEqual(['initial', 'crq-1']);
        // The CA reused both names' authorizations: nothing to publish, so no instructions email beyond the order's own two.
        expect(ctx.events.timeline('order-re')).toContain(`acme: domain control validation for the reissue crq-1 started: already validated at the CA: ${name}, www.${name}.`);
        expect(ctx.mail.instructions.filter((email) => email.orderId === 'order-re').map((email) => email.sequence)).toEqual([1, 2]);
        // The order itself still reports its first certificate.
        expect(await supplier.status(supplierOrderId)).toMatchObject({ state: 'issued', certificate: { serialNumber: first.serialNumber } });
      });

      it('revalidates on request: the valid authorizations are deactivated, the new order has pending ones with new challenges', async () => {
        const name = uniqueName('renew');
        const { supplier, supplierOrderId } = await issuedOrder('order-renew', [name]);
        const [initial] = await authorizationsOf('order-renew', 'initial');
        expect(initial).toMatchObject({ status: 'valid', token: expect.any(String) });

        // Without revalidate, Pebble hands the new order the valid authorization it has: nothing is checked again.
        await supplier.reissue({ supplierOrderId, requestId: 'crq-reuse', csrPem: csrFor([name]), validityDays: 199 });
        expect(await authorizationsOf('order-renew', 'crq-reuse')).toEqual([{ url: initial!.url, status: 'valid', token: null, challenge_url: null }]);
        await eventOf(ctx.events, 'issued', 'order-renew', (event) => event.requestId === 'crq-reuse');

        await supplier.reissue({ supplierOrderId, requestId: 'crq-renew', kind: 'renewal', csrPem: csrFor([name]), validityDays: 199, revalidate: true });
        // Pebble answered the deactivation (RFC 8555 7.5.2) with the authorization's new state.
        expect(await authorizationsOf('order-renew', 'initial')).toEqual([{ ...initial, status: 'deactivated' }]);
        expect(await authorizationsOf('order-renew', 'crq-reuse')).toEqual([expect.objectContaining({ url: initial!.url, status: 'deactivated' })]);
        const [fresh] = await authorizationsOf('order-renew', 'crq-renew');
        expect(fresh).toMatchObject({ status: 'pending', token: expect.any(String) });
        expect(fresh!.url).not.toBe(initial!.url);
        expect(fresh!.token).not.toBe(initial!.token);
        expect(fresh!.challenge_url).not.toBe(initial!.challenge_url);
        expect(await ctx.count('acme_orders', "order_id = 'order-renew' and request_id = 'crq-renew' and state = 'awaiting_validation'")).toBe(1);

        // The approver contact gets the new challenge's record; the order's email count goes on (1: submitted, 2: re-checked).
        const [firstEmail, ...later] = ctx.mail.instructions.filter((email) => email.orderId === 'order-renew');
        const renewalEmail = later.at(-1);
        expect(renewalEmail).toMatchObject({ to: 'admin@example.com', sequence: 3, instructions: [{ domain: name, method: 'dns-01', recordName: `_acme-challenge.${name}` }] });
        expect(renewalEmail!.instructions[0]!.recordValue).not.toBe(firstEmail!.instructions[0]!.recordValue);
        expect(ctx.events.timeline('order-renew')).toContain(`acme: domain control validation for the renewal crq-renew started: DNS TXT record (dns-01) for ${name}.`);

        // The reseller's re-check of the issued order answers the renewal's challenge; the CA validates again.
        await supplier.resendApproval({ supplierOrderId });
        const renewed = await eventOf(ctx.events, 'issued', 'order-renew', (event) => event.requestId === 'crq-renew');
        expect(verifies(renewed.certificate).ok).toBe(true);
        expect(ctx.events.timeline('order-renew').filter((detail) => detail === `acme: ${name} is validated (dns-01).`)).toHaveLength(2);
        expect(await authorizationsOf('order-renew', 'crq-renew')).toEqual([expect.objectContaining({ url: fresh!.url, status: 'valid' })]);
      });

      it('validates only the names a reissue adds, and refuses what does not fit the order', async () => {
        const name = uniqueName('grow');
        const added = uniqueName('added');
        const { supplier, supplierOrderId } = await issuedOrder('order-grow', [name]);
        const domains = [
          { name, dcv: { method: 'dns' as const } },
          { name: added, dcv: { method: 'http' as const } },
        ];
        await supplier.reissue({ supplierOrderId, requestId: 'crq-grow', csrPem: csrFor([name, added]), validityDays: 199, domains, approverEmail: 'Hostmaster@Example.com' });
        const email = ctx.mail.latest('order-grow')!;
        expect(email).toMatchObject({ sequence: 3, to: 'hostmaster@example.com' });
        expect(email.instructions).toEqual([expect.objectContaining({ domain: added, method: 'http-01' })]);
        await supplier.resendApproval({ supplierOrderId });
        const issued = await eventOf(ctx.events, 'issued', 'order-grow', (event) => event.requestId === 'crq-grow');
        expect(new X509Certificate(issued.certificate.certificatePem).subjectAltName?.split(', ').sort()).toEqual([`DNS:${name}`, `DNS:${added}`].sort());

        const mismatch = await refusal(supplier.reissue({ supplierOrderId, requestId: 'crq-bad', csrPem: csrFor([added]), validityDays: 199 }));
        expect([mismatch.code, mismatch.retryable]).toEqual(['names_mismatch', false]);
        const reserved = await refusal(supplier.reissue({ supplierOrderId, requestId: 'initial', csrPem: csrFor([name]), validityDays: 199 }));
        expect(reserved.code).toBe('request_id_reserved');
        const pending = await supplier.submit(acmeRequest({ orderId: 'order-pending', names: [uniqueName('pending')] }));
        const notIssued = await refusal(supplier.reissue({ supplierOrderId: pending.supplierOrderId, requestId: 'crq-early', csrPem: csrFor([name]), validityDays: 199 }));
        expect([notIssued.code, notIssued.retryable]).toEqual(['not_issued', false]);
        expect(await ctx.count('acme_orders', "request_id in ('crq-bad', 'crq-early')")).toBe(0);
      });

      it('is idempotent across processes, and a process that died before delivering leaves the email to the next', async () => {
        const name = uniqueName('crash');
        const { supplierOrderId } = await issuedOrder('order-crash', [name]);
        // A process whose platform mail port is down: the reissue is recorded, its email stays in the outbox.
        const downMail = new RecordingMailPort();
        downMail.sendDcvInstructions = async () => {
          throw new Error('the platform is not reachable');
        };
        const dying = await ctx.start({ autoPoll: false }, { mail: downMail });
        const request = { supplierOrderId, requestId: 'crq-crash', csrPem: csrFor([name]), validityDays: 199, revalidate: true };
        await dying.reissue(request);
        const [recorded] = await ctx.sql.query<{ acme_order_url: string }>("select acme_order_url from acme_orders where request_id = 'crq-crash'");
        expect(await ctx.count('acme_outbox', "kind = 'dcv_instructions' and done_at is null")).toBe(1);
        await dying.close();

        // The platform's job is retried in two other processes at once: no second ACME order, one email.
        const [one, two] = await Promise.all([ctx.start(), ctx.start()]);
        await Promise.all([one.reissue(request), two.reissue(request)]);
        expect(await ctx.sql.query("select acme_order_url from acme_orders where request_id = 'crq-crash'")).toEqual([recorded]);
        await vi.waitFor(() => expect(ctx.mail.instructions.filter((email) => email.orderId === 'order-crash').map((email) => email.sequence)).toEqual([1, 2, 3]));
        await one.resendApproval({ supplierOrderId });
        await eventOf(ctx.events, 'issued', 'order-crash', (event) => event.requestId === 'crq-crash');
        expect(ctx.events.ofType('issued').filter((event) => event.requestId === 'crq-crash')).toHaveLength(1);
      });
    });
  }
});
