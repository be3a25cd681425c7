/**
 * The ACME supplier wired into the platform (issue: a real CA supplier): the fulfilment pipeline for
 * an ACME order unchanged (emails, webhooks, download), the instructions email in place of the
 * approval email, real dns-01 validation through pebble-challtestsrv from what the email says,
 * failover to the embedded CA when the CA is down or refuses, and the incidents staff see.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FixedClock } from '../src/domain/clock.js';
import { createPlatform } from '../src/cli/platform.js';
import type { SinkMessage } from '../src/mail/sink.js';
import { opensslVerify } from './support/acme-harness.js';
import { DATABASES } from './support/databases.js';
import { startHarness, type Harness } from './support/harness.js';
import { orderBody, uniqueDomain } from './support/orders.js';
import { PEBBLE_AVAILABLE, startChallTestSrv, startPebble, type ChallTestSrv, type Pebble } from './support/pebble.js';
import { TEST_PLATFORM_NAME, TEST_PUBLIC_BASE_URL } from './support/platform.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';
import { approvalFor, approve } from './support/flow.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;
/** The supplier's poller and the platform's queue run on their own; these bound how long a test waits for them. */
const ISSUANCE = { timeout: 20_000, interval: 50 };

type OrderView = { id: string; status: string; domainDetails: { name: string; dcv: { method: string } }[]; events: { type: string; note: string | null }[] };

/** The supplier that accepted the order, as its timeline says. */
function acceptedBy(view: OrderView): string | undefined {
  return /^Accepted by (\S+);/.exec(view.events.find((e) => e.type === 'order.released')?.note ?? '')?.[1];
}

async function order(h: Harness, key: string, id: string): Promise<OrderView> {
  return (await h.call('GET', `/v1/orders/${id}`, { key })).json() as OrderView;
}

async function place(h: Harness, key: string, body: Record<string, unknown>): Promise<string> {
  const placed = await h.call('POST', '/v1/orders', { key, body, headers: { 'idempotency-key': `acme-${randomBytes(6).toString('hex')}` } });
  expect(placed.statusCode, placed.body).toBe(201);
  return (placed.json() as { id: string }).id;
}

/** Runs the platform's queue until the order reaches `status` (the supplier's poller reports on its own schedule). */
async function until(h: Harness, key: string, id: string, status: string): Promise<OrderView> {
  return vi.waitFor(async () => {
    await h.platform.runner.drain();
    const view = await order(h, key, id);
    expect(view.status).toBe(status);
    return view;
  }, ISSUANCE);
}

/** The instructions email for `domain`, as the approver contact receives it. */
function instructionsFor(h: Harness, domain: string): Promise<SinkMessage> {
  return h.sink.waitFor((m) => m.to.includes(`admin@${domain}`) && (m.subject ?? '').includes('confirm control'), 10_000);
}

/** What a customer reads in the instructions email: the TXT record's name and value. */
function txtRecordOf(message: SinkMessage): { name: string; value: string } {
  const name = /Name: (_acme-challenge\.\S+)/.exec(message.text ?? '')?.[1];
  const value = /Value: (\S+)/.exec(message.text ?? '')?.[1];
  if (name === undefined || value === undefined) throw new Error(`no TXT record in:\n${message.text}`);
  return { name, value };
}

