import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createHttpApp, createPlatform, type Platform, type PlatformOptions } from '../../src/cli/platform.js';
import { FixedClock } from '../../src/domain/clock.js';
import { dkimRecordName } from '../../src/mail/config.js';
import { startSmtpSink, type SmtpSink } from '../../src/mail/sink.js';
import { createSmtpTransport } from '../../src/mail/transport.js';
import type { Store } from '../../src/store/database.js';
import type { TestDatabase } from './databases.js';
import { dkimResolver } from './mail-fixtures.js';
import { orderBody, uniqueDomain } from './orders.js';
import { TEST_MAIL_DOMAIN, TEST_PLATFORM_NAME, TEST_PUBLIC_BASE_URL } from './platform.js';

/**
 * A platform like `startTestPlatform`'s, driven through its HTTP app, whose mail keys the test knows:
 * the inbound listener needs the reply-signing key, and a forward's DKIM signature is verified with
 * the public key.
 */

const DKIM = generateKeyPairSync('rsa', { modulusLength: 2048 });
const DKIM_PRIVATE_KEY = DKIM.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const DKIM_PUBLIC_KEY = DKIM.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const SELECTOR = 's1';

export interface MailHarness {
  readonly store: Store;
  readonly platform: Platform;
  readonly app: FastifyInstance;
  readonly clock: FixedClock;
  /** The sink the platform relays to; the test may close it and start another on `sinkPort`. */
  readonly sink: SmtpSink;
  readonly sinkPort: number;
  readonly mailDomain: string;
  readonly replyKey: Buffer;
  /** A mailauth resolver that knows the platform's DKIM record. */
  readonly dkimResolver: (name: string, rrtype: string) => Promise<string[][]>;
  readonly staffKey: string;
  call(method: string, url: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  /** A reseller (with credit) whose representative is `repEmail`. */
  reseller(repEmail: string): Promise<{ id: string; key: string }>;
  /** Places a DV order with a fresh domain and the given administrative contact address. */
  placeOrder(resellerKey: string, adminEmail: string): Promise<{ id: string; domain: string }>;
  close(): Promise<void>;
}

export async function startMailHarness(db: TestDatabase, options: { jobs?: PlatformOptions['jobs'] } = {}): Promise<MailHarness> {
  const store = await db.open();
  const clock = new FixedClock('2026-11-26T12:00:00Z');
  const sink = await startSmtpSink({ port: 0 });
  const replyKey = randomBytes(32);
  const platform = await createPlatform({
    store,
    clock,
    mail: {
      domain: TEST_MAIL_DOMAIN,
      dkimSelector: SELECTOR,
      dkimPrivateKeyPem: DKIM_PRIVATE_KEY,
      replyKey,
      platformName: TEST_PLATFORM_NAME,
      publicBaseUrl: TEST_PUBLIC_BASE_URL,
      transport: createSmtpTransport(`smtp://127.0.0.1:${sink.port}`, TEST_MAIL_DOMAIN),
    },
    localCa: { encryptionKey: randomBytes(32), dcvPort: 0 },
    webhooksAllowPrivateTargets: true,
    jobs: options.jobs ?? { backoffMs: () => 1, maxAttempts: 5 },
  });
  const app = await createHttpApp(platform, { rateLimit: null });
  const staff = await platform.accounts.createStaff({ email: `staff-${randomBytes(4).toString('hex')}@example.org` });
  const staffKey = staff.apiKey.secret;

  const call: MailHarness['call'] = (method, url, o = {}) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { ...(o.key !== undefined && { authorization: `Bearer ${o.key}` }), ...(o.body !== undefined && { 'content-type': 'application/json' }), ...o.headers },
      ...(o.body !== undefined && { payload: JSON.stringify(o.body) }),
    });

  let resellers = 0;
  const reseller: MailHarness['reseller'] = async (repEmail) => {
    resellers += 1;
    const created = await call('POST', '/v1/staff/resellers', { key: staffKey, body: { name: `Mail Reseller ${resellers}`, repEmail, currency: 'EUR', creditLimit: 0 } });
    if (created.statusCode !== 201) throw new Error(`reseller create failed: ${created.body}`);
    const { id, apiKey } = created.json() as { id: string; apiKey: string };
    const topUp = await call('POST', `/v1/staff/resellers/${id}/top-ups`, { key: staffKey, body: { amount: 1_000_000, reference: `seed-${id}` } });
    if (topUp.statusCode !== 201) throw new Error(`top-up failed: ${topUp.body}`);
    return { id, key: apiKey };
  };

  const placeOrder: MailHarness['placeOrder'] = async (resellerKey, adminEmail) => {
    const domain = uniqueDomain();
    const body = orderBody({ adminContact: { firstName: 'Ada', lastName: 'Lovelace', email: adminEmail, phone: '+49 30 1234567', country: 'DE' } }, domain);
    const placed = await call('POST', '/v1/orders', { key: resellerKey, body, headers: { 'idempotency-key': `mail-${domain}` } });
    if (placed.statusCode !== 201) throw new Error(`order placement failed: ${placed.body}`);
    return { id: (placed.json() as { id: string }).id, domain };
  };

  return {
    store,
    platform,
    app,
    clock,
    sink,
    sinkPort: sink.port,
    mailDomain: TEST_MAIL_DOMAIN,
    replyKey,
    dkimResolver: dkimResolver(dkimRecordName({ mailDomain: TEST_MAIL_DOMAIN, dkim: { selector: SELECTOR, privateKeyPem: DKIM_PRIVATE_KEY } }), DKIM_PUBLIC_KEY),
    staffKey,
    call,
    reseller,
    placeOrder,
    close: async () => {
      await app.close();
      await platform.close();
      await sink.close();
      await store.close();
    },
  };
}
