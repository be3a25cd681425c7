import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './support/databases.js';
import { approvalFor, approve } from './support/flow.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody, uniqueDomain } from './support/orders.js';
import { TEST_PLATFORM_NAME, TEST_PUBLIC_BASE_URL } from './support/platform.js';

const ORGANIZATION = { legalName: 'Beispiel Handels GmbH', registrationNumber: 'HRB 98765', address: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE', state: 'Berlin' };
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n', 'latin1'), randomBytes(2048), Buffer.from('\n%%EOF\n')]);

/** A multipart/form-data body, built by hand as a client would send it. */
function multipart(parts: readonly ({ name: string; value: string } | { name: string; filename: string; contentType: string; content: Buffer })[]): { body: Buffer; contentType: string } {
  const boundary = `----certbroker-test-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const head =
      'value' in part
        ? `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`
        : `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType}\r\n\r\n`;
    chunks.push(Buffer.from(head, 'utf8'));
    if (!('value' in part)) chunks.push(part.content, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

type ErrorBody = { error: { code: string; message: string; fields: { path: string; code: string; message: string }[] } };
type OrderView = { id: string; status: string; hold: { by: string } | null; events: { type: string; note: string | null }[] };
type DocumentList = { requests: { id: string; kind: string; note: string; answeredAt: string | null }[]; documents: { id: string; requestId: string; sha256: string; size: number; forwardedAt: string | null; filename: string }[] };

for (const db of DATABASES) {
  describe(`OV/EV document requests and the CA desk on ${db.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(db);
    });
    afterAll(async () => h?.close());

    const order = async (key: string, id: string) => (await h.call('GET', `/v1/orders/${id}`, { key })).json() as OrderView;
    const desk = (method: string, path: string, body?: unknown) => h.call(method, `/v1/staff/ca-desk/orders${path}`, { key: h.staffKey, ...(body !== undefined && { body }) });
    const upload = (key: string, orderId: string, parts: Parameters<typeof multipart>[0]) => {
      const form = multipart(parts);
      return h.app.inject({ method: 'POST', url: `/v1/orders/${orderId}/documents`, headers: { authorization: `Bearer ${key}`, 'content-type': form.contentType }, payload: form.body });
    };
    const pdfParts = (requestId: string, content = PDF, contentType = 'application/pdf', filename = 'register-extract.pdf') => [
      { name: 'requestId', value: requestId },
      { name: 'type', value: 'registration_extract' },
      { name: 'file', filename, contentType, content },
    ];

    /** An ov-single order, accepted by the embedded CA (awaiting validation). */
    async function ovOrder(key: string, product: 'ov-single' | 'dv-single' = 'ov-single') {
      const domain = uniqueDomain();
      const res = await h.call('POST', '/v1/orders', {
        key,
        body: orderBody({ product, ...(product === 'ov-single' && { organization: ORGANIZATION }) }, domain),
        headers: { 'idempotency-key': domain },
      });
      expect(res.statusCode, res.body).toBe(201);
      const id = (res.json() as { id: string }).id;
      await h.platform.runner.drain();
      expect((await order(key, id)).status).toBe('awaiting_validation');
      return { id, domain };
    }

    /** The desk asks for documents; returns the platform's request id once the event went through. */
    async function requestDocuments(key: string, orderId: string, kind = 'registration_extract', note = 'An extract not older than three months.') {
      const asked = await desk('POST', `/${orderId}/document-requests`, { kind, note });
      expect(asked.statusCode, asked.body).toBe(201);
      await h.platform.runner.drain();
      const listed = (await h.call('GET', `/v1/orders/${orderId}/documents`, { key })).json() as DocumentList;
      return listed.requests.at(-1)!.id;
    }

    const mailTo = async (orderId: string) =>
      h.platform.store.db.selectFrom('mail_outbox').select(['recipient', 'template', 'raw']).where('order_id', '=', orderId).execute();

    it('runs an OV order end to end: request to the representative only, upload, forwarding, desk approval, DCV, organisation in the subject', async () => {
      const { key, id: resellerId } = await h.reseller({ topUp: 100_000 });
      const rep = ((await h.call('GET', '/v1/account', { key })).json() as { repEmail: string }).repEmail;
      const { id, domain } = await ovOrder(key);
      const approval = await approvalFor(h, domain);

      const queue = (await desk('GET', '')).json() as { data: { orderId: string; organizationState: string; organization: { legalName: string } }[] };
      expect(queue.data.find((o) => o.orderId === id)).toMatchObject({ organizationState: 'pending', organization: { legalName: ORGANIZATION.legalName } });

      const requestId = await requestDocuments(key, id);
      const notice = await h.sink.waitFor((m) => m.to.includes(rep) && (m.text ?? '').includes(requestId), 5000);
      expect(notice.subject).toContain(`Documents needed for order ${id}`);
      expect(notice.text).toContain('An extract not older than three months.');
      // The customer hears nothing of it: no email to the administrative contact beyond the confirmation.
      const sent = await mailTo(id);
      expect(sent.filter((m) => m.recipient === 'ada@example.com').map((m) => m.template)).toEqual(['order-confirmation']);
      expect(sent.filter((m) => m.template === 'documents-request')).toEqual([]);
      const hooks = await h.platform.store.db.selectFrom('webhook_events').select(['type', 'payload']).where('order_id', '=', id).where('type', '=', 'order.documents_requested').execute();
      expect(hooks).toHaveLength(1);
      expect((hooks[0]!.payload as { data: { requestId: string; kind: string } }).data).toMatchObject({ requestId, kind: 'registration_extract' });

      const uploaded = await upload(key, id, pdfParts(requestId));
      expect(uploaded.statusCode, uploaded.body).toBe(201);
      const [document] = (uploaded.json() as { data: DocumentList['documents'] }).data;
      expect(document!.sha256).toBe(createHash('sha256').update(PDF).digest('hex'));
      await h.platform.runner.drain();

      const listed = (await h.call('GET', `/v1/orders/${id}/documents`, { key })).json() as DocumentList;
      expect(listed.documents).toEqual([expect.objectContaining({ id: document!.id, requestId, sha256: document!.sha256, size: PDF.length, forwardedAt: expect.any(String) })]);
      expect(listed.requests[0]!.answeredAt).not.toBeNull();
      const atCa = (await desk('GET', `/${id}/documents`)).json() as { data: { documentId: string; sha256: string; size: number }[] };
      expect(atCa.data).toEqual([expect.objectContaining({ documentId: document!.id, sha256: document!.sha256, size: PDF.length })]);

      // Downloads: the reseller and staff, byte for byte; another reseller sees nothing.
      const download = await h.call('GET', `/v1/orders/${id}/documents/${document!.id}`, { key });
      expect(download.statusCode).toBe(200);
      expect(download.headers['content-type']).toBe('application/pdf');
      expect(download.rawPayload.equals(PDF)).toBe(true);
      const staffDownload = await h.call('GET', `/v1/staff/orders/${id}/documents/${document!.id}`, { key: h.staffKey });
      expect(staffDownload.rawPayload.equals(PDF)).toBe(true);
      const other = await h.reseller({ topUp: 0 });
      expect((await h.call('GET', `/v1/orders/${id}/documents`, { key: other.key })).statusCode).toBe(404);
      expect((await h.call('GET', `/v1/orders/${id}/documents/${document!.id}`, { key: other.key })).statusCode).toBe(404);
      expect((await h.call('GET', `/v1/staff/orders/${id}/documents`, { key })).statusCode).toBe(404);

      // Organisation approved first: nothing is issued while domain control is pending.
      expect((await desk('POST', `/${id}/organization/approve`, {})).statusCode).toBe(202);
      await h.platform.runner.drain();
      expect((await order(key, id)).status).toBe('awaiting_validation');
      expect(await approve(approval)).toBe(200);
      await h.platform.runner.drain();
      const issued = await order(key, id);
      expect(issued.status).toBe('issued');
      const timeline = issued.events.map((e) => e.type);
      expect(timeline).toEqual(expect.arrayContaining(['documents.requested', 'documents.uploaded', 'documents.forwarded', 'order.issued']));
      expect(timeline.indexOf('documents.requested')).toBeLessThan(timeline.indexOf('documents.uploaded'));

      const pem = (await h.call('GET', `/v1/orders/${id}/certificate?format=pem`, { key })).body;
      const subject = new X509Certificate(pem).subject.split('\n');
      expect(subject).toEqual(['C=DE', 'ST=Berlin', 'L=Berlin', `O=${ORGANIZATION.legalName}`, `CN=${domain}`]);
      expect(resellerId).toBeDefined();
    });

    it('checks uploads: content against declared type (400), size (413), ownership (404), DV and unrequested orders (409)', async () => {
      const { key } = await h.reseller({ topUp: 100_000 });
      const { id: unrequested } = await ovOrder(key);
      const refusedUnrequested = await upload(key, unrequested, pdfParts('drq_none'));
      expect(refusedUnrequested.statusCode).toBe(409);
      expect((refusedUnrequested.json() as ErrorBody).error).toMatchObject({ code: 'documents.no_open_request', message: expect.stringContaining('has not asked for documents') });

      const { id: dv } = await ovOrder(key, 'dv-single');
      const refusedDv = await upload(key, dv, pdfParts('drq_none'));
      expect(refusedDv.statusCode).toBe(409);
      expect((refusedDv.json() as ErrorBody).error.code).toBe('documents.not_required');
      expect((await desk('POST', `/${dv}/document-requests`, { kind: 'proof_of_address' })).statusCode).toBe(409);

      const { id } = await ovOrder(key);
      const requestId = await requestDocuments(key, id, 'proof_of_address', '');

      const text = await upload(key, id, pdfParts(requestId, Buffer.from('just some text, not a PDF at all\n'), 'application/pdf', 'address.pdf'));
      expect(text.statusCode).toBe(400);
      expect((text.json() as ErrorBody).error.fields).toEqual([expect.objectContaining({ path: 'file', code: 'document.content_mismatch', message: expect.stringContaining('declared as application/pdf') })]);

      const exe = await upload(key, id, pdfParts(requestId, Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), randomBytes(512)]), 'application/octet-stream', 'setup.exe'));
      expect(exe.statusCode).toBe(400);
      expect((exe.json() as ErrorBody).error.fields).toEqual([expect.objectContaining({ path: 'file', code: 'document.type_not_allowed', message: expect.stringContaining('PDF (application/pdf), PNG (image/png) or JPEG (image/jpeg)') })]);

      const pngAsPdf = await upload(key, id, pdfParts(requestId, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]), 'application/pdf'));
      expect((pngAsPdf.json() as ErrorBody).error.fields[0]!.message).toContain('its content is a image/png file');

      const large = await upload(key, id, pdfParts(requestId, Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)])));
      expect(large.statusCode).toBe(413);
      expect((large.json() as ErrorBody).error).toMatchObject({ code: 'document.too_large', fields: [expect.objectContaining({ path: 'file', message: expect.stringContaining('10 MiB') })] });

      const noRequest = await upload(key, id, [{ name: 'type', value: 'proof_of_address' }, { name: 'file', filename: 'a.pdf', contentType: 'application/pdf', content: PDF }]);
      expect(noRequest.statusCode).toBe(400);
      expect((noRequest.json() as ErrorBody).error.fields.map((f) => f.path)).toEqual(['requestId']);
      const badType = await upload(key, id, [{ name: 'requestId', value: requestId }, { name: 'type', value: 'passport' }, { name: 'file', filename: 'a.pdf', contentType: 'application/pdf', content: PDF }]);
      expect((badType.json() as ErrorBody).error.fields.map((f) => `${f.path}:${f.code}`)).toEqual(['type:document.type_unknown']);
      const garbled = await h.app.inject({ method: 'POST', url: `/v1/orders/${id}/documents`, headers: { authorization: `Bearer ${key}`, 'content-type': 'multipart/form-data' }, payload: 'not a form' });
      expect(garbled.statusCode).toBe(400);
      expect((garbled.json() as ErrorBody).error.code).toBe('document.form_malformed');
      const json = await h.call('POST', `/v1/orders/${id}/documents`, { key, body: { requestId } });
      expect(json.statusCode).toBe(400);
      expect((json.json() as ErrorBody).error.code).toBe('document.not_multipart');

      const other = await h.reseller({ topUp: 0 });
      expect((await upload(other.key, id, pdfParts(requestId))).statusCode).toBe(404);

      // Nothing refused was kept; a PNG and a JPEG are taken.
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]);
      const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]);
      const both = await upload(key, id, [
        { name: 'requestId', value: requestId },
        { name: 'type', value: 'proof_of_address' },
        { name: 'file', filename: '../../utility bill.png', contentType: 'image/png', content: png },
        { name: 'file', filename: 'lease.jpg', contentType: 'image/jpeg', content: jpeg },
      ]);
      expect(both.statusCode, both.body).toBe(201);
      const listed = (await h.call('GET', `/v1/orders/${id}/documents`, { key })).json() as DocumentList;
      expect(listed.documents.map((d) => d.filename)).toEqual(['utility bill.png', 'lease.jpg']);
    });

    it('rejects the organisation: cancelled_by_supplier with one refund request; a supplier hold shows and lifts, and holds issuance', async () => {
      const { key } = await h.reseller({ topUp: 100_000 });
      const { id } = await ovOrder(key);
      expect((await desk('POST', `/${id}/organization/reject`, {})).statusCode).toBe(422);
      for (let i = 0; i < 2; i += 1) {
        expect((await desk('POST', `/${id}/organization/reject`, { reason: 'The organisation is not registered at the stated address.' })).statusCode).toBe(202);
        await h.platform.runner.drain();
      }
      const rejected = await order(key, id);
      expect(rejected.status).toBe('cancelled_by_supplier');
      expect(rejected.events.find((e) => e.type === 'order.cancelled_by_supplier')?.note).toBe('The organisation is not registered at the stated address.');
      const refunds = await h.platform.store.db.selectFrom('refund_requests').select(['amount', 'status']).where('order_id', '=', id).execute();
      expect(refunds).toEqual([{ amount: 4900, status: 'open' }]);
      expect((await desk('POST', `/${id}/organization/approve`, {})).statusCode).toBe(409);

      const held = await ovOrder(key);
      const approval = await approvalFor(h, held.domain);
      expect((await desk('POST', `/${held.id}/hold`, { reason: 'Manual review of the applicant' })).statusCode).toBe(202);
      await h.platform.runner.drain();
      expect((await order(key, held.id)).hold).toMatchObject({ by: 'supplier' });
      expect((await desk('POST', `/${held.id}/organization/approve`, {})).statusCode).toBe(202);
      expect(await approve(approval)).toBe(200);
      await h.platform.runner.drain();
      expect((await order(key, held.id)).status).toBe('awaiting_validation');
      expect((await desk('POST', `/${held.id}/hold/release`, {})).statusCode).toBe(202);
      await h.platform.runner.drain();
      const released = await order(key, held.id);
      expect(released.hold).toBeNull();
      expect(released.status).toBe('issued');
      expect(released.events.map((e) => e.type)).toEqual(expect.arrayContaining(['supplier.hold', 'supplier.hold_released']));
    });

    it('sends the request to the administrative contact too when the reseller allows it, white-label and generic', async () => {
      const { key } = await h.reseller({ topUp: 100_000 });
      const settings = await h.call('PUT', '/v1/account/settings', { key, body: { documentRequestsTo: 'customer' } });
      expect(settings.statusCode).toBe(200);
      const { id } = await ovOrder(key);
      const requestId = await requestDocuments(key, id, 'attestation_letter', 'A letter from your accountant confirming the registered address.');
      await h.platform.runner.drain();
      const toCustomer = await h.sink.waitFor((m) => m.to.includes('ada@example.com') && (m.text ?? '').includes(id) && (m.subject ?? '').startsWith('Documents needed for your certificate order'), 5000);
      expect(toCustomer.text).toContain('an attestation letter');
      expect(toCustomer.text).toContain('A letter from your accountant');
      expect(toCustomer.text).not.toContain(requestId);
      const raw = toCustomer.raw.toString('utf8');
      expect(raw.toLowerCase()).not.toContain(TEST_PLATFORM_NAME);
      expect(raw).not.toContain(new URL(TEST_PUBLIC_BASE_URL).host);
      expect(raw).not.toMatch(/https?:\/\//);
      expect((await mailTo(id)).filter((m) => m.template === 'reseller-notice')).toHaveLength(1);
    });

    it('documents the new routes in the OpenAPI document', async () => {
      const paths = Object.keys(((await h.call('GET', '/openapi.json')).json() as { paths: Record<string, unknown> }).paths);
      expect(paths).toEqual(
        expect.arrayContaining([
          '/v1/orders/{id}/documents',
          '/v1/orders/{id}/documents/{docId}',
          '/v1/staff/orders/{id}/documents',
          '/v1/staff/ca-desk/orders',
          '/v1/staff/ca-desk/orders/{id}/document-requests',
          '/v1/staff/ca-desk/orders/{id}/documents',
          '/v1/staff/ca-desk/orders/{id}/organization/approve',
          '/v1/staff/ca-desk/orders/{id}/organization/reject',
          '/v1/staff/ca-desk/orders/{id}/hold',
          '/v1/staff/ca-desk/orders/{id}/hold/release',
        ]),
      );
    });
  });
}
