/**
 * The portal and the console in a real browser (Debian's Chromium driven by playwright-core) against the
 * real server on a real port: sign-in, the order form validating as it is typed, approval on the
 * embedded CA's own site, issuance and download, a staff rejection of a fraud hold and its refund; the
 * account (API keys, branding with its preview, the webhook with its signed deliveries, settings), a
 * document upload for an OV order, reissue and revocation of an issued order; the console's mail log,
 * order search across resellers, dashboard charts, a reseller's top-up, the CA desk's organisation
 * decisions and the retry of a dead letter. One server and one browser for all of them.
 * Screenshots go to test-artifacts/screenshots/ (kept by CI).
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, type Platform } from '../src/cli/platform.js';
import { FixedClock } from '../src/domain/clock.js';
import type { SmtpSink } from '../src/mail/sink.js';
import type { Store } from '../src/store/database.js';
import { buildCsr, ecKey } from './support/csr-factory.js';
import { DATABASES } from './support/databases.js';
import { approvalOf, approve } from './support/flow.js';
import { orderBody, uniqueDomain } from './support/orders.js';
import { startTestPlatform } from './support/platform.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS = join(import.meta.dirname, '..', 'test-artifacts', 'screenshots');
const PASSWORD = 'a long demo password';

const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  if (process.env.CERTBROKER_REQUIRE_CHROMIUM === '1') throw new Error(`Chromium is required (CERTBROKER_REQUIRE_CHROMIUM=1) but ${CHROMIUM} does not exist: apt-get install -y chromium.`);
  console.warn(`[skip] ${CHROMIUM} is missing (apt-get install -y chromium): the browser tests of the portal and console are SKIPPED.`);
}

describe.skipIf(!HAVE_CHROMIUM)('portal and console in Chromium', () => {
  let store: Store;
  let clock: FixedClock;
  let platform: Platform;
  let sink: SmtpSink;
  let closePlatform: () => Promise<void>;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let reseller: { id: string; key: string; email: string };
  let other: { id: string; key: string };
  const staffEmail = 'reviewer@example.org';
  let staffKey: string;
  /** Webhook endpoints the tests start, closed after all of them. */
  const receivers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    // The same build `npm install` and `npm start` make, when it is missing or older than web/src.
    const build = spawnSync(process.execPath, ['web/build.mjs', '--if-stale'], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`web build failed: ${build.stderr}`);
    mkdirSync(SCREENSHOTS, { recursive: true });

    store = await DATABASES[0]!.open();
    clock = new FixedClock(new Date());
    ({ platform, sink, close: closePlatform } = await startTestPlatform(store, clock));
    platform.runner.start();
    app = await createHttpApp(platform, { rateLimit: null });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

    reseller = { ...(await seed('Hosting Nord')), email: 'owner@hosting-nord.example.com' };
    await platform.portal.createOwner(reseller.id, { email: reseller.email, password: PASSWORD });
    other = await seed('Another Host');
    const staff = await platform.accounts.createStaff({ email: staffEmail });
    staffKey = staff.apiKey.secret;
    await platform.portal.createStaffUser(staff.id, { email: staffEmail, password: PASSWORD });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await browser?.close();
    await app?.close();
    await closePlatform?.();
    await store?.close();
  });

  /** A reseller account with €100.00 on it, and its API key. */
  const seed = async (name: string) => {
    const created = await platform.accounts.createReseller({ name, repEmail: 'rep@example.net', currency: 'EUR' });
    await platform.accounts.topUp({ type: 'system', id: 'test' }, created.reseller.id, { amount: '100.00', reference: `seed-${created.reseller.id}` });
    return { id: created.reseller.id, key: created.apiKey.secret };
  };

  const newPage = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', acceptDownloads: true });
    return { context, page: await context.newPage() };
  };

  const signIn = async (page: Page, path: string, email: string) => {
    await page.goto(`${base}${path}`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  /** A full-page screenshot from the top (the sticky header would otherwise sit where the page was scrolled). */
  const shoot = async (page: Page, name: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
  };

  /** Places an order through the API, as a reseller's own software would. */
  const placeByApi = async (key: string, body: Record<string, unknown>, idempotencyKey: string) => {
    const res = await app.inject({ method: 'POST', url: '/v1/orders', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey }, payload: JSON.stringify(body) });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  };

  /** Calls the API with a key, as a reseller's software or a staff tool would. */
  const call = async (key: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { payload: JSON.stringify(body) }) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json() as Record<string, unknown>;
  };

  /**
   * An order the embedded CA issued for `subscriberKey`: placed through the API, approved on the CA's site as
   * the approver would. A key of its own, where the test revokes for key compromise: the CA then refuses that key.
   */
  const issuedOrder = async (key: string, domain: string, subscriberKey: KeyObject) => {
    const { pem } = buildCsr({ privateKey: subscriberKey, commonName: domain, sans: [domain] });
    const id = await placeByApi(key, orderBody({ csr: pem }, domain), `issued-${domain}`);
    const mail = await sink.waitFor((m) => m.to.includes(`admin@${domain}`) && (m.text ?? '').includes('Approval code'), 15_000);
    expect(await approve(approvalOf(mail))).toBe(200);
    await expect.poll(async () => (await call(key, 'GET', `/v1/orders/${id}`)).status, { timeout: 20_000 }).toBe('issued');
    return id;
  };

  it('orders with live validation, approves on the CA’s site, and downloads the issued certificate', async () => {
    const { context, page } = await newPage();
    await signIn(page, '/', reseller.email);
    await page.getByRole('heading', { name: 'New certificate order' }).waitFor();

    // A bad CSR: the API's own message appears beside the field while typing.
    const csrField = page.getByLabel('Certificate signing request (CSR)');
    await csrField.pressSequentially('-----BEGIN CERTIFICATE REQUEST-----\nMIIBnot-a-request');
    const csrError = page.locator('.field--invalid').filter({ has: csrField }).getByRole('alert');
    await csrError.waitFor();
    expect(await csrField.getAttribute('aria-invalid')).toBe('true');
    expect((await csrError.textContent())?.length).toBeGreaterThan(10);
    const describedBy = (await csrField.getAttribute('aria-describedby')) ?? '';
    expect(describedBy).toContain((await csrError.getAttribute('id')) ?? 'missing');

    const emailField = page.getByLabel('Email', { exact: true });
    await emailField.pressSequentially('ada@');
    await page.locator('.field--invalid').filter({ has: emailField }).getByRole('alert').waitFor();
    await page.getByLabel('First name').fill('Ada');
    await page.getByText(/things still to fix/).waitFor();
    expect(await page.getByRole('button', { name: 'Place order' }).isDisabled()).toBe(true);
    await shoot(page, 'order-form-live-errors.png');

    // Fixed: a real CSR is decoded at once, its names become the domains, the approver list follows.
    const domain = uniqueDomain();
    const { pem } = buildCsr({ privateKey: ecKey('P-256'), commonName: domain, sans: [domain] });
    await csrField.fill(pem);
    await page.locator('.decoded').getByText('ECDSA P-256').waitFor();
    await page.locator('.chips').getByText(domain, { exact: true }).waitFor();
    await page.locator('textarea[name="csr"][aria-invalid="false"]').waitFor();
    const approver = page.getByLabel('Approver email address');
    await approver.locator(`option[value="admin@${domain}"]`).waitFor({ state: 'attached' });
    await approver.selectOption(`admin@${domain}`);
    await page.getByLabel('Last name').fill('Lovelace');
    await emailField.fill('ada@customer.example.com');
    await page.getByLabel('Phone').fill('+49 30 1234567');
    await page.getByLabel('Country').selectOption('DE');
    await page.getByTestId('price').getByText('€9.00').waitFor();
    await page.getByText('Ready to order').waitFor();
    await page.getByRole('button', { name: 'Place order' }).click();

    await page.waitForURL(/\/orders\/ord_[a-z0-9]+$/);
    const orderId = page.url().split('/').pop() as string;
    await page.getByRole('heading', { name: domain }).waitFor();
    await page.locator('.badge').getByText('Awaiting validation').waitFor();

    // The approver approves on the embedded CA's own validation site.
    const mail = await sink.waitFor((m) => m.to.includes(`admin@${domain}`) && (m.text ?? '').includes('Approval code'), 15_000);
    const approval = approvalOf(mail);
    const ca = await context.newPage();
    await ca.goto(approval.url);
    await ca.getByLabel('Approval code from the email').fill(approval.code);
    await ca.getByRole('button', { name: 'Approve' }).click();
    await ca.close();

    // The order page follows the order until it is issued; the certificate downloads.
    await page.locator('.page-head .badge').getByText('Issued').waitFor({ timeout: 20_000 });
    await page.getByText('Certificate issued').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'With intermediates (chain)' }).click()]);
    const certificate = readFileSync(await download.path(), 'utf8');
    expect(certificate.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(download.suggestedFilename()).toMatch(/\.pem$/);
    await shoot(page, 'order-page-issued.png');

    await page.getByRole('navigation').getByRole('link', { name: 'Orders', exact: true }).click();
    await page.getByRole('link', { name: domain }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: orderId }).getByText('Issued').count()).toBe(1);
    await context.close();
  });

  it('lets staff reject a held order in the console, and the reseller sees the refund', async () => {
    const domain = `paypa1-secure-${Date.now().toString(36)}.com`;
    const { pem } = buildCsr({ privateKey: ecKey('P-256'), commonName: domain, sans: [domain] });
    const held = await placeByApi(reseller.key, orderBody({ csr: pem, domains: [domain], approverEmail: `admin@${domain}` }, domain), `held-${domain}`);

    const staff = await newPage();
    await signIn(staff.page, '/console', staffEmail);
    await staff.page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    // The fraud screen runs as a job: the dashboard shows the hold once it has.
    await expect
      .poll(
        async () => {
          await staff.page.reload();
          return staff.page.getByTestId('holds-waiting').textContent();
        },
        { timeout: 20_000 },
      )
      .toBe('1');
    await shoot(staff.page, 'console-dashboard.png');

    await staff.page.getByRole('link', { name: 'Hold queue' }).click();
    const card = staff.page.getByRole('article', { name: domain });
    await card.getByLabel('Note for the record').fill('Look-alike of a payment brand; the customer could not be verified.');
    await shoot(staff.page, 'console-hold-queue.png');
    await card.getByRole('button', { name: 'Reject and refund' }).click();
    await staff.page.getByText(`Order ${held} rejected and refunded.`).waitFor();
    await staff.page.getByText('No orders are waiting for review.').waitFor();
    await staff.page.getByRole('link', { name: 'Refund queue' }).click();
    await staff.page.getByText('No refunds are waiting for a decision.').waitFor();
    await staff.context.close();

    const portal = await newPage();
    await signIn(portal.page, '/account', reseller.email);
    const refund = portal.page.locator('tr[data-kind="refund"]').filter({ hasText: held });
    await refund.waitFor();
    expect(await refund.textContent()).toContain('€9.00');
    await shoot(portal.page, 'account-ledger.png');
    await portal.page.goto(`${base}/orders/${held}`);
    await portal.page.locator('.page-head .badge').getByText('Rejected').waitFor();
    await portal.context.close();
  });

  it("shows another reseller's order as not found", async () => {
    const foreign = await placeByApi(other.key, orderBody(), `other-${Date.now()}`);
    const { context, page } = await newPage();
    await signIn(page, `/orders/${foreign}`, reseller.email);
    await page.getByRole('heading', { name: 'Order not found' }).waitFor();
    expect(await page.getByText(foreign).count()).toBe(0);
    await context.close();
  });

  it('creates an API key that is shown once, and saves branding while the preview follows', async () => {
    const { context, page } = await newPage();
    await signIn(page, '/account/api', reseller.email);
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Billing system');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const secret = (await page.getByTestId('new-key').locator('code').textContent()) ?? '';
    expect(secret.length).toBeGreaterThan(20);
    // The key works, and it is listed by its name and prefix only.
    const me = await app.inject({ method: 'GET', url: '/v1/account', headers: { authorization: `Bearer ${secret}` } });
    expect(me.statusCode).toBe(200);
    await page.getByRole('row').filter({ hasText: 'Billing system' }).waitFor();
    await shoot(page, 'account-api-keys.png');
    await page.reload();
    await page.getByRole('row').filter({ hasText: 'Billing system' }).waitFor();
    expect(await page.getByTestId('new-key').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('link', { name: 'Branding' }).click();
    const preview = page.getByTestId('branding-preview');
    await preview.locator('.preview__name').getByText('Hosting Nord').waitFor();
    await page.getByLabel('Sender name').fill('Nordlicht Hosting');
    await page.getByLabel('Primary colour', { exact: true }).fill('#0a7d4f');
    await page.getByLabel('Support email').fill('help@nordlicht.example.com');
    await page.getByLabel('Signature').fill('Your team at Nordlicht Hosting');
    // The preview follows every keystroke, before anything is saved.
    await preview.locator('.preview__name').getByText('Nordlicht Hosting', { exact: true }).waitFor();
    expect(await page.evaluate('getComputedStyle(document.querySelector(".preview__band")).borderTopColor')).toBe('rgb(10, 125, 79)');
    await preview.getByText('help@nordlicht.example.com').waitFor();
    await page.getByRole('button', { name: 'Save branding' }).click();
    await page.getByText('Branding saved').waitFor();
    const account = await call(reseller.key, 'GET', '/v1/account');
    expect(account.branding).toMatchObject({ displayName: 'Nordlicht Hosting', primaryColor: '#0a7d4f', supportEmail: 'help@nordlicht.example.com' });
    await shoot(page, 'account-branding.png');

    // A bad value shows the API's own message beside its field.
    await page.getByLabel('Support email').fill('not an address');
    await page.getByRole('button', { name: 'Save branding' }).click();
    await page.locator('.field--invalid').filter({ has: page.getByLabel('Support email') }).getByRole('alert').waitFor();
    await context.close();
  });

  it('uploads a document answering the CA’s request on an OV order', async () => {
    const domain = uniqueDomain();
    const organization = { legalName: 'Beispiel Handels GmbH', registrationNumber: 'HRB 98765', address: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE', state: 'Berlin' };
    const id = await placeByApi(reseller.key, orderBody({ product: 'ov-single', organization }, domain), `ov-${domain}`);
    await expect.poll(async () => (await call(reseller.key, 'GET', `/v1/orders/${id}`)).status, { timeout: 20_000 }).toBe('awaiting_validation');
    await call(staffKey, 'POST', `/v1/staff/ca-desk/orders/${id}/document-requests`, { kind: 'registration_extract', note: 'A commercial register extract not older than three months.' });
    await expect.poll(async () => ((await call(reseller.key, 'GET', `/v1/orders/${id}/documents`)).requests as unknown[]).length, { timeout: 20_000 }).toBe(1);

    const { context, page } = await newPage();
    await signIn(page, `/orders/${id}`, reseller.email);
    const card = page.getByRole('region', { name: 'Documents for the CA' });
    await card.getByText('not older than three months').waitFor();
    await card.getByRole('button', { name: 'Upload' }).click();
    await card.getByText('Choose at least one file.').waitFor();
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n', 'latin1'), Buffer.alloc(512, 0x20), Buffer.from('\n%%EOF\n')]);
    await card.getByLabel('Files').setInputFiles({ name: 'register-extract.pdf', mimeType: 'application/pdf', buffer: pdf });
    await card.getByRole('button', { name: 'Upload' }).click();
    await card.getByText('1 file(s) uploaded').waitFor();
    await card.getByRole('link', { name: 'register-extract.pdf' }).waitFor();
    const listed = await call(reseller.key, 'GET', `/v1/orders/${id}/documents`);
    expect((listed.documents as { filename: string }[]).map((d) => d.filename)).toEqual(['register-extract.pdf']);
    await shoot(page, 'order-page-documents.png');
    await context.close();
  });

  it('gives staff the mail log with rendered messages, order search across resellers, and dashboard charts', async () => {
    const foreignDomain = uniqueDomain();
    const foreign = await placeByApi(other.key, orderBody({}, foreignDomain), `search-${foreignDomain}`);
    const { context, page } = await newPage();
    await signIn(page, '/console', staffEmail);
    await page.getByRole('heading', { name: 'Orders per day by status' }).waitFor();
    await page.getByRole('heading', { name: 'Time from placement to issuance' }).waitFor();
    await page.getByRole('heading', { name: 'Waiting for staff, by age' }).waitFor();
    // Orders per day, and the issuance times of the certificate issued above.
    expect(await page.locator('.chart svg[role="img"]').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.chart svg rect').count()).toBeGreaterThan(0);
    await shoot(page, 'console-dashboard-charts.png');

    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.getByLabel('Order number, domain or reseller').fill(foreignDomain);
    const row = page.getByRole('row').filter({ hasText: foreign });
    await row.getByText('Another Host').waitFor();
    // Only that order (a header row and one row), once the search has gone out.
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.getByLabel('Order number, domain or reseller').fill('Another Host');
    // By reseller name: that reseller's other orders join the one found by its domain.
    await expect.poll(() => page.getByRole('row').count()).toBeGreaterThan(2);
    await page.getByRole('row').filter({ hasText: foreign }).waitFor();
    await row.getByRole('link', { name: foreignDomain }).click();
    await page.getByRole('heading', { level: 1, name: foreignDomain }).waitFor();

    await page.getByRole('link', { name: 'Mail log' }).click();
    await page.getByRole('heading', { name: 'Mail log' }).waitFor();
    const confirmation = page.locator('.mail__item').filter({ hasText: 'ada@customer.example.com' }).filter({ hasText: 'Order confirmation' }).first();
    await confirmation.click();
    const frame = page.frameLocator('iframe.mail__frame');
    await frame.getByText('Hello Ada Lovelace,').waitFor();
    // Sandboxed without allow-scripts: nothing in a message can run.
    expect(await page.locator('iframe.mail__frame').getAttribute('sandbox')).toBe('allow-same-origin');
    await page.getByRole('button', { name: 'Source' }).click();
    await page.locator('.mail__source').getByText(/^Message-ID:/m).first().waitFor();
    await page.getByRole('button', { name: 'Rendered' }).click();
    await shoot(page, 'console-mail-log.png');

    // The other desks open and show their data (screenshots for review).
    await page.getByRole('link', { name: 'Resellers' }).click();
    await page.getByRole('row').filter({ hasText: 'Another Host' }).waitFor();
    await shoot(page, 'console-resellers.png');
    await page.getByRole('link', { name: 'CA desk' }).click();
    await page.getByRole('heading', { name: 'Beispiel Handels GmbH' }).first().waitFor();
    await shoot(page, 'console-ca-desk.png');
    await page.getByRole('link', { name: 'Suppliers' }).click();
    await page.getByRole('heading', { name: 'Job queue' }).waitFor();
    await shoot(page, 'console-suppliers.png');
    await context.close();
  });

  it('reissues an issued certificate for a new key, then revokes the order’s certificates for an RFC 5280 reason', async () => {
    const domain = uniqueDomain();
    const id = await issuedOrder(reseller.key, domain, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const { context, page } = await newPage();
    await signIn(page, `/orders/${id}`, reseller.email);
    const certificates = page.getByRole('table', { name: 'Certificates in this subscription' });
    await certificates.getByRole('row').filter({ hasText: 'First issuance' }).getByText('Current').waitFor();

    // The new key's CSR, decoded as it is pasted; the reissue waits in the queue while the runner is paused.
    const reissue = page.getByRole('region', { name: 'Reissue' });
    await reissue.getByRole('button', { name: 'Reissue…' }).click();
    const newKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    await reissue.getByLabel('New certificate signing request (CSR)').fill(buildCsr({ privateKey: newKey, commonName: domain, sans: [domain] }).pem);
    await reissue.getByText('Same 1 name(s) as the order.').waitFor();
    await platform.runner.stop();
    try {
      await reissue.getByRole('button', { name: 'Request reissue' }).click();
      await reissue.getByText(/^Reissue crq_\w+ requested/).waitFor();
      await page.getByRole('list', { name: 'In progress' }).getByRole('listitem').filter({ hasText: 'Reissue' }).getByText('waiting for the CA').waitFor();
      await page.getByRole('region', { name: 'Timeline' }).getByText('Reissue requested').waitFor();
      const pending = (await call(reseller.key, 'GET', `/v1/orders/${id}`)).subscription as { pending: { kind: string; status: string }[] };
      expect(pending.pending).toMatchObject([{ kind: 'reissue', status: 'pending' }]);
      await shoot(page, 'order-page-reissue-pending.png');
    } finally {
      platform.runner.start();
    }

    // The page follows the reissue until the new certificate is in; the first one is superseded.
    await certificates.getByRole('row').filter({ hasText: 'Reissue' }).getByText('Current').waitFor({ timeout: 20_000 });
    await certificates.getByRole('row').filter({ hasText: 'First issuance' }).getByText('Superseded').waitFor();
    expect(await page.getByRole('list', { name: 'In progress' }).count()).toBe(0);
    expect(await reissue.getByText(/requested/).count()).toBe(0);
    const download = await app.inject({ method: 'GET', url: `/v1/orders/${id}/certificate?format=pem`, headers: { authorization: `Bearer ${reseller.key}` } });
    expect(download.statusCode).toBe(200);
    const issued = new X509Certificate(download.body);
    expect(issued.publicKey.export({ type: 'spki', format: 'der' }).equals(createPublicKey(newKey).export({ type: 'spki', format: 'der' }))).toBe(true);
    expect(issued.subjectAltName).toBe(`DNS:${domain}`);

    // Revocation names its reason and asks once more; then both certificates of the term are revoked.
    const revoke = page.getByRole('region', { name: 'Revoke' });
    await revoke.getByLabel('Reason').selectOption({ label: 'The private key was compromised' });
    await revoke.getByRole('button', { name: 'Revoke certificate…' }).click();
    const confirm = revoke.getByRole('group', { name: 'Revoke' });
    await confirm.getByText(`Revoke the certificate for ${domain}? This cannot be undone.`).waitFor();
    await confirm.getByRole('button', { name: 'Revoke now' }).click();
    await revoke.getByText('Revocation of 2 certificate(s) requested.').waitFor();
    const revoked = certificates.getByRole('row').filter({ hasText: 'Revoked' }).filter({ hasText: 'The private key was compromised' });
    await expect.poll(() => revoked.count(), { timeout: 20_000 }).toBe(2);
    await page.getByRole('region', { name: 'Timeline' }).getByText('Certificate revoked').first().waitFor();
    const subscription = (await call(reseller.key, 'GET', `/v1/orders/${id}`)).subscription as { certificates: { kind: string; status: string; revocationReason: string | null; revokedAt: string | null }[] };
    expect(subscription.certificates.map((c) => [c.kind, c.status, c.revocationReason])).toEqual([
      ['initial', 'revoked', 'keyCompromise'],
      ['reissue', 'revoked', 'keyCompromise'],
    ]);
    // The term ended with it: nothing is left to revoke or reissue, and the downloads say what they are.
    await revoke.getByText('No certificate of this order is left to revoke').waitFor();
    expect(await revoke.getByRole('button', { name: 'Revoke certificate…' }).count()).toBe(0);
    expect(await reissue.count()).toBe(0);
    await page.getByText('The certificate was revoked; no further certificate is issued for this order.').waitFor();
    await page.locator('.card--accent').getByText(/^This certificate was revoked on .+ \(The private key was compromised\)\./).waitFor();
    await shoot(page, 'order-page-revoked.png');
    await context.close();
  });

  it('tops up a reseller in the console, and the reseller’s ledger has the entry', async () => {
    const before = ((await call(other.key, 'GET', '/v1/account')).balance as { amount: number }).amount;
    const { context, page } = await newPage();
    await signIn(page, '/console', staffEmail);
    await page.getByRole('link', { name: 'Resellers' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Another Host' });
    await row.getByRole('button', { name: 'Top up' }).click();
    const form = page.getByRole('form', { name: 'Top up Another Host' });
    const amount = form.getByLabel('Amount (EUR)');

    // Not an amount: the API's own message beside the field.
    await amount.fill('a lot');
    await form.getByRole('button', { name: 'Top up' }).click();
    await form.locator('.field--invalid').filter({ has: page.getByLabel('Amount (EUR)') }).getByRole('alert').getByText(/^amount must be/).waitFor();

    // A decimal comma as typed from a bank statement.
    await amount.fill('250,50');
    expect(await form.locator('.field--invalid').count()).toBe(0);
    await form.getByLabel('Reference').fill('SEPA 2026-0042');
    await form.getByLabel('Note').fill('Bank transfer of the December invoice');
    await shoot(page, 'console-reseller-top-up.png');
    await form.getByRole('button', { name: 'Top up' }).click();
    await page.getByText('Another Host was credited €250.50.').waitFor();
    const euros = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' });
    await row.getByRole('cell', { name: euros.format((before + 25_050) / 100), exact: true }).first().waitFor();
    expect(await form.count()).toBe(0);
    await shoot(page, 'console-reseller-topped-up.png');

    const ledger = (await call(other.key, 'GET', '/v1/account/ledger')).data as { kind: string; amount: { amount: number; currency: string }; balanceAfter: { amount: number }; reference: string; note: string | null }[];
    expect(ledger[0]).toMatchObject({ kind: 'top_up', amount: { amount: 25_050, currency: 'EUR' }, balanceAfter: { amount: before + 25_050 }, note: 'Bank transfer of the December invoice' });
    expect(ledger[0]?.reference).toContain('SEPA 2026-0042');
    await context.close();
  });

  it('lets the CA desk reject one organisation and approve another, and the orders follow', async () => {
    const desk = await seed('Kontor Süd');
    const organization = (legalName: string) => ({ legalName, registrationNumber: 'HRB 4711', address: 'Hafenstr. 2', city: 'Hamburg', postalCode: '20457', country: 'DE', state: 'Hamburg' });
    const approvedDomain = uniqueDomain();
    const rejectedDomain = uniqueDomain();
    const approved = await placeByApi(desk.key, orderBody({ product: 'ov-single', organization: organization('Muster Logistik AG') }, approvedDomain), `desk-${approvedDomain}`);
    const rejected = await placeByApi(desk.key, orderBody({ product: 'ov-single', organization: organization('Schattenfirma Handels GmbH') }, rejectedDomain), `desk-${rejectedDomain}`);
    // Domain control of the first is proven on the CA's site: only its organisation is left.
    const mail = await sink.waitFor((m) => m.to.includes(`admin@${approvedDomain}`) && (m.text ?? '').includes('Approval code'), 15_000);
    expect(await approve(approvalOf(mail))).toBe(200);
    for (const id of [approved, rejected]) await expect.poll(async () => (await call(desk.key, 'GET', `/v1/orders/${id}`)).status, { timeout: 20_000 }).toBe('awaiting_validation');

    const { context, page } = await newPage();
    await signIn(page, '/console', staffEmail);
    await page.getByRole('link', { name: 'CA desk' }).click();
    const good = page.getByRole('article', { name: 'Muster Logistik AG' });
    const bad = page.getByRole('article', { name: 'Schattenfirma Handels GmbH' });
    await good.getByText('Domains validated').waitFor();
    await good.getByText('Organisation pending').waitFor();
    await bad.getByText('Domains not yet validated').waitFor();

    // A rejection needs a reason: the API's message stands beside the field.
    await bad.getByRole('button', { name: 'Reject organisation' }).click();
    await bad.locator('.field--invalid').filter({ has: page.getByLabel('Reason') }).getByRole('alert').getByText('reason must say why the organisation could not be validated').waitFor();
    const reason = bad.getByLabel('Reason');
    await reason.fill('The register extract names a different company.');
    expect(await bad.locator('.field--invalid').count()).toBe(0);
    await shoot(page, 'console-ca-desk-reject.png');
    await bad.getByRole('button', { name: 'Reject organisation' }).click();
    await page.getByText('Schattenfirma Handels GmbH: organisation rejected; the CA cancels the order.').waitFor();
    await bad.waitFor({ state: 'detached' });
    await expect.poll(async () => (await call(desk.key, 'GET', `/v1/orders/${rejected}`)).status, { timeout: 20_000 }).toBe('cancelled_by_supplier');
    const events = (await call(desk.key, 'GET', `/v1/orders/${rejected}`)).events as { note: string | null }[];
    expect(events.some((e) => e.note?.includes('The register extract names a different company.'))).toBe(true);

    // Approved with domain control done: the certificate follows at once.
    await good.getByRole('button', { name: 'Approve organisation' }).click();
    await page.getByText('Muster Logistik AG: organisation approved; the certificate is being issued.').waitFor();
    await good.waitFor({ state: 'detached' });
    await expect.poll(async () => (await call(desk.key, 'GET', `/v1/orders/${approved}`)).status, { timeout: 20_000 }).toBe('issued');
    await shoot(page, 'console-ca-desk-decided.png');
    await context.close();
  });

  it('retries a dead webhook delivery from the dead letters once the endpoint answers again', async () => {
    const south = await seed('Hosting Süd');
    const endpoint = await startWebhookReceiver();
    receivers.push(endpoint);
    const domain = uniqueDomain();
    const id = await placeByApi(south.key, orderBody({}, domain), `dead-${domain}`);
    const mail = await sink.waitFor((m) => m.to.includes(`admin@${domain}`) && (m.text ?? '').includes('Approval code'), 15_000);
    // The endpoint goes down before the certificate is issued: every attempt to tell of it fails.
    endpoint.failNext(Number.MAX_SAFE_INTEGER);
    await call(south.key, 'PUT', '/v1/account/webhook', { url: endpoint.url });
    expect(await approve(approvalOf(mail))).toBe(200);
    await expect.poll(async () => (await call(south.key, 'GET', `/v1/orders/${id}`)).status, { timeout: 20_000 }).toBe('issued');

    // Each retry waits for its backoff on the platform's clock: let that time pass until the job is given up.
    type Delivery = { eventId: string; eventType: string; attempt: number; statusCode: number | null };
    type JobRow = { id: number; name: string; payload: { eventId?: string }; attempts: number; lastError: string | null };
    const issuedEvent = async () => ((await call(south.key, 'GET', '/v1/account/webhook/deliveries')).data as Delivery[]).find((d) => d.eventType === 'order.issued')?.eventId;
    const deadJob = async () => {
      const eventId = await issuedEvent();
      return ((await call(staffKey, 'GET', '/v1/staff/jobs?status=dead')).data as JobRow[]).find((j) => j.name === 'webhook.deliver' && eventId !== undefined && j.payload.eventId === eventId);
    };
    await expect
      .poll(
        async () => {
          clock.advance(1);
          platform.runner.kick();
          return (await deadJob())?.attempts;
        },
        { timeout: 30_000 },
      )
      .toBe(12);
    const job = (await deadJob()) as JobRow;
    const eventId = job.payload.eventId as string;
    expect(job.lastError).toBe(`Error: webhook delivery to ${endpoint.url} failed: HTTP 500`);
    expect(endpoint.received).toHaveLength(0);

    const { context, page } = await newPage();
    await signIn(page, '/console', staffEmail);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    const row = page.getByRole('row').filter({ hasText: eventId });
    await row.getByText('webhook.deliver').waitFor();
    await row.getByText('12 of 12 attempts').waitFor();
    await row.getByText('failed: HTTP 500').waitFor();
    await shoot(page, 'console-dead-letters.png');

    // The endpoint is back; one more round delivers it.
    endpoint.failNext(0);
    await row.getByRole('button', { name: `Retry job ${job.id}` }).click();
    await page.getByText(`Job ${job.id} (webhook.deliver) is queued again.`).waitFor();
    await row.waitFor({ state: 'detached' });
    await expect.poll(() => endpoint.received.filter((w) => w.id === eventId).length, { timeout: 20_000 }).toBe(1);
    expect(endpoint.received.find((w) => w.id === eventId)?.json).toMatchObject({ type: 'order.issued', data: { orderId: id } });
    // The queue's own record: the job is done (the newest done job up to its id is itself).
    await expect.poll(async () => (await platform.jobAdmin.list({ status: 'done', limit: 1, before: job.id + 1 }))[0]?.id, { timeout: 20_000 }).toBe(job.id);
    const deliveries = ((await call(south.key, 'GET', '/v1/account/webhook/deliveries')).data as Delivery[]).filter((d) => d.eventId === eventId);
    expect(deliveries[0]).toMatchObject({ attempt: 13, statusCode: 204 });
    expect(deliveries).toHaveLength(13);
    await shoot(page, 'console-dead-letters-retried.png');
    await context.close();
  });

  it('sets the webhook endpoint, shows its secret and the signed deliveries, and keeps changed settings', async () => {
    const hooks = await startWebhookReceiver();
    receivers.push(hooks);
    const { context, page } = await newPage();
    await signIn(page, '/account/api', reseller.email);
    const card = page.getByRole('region', { name: 'Webhook' });
    await card.getByLabel('Endpoint URL').fill(hooks.url);
    await card.getByRole('button', { name: 'Save endpoint' }).click();
    await card.getByText('Webhook endpoint saved.').waitFor();
    // The secret is masked until asked for.
    expect(await card.locator('.secret code').textContent()).toMatch(/^•+$/);
    await card.getByRole('button', { name: 'Show' }).click();
    const secret = (await card.locator('.secret code').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    expect(await call(reseller.key, 'GET', '/v1/account/webhook')).toMatchObject({ url: hooks.url, secret });

    // An order's events arrive signed with that secret, and the log lists each delivery.
    const domain = uniqueDomain();
    const id = await placeByApi(reseller.key, orderBody({}, domain), `hook-${domain}`);
    await expect.poll(() => hooks.received.filter((w) => w.json.data.orderId === id).map((w) => w.json.type), { timeout: 20_000 }).toContain('order.awaiting_validation');
    const received = hooks.received.filter((w) => w.json.data.orderId === id);
    expect(received.every((w) => hooks.verify(secret, w))).toBe(true);
    // A delivery is logged once its answer is in, a moment after the receiver has the request.
    const logged = async () => ((await call(reseller.key, 'GET', '/v1/account/webhook/deliveries')).data as { eventId: string; statusCode: number | null }[]).filter((d) => d.statusCode === 204).map((d) => d.eventId);
    await expect.poll(logged, { timeout: 20_000 }).toEqual(expect.arrayContaining(received.map((w) => w.id)));
    await page.reload();
    const log = page.getByRole('region', { name: 'Delivery log' });
    for (const w of received) {
      const row = log.getByRole('row').filter({ hasText: w.id });
      await row.getByText(w.json.type, { exact: true }).waitFor();
      await row.getByText('204', { exact: true }).waitFor();
      await row.getByText('attempt 1').waitFor();
    }
    await shoot(page, 'account-webhook.png');

    await page.getByRole('navigation', { name: 'Account sections' }).getByRole('link', { name: 'Settings' }).click();
    const settings = page.getByRole('form', { name: 'Settings' });
    await settings.getByLabel('Default language of customer emails').selectOption({ label: 'Deutsch' });
    await settings.getByLabel('The customer’s administrative contact').check();
    const reuse = settings.getByLabel('Renew with the previous CSR (the same key)');
    expect(await reuse.isChecked()).toBe(false);
    await reuse.check();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByText('Settings saved.').waitFor();
    expect((await call(reseller.key, 'GET', '/v1/account')).settings).toEqual({ defaultLanguage: 'de', documentRequestsTo: 'customer', renewalKeyReuse: true });
    await page.reload();
    expect(await settings.getByLabel('Default language of customer emails').inputValue()).toBe('de');
    expect(await settings.getByLabel('The customer’s administrative contact').isChecked()).toBe(true);
    expect(await reuse.isChecked()).toBe(true);
    await shoot(page, 'account-settings.png');
    await context.close();
  });
});