describe.skipIf(!PEBBLE_AVAILABLE)('the platform with an ACME CA first and the embedded CA second', () => {
  let pebble: Pebble;
  let strict: Pebble;
  let challenges: ChallTestSrv;
  let down: Pebble;
  beforeAll(async () => {
    challenges = await startChallTestSrv();
    [pebble, strict, down] = await Promise.all([
      startPebble({ alwaysValid: true, blocklist: ['blocked-by-ca.com'] }),
      startPebble({ challenges }),
      startPebble({ alwaysValid: true }),
    ]);
    // A CA outage: this one's process is gone before any order reaches it.
    await down.kill();
  });
  afterAll(async () => {
    await Promise.all([pebble?.stop(), strict?.stop(), down?.stop(), challenges?.stop()]);
  });

  for (const db of DATABASES) {
    describe(`on ${db.name}`, () => {
      let h: Harness;
      let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
      beforeAll(async () => {
        h = await startHarness(db, {
          platform: {
            acme: [{ directoryUrl: pebble.directoryUrl, ca: pebble.ca, rootUrl: pebble.rootUrl, encryptionKey: randomBytes(32), pollIntervalMs: 20, maxPollMs: 200, selfCheck: false }],
            supplierChain: ['acme', 'local-ca'],
          },
        });
        hooks = await startWebhookReceiver();
      });
      afterAll(async () => {
        await h?.close();
        await hooks?.close();
      });

      it('runs the whole pipeline for an ACME order: instructions email instead of approval, re-check, issuance, emails, webhooks, download', async () => {
        const { key } = await h.reseller({ topUp: 10_000 });
        const hook = (await h.call('PUT', '/v1/account/webhook', { key, body: { url: hooks.url } })).json() as { secret: string };
        const domain = uniqueDomain();
        const id = await place(h, key, orderBody({ adminContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@customer.example.org', phone: '+49 30 1234567', country: 'DE' } }, domain));
        const awaiting = await until(h, key, id, 'awaiting_validation');
        expect(acceptedBy(awaiting)).toBe('acme');
        // ACME has no email approval: the order's dcv follows the method the CA checks, and says so.
        expect(awaiting.domainDetails[0]?.dcv.method).toBe('dns');
        expect(awaiting.events.find((e) => e.type === 'dcv.changed')?.note).toContain(`${domain}: email → dns`);

        const instructions = await instructionsFor(h, domain);
        const record = txtRecordOf(instructions);
        expect(record.name).toBe(`_acme-challenge.${domain}`);
        expect(instructions.text).toContain('Approval by email is not available for this certificate');
        for (const surface of [instructions.raw.toString("utf8"), instructions.text ?? '', String(instructions.html)]) {
          expect(surface.toLowerCase()).not.toContain(TEST_PLATFORM_NAME);
          expect(surface).not.toContain(new URL(TEST_PUBLIC_BASE_URL).host);
          expect(surface).not.toContain('127.0.0.1');
        }
        expect(String(instructions.html)).not.toMatch(/<a\s/i);
        expect(h.sink.messages().some((m) => m.to.includes(`admin@${domain}`) && (m.text ?? '').includes('Approval code'))).toBe(false);

        // The customer published the record (Pebble here accepts any answer): the reseller asks for a re-check.
        const recheck = await h.call('POST', `/v1/orders/${id}/approval-email`, { key });
        expect(recheck.statusCode, recheck.body).toBe(200);
        const issued = await until(h, key, id, 'issued');
        expect(issued.events.map((e) => e.type)).toEqual(expect.arrayContaining(['order.placed', 'order.released', 'dcv_instructions.queued', 'supplier.validation_started', 'order.issued']));

        const chain = (await h.call('GET', `/v1/orders/${id}/certificate?format=full`, { key })).body.match(PEM_BLOCK) ?? [];
        expect(chain.length).toBeGreaterThanOrEqual(3);
        const verdict = opensslVerify({ leafPem: chain[0]!, chainPem: chain.slice(1, -1), rootPem: chain.at(-1)! });
        expect(verdict.ok, verdict.output).toBe(true);
        expect((await h.call('GET', `/v1/orders/${id}/certificate?format=pkcs7`, { key })).statusCode).toBe(200);

        await h.platform.runner.drain();
        for (const to of ['ada@customer.example.org', `admin@${domain}`]) {
          const fulfilment = await h.sink.waitFor((m) => m.to.includes(to) && m.attachments.some((a) => a.filename?.endsWith('.pem')), 10_000);
          expect(fulfilment.attachments.map((a) => a.content.toString('utf8')).join('')).toContain(chain[0]!.trim());
        }
        await vi.waitFor(async () => {
          await h.platform.runner.drain();
          const types = hooks.received.filter((w) => w.json.data.orderId === id).map((w) => w.json.type);
          expect(types).toEqual(expect.arrayContaining(['order.released', 'order.dcv_instructions_sent', 'order.issued']));
        }, ISSUANCE);
        const sent = hooks.received.find((w) => w.json.type === 'order.dcv_instructions_sent' && w.json.data.orderId === id)!;
        expect(hooks.verify(hook.secret, sent)).toBe(true);
        expect(sent.body).toContain(record.value);
      });

      it('continues an ACME order’s term with a renewal, then revokes the superseded certificate at the CA (RFC 8555 7.6)', async () => {
        const { key } = await h.reseller({ topUp: 10_000 });
        const domain = uniqueDomain();
        const id = await place(h, key, orderBody({}, domain));
        await until(h, key, id, 'awaiting_validation');
        expect((await h.call('POST', `/v1/orders/${id}/approval-email`, { key })).statusCode).toBe(200);
        await until(h, key, id, 'issued');

        // The reseller renews early with a new CSR; the CA may want the name validated again: re-check.
        const csr = orderBody({}, domain).csr as string;
        const renewal = await h.call('POST', `/v1/orders/${id}/renewal`, { key, body: { csr } });
        expect(renewal.statusCode, renewal.body).toBe(202);
        type Sub = { subscription: { certificates: { serialNumber: string; kind: string; status: string }[] } };
        const renewed = await vi.waitFor(async () => {
          await h.platform.runner.drain();
          const recheck = await h.call('POST', `/v1/orders/${id}/approval-email`, { key });
          expect([200, 409]).toContain(recheck.statusCode);
          const view = (await h.call('GET', `/v1/orders/${id}`, { key })).json() as Sub;
          expect(view.subscription.certificates.map((c) => c.kind)).toEqual(['initial', 'renewal']);
          return view.subscription;
        }, ISSUANCE);
        const [first, second] = renewed.certificates;
        expect(second?.status).toBe('current');
        expect(first?.serialNumber).not.toBe(second?.serialNumber);

        const revoked = await h.call('POST', `/v1/orders/${id}/revoke`, { key, body: { reason: 'superseded', serialNumber: first?.serialNumber } });
        expect(revoked.statusCode, revoked.body).toBe(202);
        await h.platform.runner.drain();
        expect(await pebble.certificateStatus(first!.serialNumber)).toMatchObject({ status: 'Revoked', reason: 4 });
        expect(await pebble.certificateStatus(second!.serialNumber)).toMatchObject({ status: 'Valid' });
        const after = (await h.call('GET', `/v1/orders/${id}`, { key })).json() as Sub & { events: { type: string }[] };
        expect(after.subscription.certificates.map((c) => c.status)).toEqual(['revoked', 'current']);
        expect(after.events.map((e) => e.type)).toContain('certificate.revoked');
      });

      it('fails over to the embedded CA when the ACME CA refuses the name, before anything was accepted', async () => {
        const { key } = await h.reseller({ topUp: 10_000 });
        const domain = `shop-${randomBytes(4).toString('hex')}.blocked-by-ca.com`;
        const id = await place(h, key, orderBody({}, domain));
        const awaiting = await until(h, key, id, 'awaiting_validation');
        expect(awaiting.events.find((e) => e.type === 'supplier.refused')?.note).toMatch(/acme refused the order \(rejectedIdentifier\)/);
        expect(acceptedBy(awaiting)).toBe('local-ca');
        // The embedded CA approves by email: the order keeps the method it asked for, and the approval email follows.
        expect(awaiting.domainDetails[0]?.dcv.method).toBe('email');
        expect(await approve(await approvalFor(h, domain))).toBe(200);
        await until(h, key, id, 'issued');
      });
    });
  }

  it('fails over to the embedded CA while the ACME CA is down, opens one outage incident, then skips the CA', async () => {
    const db = DATABASES[0]!;
    const h = await startHarness(db, {
      platform: {
        acme: [{ directoryUrl: down.directoryUrl, ca: down.ca, encryptionKey: randomBytes(32), pollIntervalMs: 20, maxPollMs: 200, requestTimeoutMs: 2000 }],
        supplierChain: ['acme', 'local-ca'],
      },
    });
    try {
      const { key } = await h.reseller({ topUp: 100_000 });
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) ids.push(await place(h, key, orderBody()));
      await h.platform.runner.drain();
      ids.push(await place(h, key, orderBody()));
      await h.platform.runner.drain();
      const views = await Promise.all(ids.map((id) => order(h, key, id)));
      for (const view of views) {
        expect(view.status).toBe('awaiting_validation');
        expect(acceptedBy(view)).toBe('local-ca');
        expect(view.events.find((e) => e.type === 'order.released')?.note).toContain('seven-day completion window starts now');
      }
      // Three failures open the circuit (an incident, once); the fourth order goes straight to the next supplier.
      const unavailable = views.map((view) => view.events.filter((e) => e.type === 'supplier.unavailable').length);
      expect(unavailable).toEqual([1, 1, 1, 0]);
      expect(views[0]!.events.find((e) => e.type === 'supplier.unavailable')?.note).toMatch(/could not be reached/);

      const health = (await h.call('GET', '/v1/staff/suppliers', { key: h.staffKey })).json() as { data: { name: string; state: string }[]; incidents: { id: string; supplier: string; kind: string; detail: string }[] };
      expect(health.data.find((s) => s.name === 'acme')?.state).toBe('down');
      expect(health.data.find((s) => s.name === 'local-ca')?.state).toBe('up');
      expect(health.incidents).toHaveLength(1);
      expect(health.incidents[0]).toMatchObject({ supplier: 'acme', kind: 'outage' });
      expect(health.incidents[0]!.detail).toMatch(/failed 3 times in a row/);

      const noNote = await h.call('POST', `/v1/staff/suppliers/incidents/${health.incidents[0]!.id}/resolve`, { key: h.staffKey, body: { note: ' ' } });
      expect(noNote.statusCode).toBe(422);
      expect(noNote.json()).toMatchObject({ error: { fields: [{ path: 'note', code: 'note.required' }] } });
      const resolved = await h.call('POST', `/v1/staff/suppliers/incidents/${health.incidents[0]!.id}/resolve`, { key: h.staffKey, body: { note: 'CA maintenance window, confirmed with the CA.' } });
      expect(resolved.statusCode, resolved.body).toBe(200);
      expect(resolved.json()).toMatchObject({ resolutionNote: 'CA maintenance window, confirmed with the CA.' });
      expect((await h.call('POST', `/v1/staff/suppliers/incidents/${health.incidents[0]!.id}/resolve`, { key: h.staffKey, body: { note: 'again' } })).statusCode).toBe(409);
      expect((await h.call('POST', '/v1/staff/suppliers/incidents/inc_unknown/resolve', { key: h.staffKey, body: { note: 'x' } })).statusCode).toBe(404);
      const { key: resellerKey } = await h.reseller();
      expect((await h.call('GET', '/v1/staff/suppliers', { key: resellerKey })).statusCode).toBe(404);
    } finally {
      await h.close();
    }
  });

  it('validates a name for real: the customer publishes the TXT record the instructions email gives, and the CA checks it in DNS', async () => {
    const db = DATABASES[0]!;
    const h = await startHarness(db, {
      platform: {
        acme: [{ directoryUrl: strict.directoryUrl, ca: strict.ca, rootUrl: strict.rootUrl, encryptionKey: randomBytes(32), pollIntervalMs: 20, maxPollMs: 200, selfCheck: false }],
        supplierChain: ['acme', 'local-ca'],
      },
    });
    try {
      const { key } = await h.reseller({ topUp: 10_000 });
      const domain = uniqueDomain();
      const id = await place(h, key, orderBody({}, domain));
      await until(h, key, id, 'awaiting_validation');
      const record = txtRecordOf(await instructionsFor(h, domain));
      await challenges.setTxt(record.name, record.value);
      expect((await h.call('POST', `/v1/orders/${id}/approval-email`, { key })).statusCode).toBe(200);
      const issued = await until(h, key, id, 'issued');
      expect(issued.events.filter((e) => e.type === 'supplier.validation_started').map((e) => e.note).join(' ')).toMatch(/valid/);
    } finally {
      await h.close();
    }
  });
});

describe('supplier chains', () => {
  it('refuses to start when no configured supplier issues a product’s validation level', async () => {
    const db = DATABASES[0]!;
    const store = await db.open();
    try {
      const start = createPlatform({
        store,
        clock: new FixedClock('2026-11-26T12:00:00Z'),
        mail: { domain: 'mail.example.net', dkimSelector: 's1', dkimPrivateKeyPem: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), replyKey: randomBytes(32), platformName: 'certbroker', publicBaseUrl: 'https://portal.example' },
        localCa: { encryptionKey: randomBytes(32), dcvPort: 0 },
        acme: [{ directoryUrl: 'https://127.0.0.1:9/dir', encryptionKey: randomBytes(32), autoPoll: false }],
        supplierChain: ['acme'],
        webhooksAllowPrivateTargets: true,
      });
      await expect(start).rejects.toThrow(/No configured supplier issues OV certificates, so ov-single cannot be fulfilled/);
    } finally {
      await store.close();
    }
  });
});
