import { X509Certificate, createHash, createPublicKey, randomBytes } from 'node:crypto';
import { setLogger } from 'acme-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FixedClock } from '../src/domain/clock.js';
import { chooseChallenge, instructionFor, jwkThumbprint } from '../src/suppliers/acme/challenges.js';
import { resolveConfig } from '../src/suppliers/acme/config.js';
import { errorFromProblem, toSupplierError, validationError } from '../src/suppliers/acme/errors.js';
import { AcmeSupplierError, acmeFactory, checkIssuedCertificate } from '../src/suppliers/acme/index.js';
import { AcmeProblem, AcmeUnreachable, parseRetryAfter } from '../src/suppliers/acme/transport.js';
import { SupplierError, canCancel, canResendApproval } from '../src/suppliers/supplier.js';
import { testCa, type TestCa } from './support/acme-certs.js';
import {
  ApprovalOnlyMailPort,
  RecordingEventSink,
  acmeRequest,
  contextPerTest,
  eventOf,
  openAcmeContext,
  outcomeOf,
  publish,
  refusal,
  selfCheckVia,
  uniqueName,
  verifies,
} from './support/acme-harness.js';
import { buildCsr, ecKey, rsaKey } from './support/csr-factory.js';
import { DATABASES } from './support/databases.js';
import { PEBBLE_AVAILABLE, freePort, startChallTestSrv, startPebble, type ChallTestSrv, type Pebble } from './support/pebble.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-11-26T12:00:00Z');

describe('acme configuration', () => {
  it('refuses a bad configuration with a sentence naming the setting', async () => {
    const ports = { sql: { query: async () => [], transaction: async () => undefined as never }, clock: new FixedClock(), events: new RecordingEventSink(), mail: new ApprovalOnlyMailPort() };
    const good = { directoryUrl: 'https://ca.example/dir', encryptionKey: randomBytes(32) };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, directoryUrl: 'http://ca.example/dir' }, /directoryUrl must be an https URL .*RFC 8555 6\.1/],
      [{ ...good, directoryUrl: 'not a url' }, /directoryUrl must be an absolute https URL/],
      [{ ...good, encryptionKey: randomBytes(16) }, /encryptionKey must be a Buffer of 32 bytes .*got 16 bytes/],
      [{ ...good, label: 'Has Spaces' }, /label must be 1 to 40 lower-case letters/],
      [{ ...good, eab: { kid: 'k', hmacKey: 'short' } }, /eab\.hmacKey must be the MAC key .*RFC 8555 7\.3\.4/],
      [{ ...good, eab: { kid: '', hmacKey: randomBytes(32).toString('base64url') } }, /eab\.kid must be the key identifier/],
      [{ ...good, contactEmail: 'nobody' }, /contactEmail must be an email address/],
      [{ ...good, ca: 'not pem' }, /ca must be one or more PEM certificates/],
      [{ ...good, rootUrl: 'http://ca.example/root' }, /rootUrl must be an https URL/],
      [{ ...good, pollIntervalMs: 1000, maxPollMs: 10 }, /maxPollMs \(10\) must be at least pollIntervalMs \(1000\)/],
      [{ ...good, preferredChallenge: 'tls-alpn-01' }, /preferredChallenge must be dns-01 or http-01/],
    ];
    expect(acmeFactory.name).toBe('acme');
    for (const [config, message] of cases) {
      const error = await refusal(acmeFactory.create(config as never, ports));
      expect(error.code).toBe('invalid_config');
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(message);
    }
    expect(resolveConfig({ ...good, label: 'zerossl' }).name).toBe('acme:zerossl');
    expect(resolveConfig(good)).toMatchObject({ name: 'acme', pollIntervalMs: 5000, maxPollMs: 300_000, preferredChallenge: 'dns-01', selfCheck: true, autoPoll: true });
  });
});

describe('acme error mapping (RFC 8555 6.7)', () => {
  const problem = (type: string, status: number, extra: Partial<ConstructorParameters<typeof AcmeProblem>[0]> = {}) =>
    new AcmeProblem({ type: `urn:ietf:params:acme:error:${type}`, detail: `detail of ${type}`, status, ...extra });

  it('maps each problem type to a code a reseller can act on, keeping the CA detail', () => {
    const cases: [string, number, string, boolean][] = [
      ['rejectedIdentifier', 400, 'rejectedIdentifier', false],
      ['unsupportedIdentifier', 400, 'rejectedIdentifier', false],
      ['caa', 403, 'caa', false],
      ['rateLimited', 429, 'rateLimited', true],
      ['badNonce', 400, 'badNonce', true],
      ['serverInternal', 500, 'ca_unavailable', true],
      ['badCSR', 400, 'badCSR', false],
      ['externalAccountRequired', 403, 'account', false],
      ['incorrectResponse', 403, 'incorrectResponse', false],
      ['dns', 400, 'dns', false],
      ['connection', 400, 'connection', false],
      ['unauthorized', 403, 'unauthorized', false],
      ['malformed', 400, 'ca_refused', false],
      ['somethingNew', 503, 'ca_unavailable', true],
    ];
    for (const [type, status, code, retryable] of cases) {
      const error = errorFromProblem('acme', 'creating the order', problem(type, status), NOW);
      expect([type, error.code, error.retryable]).toEqual([type, code, retryable]);
      expect(error).toBeInstanceOf(SupplierError);
      expect(error.message).toContain(`detail of ${type}`);
      expect(error.problemType).toBe(`urn:ietf:params:acme:error:${type}`);
    }
  });

  it('gives a rate limit the retry time from Retry-After (seconds or an HTTP-date)', () => {
    const limited = errorFromProblem('acme', 'creating the order', problem('rateLimited', 429, { retryAfterSeconds: 3600 }), NOW);
    expect(limited.retryAt).toEqual(new Date(NOW.getTime() + 3_600_000));
    expect(limited.message).toContain('Try again after 2026-11-26T13:00:00.000Z');
    expect(parseRetryAfter('120', NOW)).toBe(120);
    expect(parseRetryAfter('Thu, 26 Nov 2026 12:10:00 GMT', NOW)).toBe(600);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });

  it('names every subproblem (RFC 8555 6.7.1)', () => {
    const compound = problem('compound', 403, {
      subproblems: [
        { type: 'urn:ietf:params:acme:error:caa', detail: 'CAA forbids this CA', identifier: 'a.example.com' },
        { type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: 'blocked', identifier: 'b.example.com' },
      ],
    });
    expect(errorFromProblem('acme', 'creating the order', compound, NOW).message).toMatch(/a\.example\.com: CAA forbids this CA \(caa\); b\.example\.com: blocked \(rejectedIdentifier\)/);
  });

  it('makes an unreachable CA and unknown library errors retryable, and a failed challenge not', () => {
    const down = toSupplierError('acme', 'creating the order', new AcmeUnreachable('https://ca.example/dir', 'ECONNREFUSED'), NOW);
    expect([down.code, down.retryable]).toEqual(['ca_unreachable', true]);
    expect(down.message).toContain('ECONNREFUSED');
    expect(toSupplierError('acme', 'x', new Error('JWS has an invalid anti-replay nonce'), NOW)).toMatchObject({ code: 'ca_error', retryable: true });
    const failed = validationError('acme', 'shop.example.com', { type: 'urn:ietf:params:acme:error:incorrectResponse', detail: 'The key authorization file did not match' });
    expect([failed.code, failed.retryable]).toEqual(['incorrectResponse', false]);
    expect(failed.message).toBe('acme: validation of shop.example.com failed: The key authorization file did not match (incorrectResponse).');
  });
});

describe('acme challenges', () => {
  it('chooses dns-01 for wildcards, http-01 for IP addresses, the requested method otherwise', () => {
    const both = ['http-01', 'dns-01', 'tls-alpn-01'];
    expect(chooseChallenge('shop.example.com', 'dns', both, 'dns-01')).toEqual({ type: 'dns-01' });
    expect(chooseChallenge('shop.example.com', 'http', both, 'dns-01')).toEqual({ type: 'http-01' });
    expect(chooseChallenge('shop.example.com', 'email', both, 'http-01')).toEqual({ type: 'http-01', replaces: 'email' });
    expect(chooseChallenge('*.example.com', 'http', ['dns-01'], 'dns-01')).toEqual({ type: 'dns-01', replaces: 'http' });
    expect(chooseChallenge('*.example.com', 'email', ['dns-01'], 'http-01')).toEqual({ type: 'dns-01', replaces: 'email' });
    expect(chooseChallenge('192.0.2.1', 'dns', ['http-01', 'tls-alpn-01'], 'dns-01')).toEqual({ type: 'http-01', replaces: 'dns' });
    expect(chooseChallenge('shop.example.com', 'http', ['dns-01'], 'dns-01')).toEqual({ type: 'dns-01', replaces: 'http' });
    expect(chooseChallenge('*.example.com', 'dns', ['http-01'], 'dns-01')).toBeUndefined();
  });

  it('builds the TXT record and the file exactly as RFC 8555 8.3 and 8.4 define them', () => {
    const thumbprint = jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'x-coordinate', y: 'y-coordinate' });
    expect(thumbprint).toBe(createHash('sha256').update('{"crv":"P-256","kty":"EC","x":"x-coordinate","y":"y-coordinate"}').digest('base64url'));
    const dns = instructionFor('*.example.com', { type: 'dns-01' }, 'tok', thumbprint);
    expect(dns).toEqual({
      domain: '*.example.com',
      method: 'dns-01',
      recordName: '_acme-challenge.example.com',
      recordType: 'TXT',
      recordValue: createHash('sha256').update(`tok.${thumbprint}`).digest('base64url'),
    });
    expect(instructionFor('2001:db8::1', { type: 'http-01' }, 'tok', thumbprint)).toEqual({
      domain: '2001:db8::1',
      method: 'http-01',
      url: 'http://[2001:db8::1]/.well-known/acme-challenge/tok',
      content: `tok.${thumbprint}`,
    });
  });
});

describe('the compliance guard (BR 6.3.2, 7.1.2.7)', () => {
  let ca: TestCa;
  const names = ['shop.example.com', 'www.shop.example.com'];
  const csr = (key = ecKey('P-256'), commonName = names[0]!) => buildCsr({ privateKey: key, commonName, sans: names }).pem;

  beforeAll(() => {
    ca = testCa();
  });
  afterAll(() => ca.dispose());

  it('passes the certificate the order asked for, and reads its facts', () => {
    const csrPem = csr();
    const certificatePem = ca.sign(csrPem, { sans: [names[1]!, names[0]!], days: 199 });
    const verdict = checkIssuedCertificate({ certificatePem, csrPem, names, maxValidityDays: 200, chainPem: [ca.certificatePem] });
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.certificate.dnsNames).toEqual([names[1], names[0]]);
    expect(verdict.certificate.serialNumber).toBe('01');
    expect(verdict.certificate.notAfter.getTime() - verdict.certificate.notBefore.getTime()).toBe(199 * DAY_MS);
  });

  it('refuses other names, another key, a validity over the maximum, a broken chain', () => {
    const csrPem = csr();
    const findingsOf = (input: Parameters<typeof checkIssuedCertificate>[0]) => {
      const verdict = checkIssuedCertificate(input);
      expect(verdict.ok).toBe(false);
      return verdict.ok ? [] : verdict.findings;
    };
    expect(findingsOf({ certificatePem: ca.sign(csrPem, { sans: [...names, 'evil.example.net'], days: 90 }), csrPem, names, maxValidityDays: 200 })).toEqual([
      'The certificate names evil.example.net, which the order does not (BR 7.1.2.7.12).',
    ]);
    expect(findingsOf({ certificatePem: ca.sign(csrPem, { sans: [names[0]!], days: 90 }), csrPem, names, maxValidityDays: 200 })).toEqual([
      'The certificate lacks www.shop.example.com of the order.',
    ]);
    const otherKeyCsr = csr(rsaKey(2048));
    expect(findingsOf({ certificatePem: ca.sign(otherKeyCsr, { sans: names, days: 90 }), csrPem, names, maxValidityDays: 200 })).toEqual([
      "The certificate's public key is not the CSR's: the subscriber does not hold its private key.",
    ]);
    expect(findingsOf({ certificatePem: ca.sign(csrPem, { sans: names, days: 250 }), csrPem, names, maxValidityDays: 200 })[0]).toMatch(
      /valid for 250 days, more than the 200 days allowed \(BR 6\.3\.2\)/,
    );
    // BR 6.3.2: a day is 86,400 seconds and notAfter is inclusive, so "-days 200" (notAfter = notBefore + 200 days) is one second too long.
    expect(findingsOf({ certificatePem: ca.sign(csrPem, { sans: names, days: 200 }), csrPem, names, maxValidityDays: 200 })).toHaveLength(1);
    const otherCa = testCa('Someone Else');
    try {
      expect(findingsOf({ certificatePem: ca.sign(csrPem, { sans: names, days: 90 }), csrPem, names, maxValidityDays: 200, chainPem: [otherCa.certificatePem] })[0]).toMatch(/is not signed by CN=Someone Else/);
    } finally {
      otherCa.dispose();
    }
    const cnOutside = csr(ecKey('P-256'), 'other.example.com');
    expect(findingsOf({ certificatePem: ca.sign(cnOutside, { sans: names, days: 90 }), csrPem: cnOutside, names, maxValidityDays: 200 })).toEqual([
      "The subject common name other.example.com is none of the certificate's subjectAltName entries (BR 7.1.2.7.2).",
    ]);
    expect(findingsOf({ certificatePem: 'garbage', csrPem, names, maxValidityDays: 200 })).toEqual(['The CA returned no PEM certificate.']);
  });
});

describe.skipIf(!PEBBLE_AVAILABLE)('the ACME supplier against Pebble', () => {
  /** Always-valid Pebble that refuses *.blocked.example.com. */
  let pebble: Pebble;
  /** Pebble that really validates, against the challenge server. */
  let strict: Pebble;
  let challenges: ChallTestSrv;
  /** Pebble that issues for 250 days: more than BR 6.3.2 allows. */
  let careless: Pebble;
  /** Pebble that requires External Account Binding. */
  let bound: Pebble;
  const eabKey = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    challenges = await startChallTestSrv();
    [pebble, strict, careless, bound] = await Promise.all([
      startPebble({ alwaysValid: true, blocklist: ['blocked.example.com'] }),
      startPebble({ challenges }),
      startPebble({ alwaysValid: true, validityDays: 250 }),
      startPebble({ alwaysValid: true, eabKeys: { 'reseller-kid': eabKey } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([pebble?.stop(), strict?.stop(), careless?.stop(), bound?.stop()]);
    await challenges?.stop();
  });

  for (const db of DATABASES) {
    describe(`on ${db.name}`, () => {
      const ctx = contextPerTest(() => openAcmeContext(db, pebble));

      it('issues after a re-check: instructions email, timeline, a certificate that openssl verifies against the root', async () => {
        const supplier = await ctx.start();
        expect(supplier.name).toBe('acme');
        expect(canCancel(supplier) && canResendApproval(supplier)).toBe(true);
        const name = uniqueName('shop');
        const key = ecKey('P-256');
        const request = acmeRequest({ orderId: 'order-1', names: [name, `www.${name}`], key });
        const { supplierOrderId } = await supplier.submit(request);
        expect(supplierOrderId).toMatch(/^[0-9a-f]{32}$/);
        expect(await supplier.status(supplierOrderId)).toEqual({ state: 'awaiting_validation' });

        const email = ctx.mail.latest('order-1')!;
        expect(email).toMatchObject({ orderId: 'order-1', to: 'admin@example.com', language: 'en', sequence: 1 });
        expect(email.instructions.map((instruction) => [instruction.domain, instruction.method, instruction.recordName])).toEqual([
          [name, 'dns-01', `_acme-challenge.${name}`],
          [`www.${name}`, 'dns-01', `_acme-challenge.www.${name}`],
        ]);
        expect(email.instructions[0]!.recordValue).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(JSON.stringify(email)).not.toMatch(/https?:\/\/(?!_)/);
        expect(ctx.mail.approvals).toHaveLength(0);

        await supplier.resendApproval({ supplierOrderId });
        const issued = await eventOf(ctx.events, 'issued', 'order-1');
        expect(issued.requestId).toBe('initial');
        const { certificate } = issued;
        const leaf = new X509Certificate(certificate.certificatePem);
        expect(leaf.subjectAltName?.split(', ').sort()).toEqual([`DNS:${name}`, `DNS:www.${name}`].sort());
        expect(leaf.publicKey.export({ type: 'spki', format: 'der' })).toEqual(createPublicKey(key).export({ type: 'spki', format: 'der' }));
        expect(leaf.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(certificate.serialNumber.replace(/^0+/, ''));
        expect(certificate.notAfter.getTime() - certificate.notBefore.getTime() + 1000).toBeLessThanOrEqual(199 * DAY_MS);
        expect(certificate.chainPem).toHaveLength(1);
        expect(certificate.rootPem).toBe(await pebble.root());
        const verified = verifies(certificate);
        expect(verified.output).toMatch(/OK/);
        expect(verified.ok).toBe(true);

        const timeline = ctx.events.timeline('order-1');
        expect(timeline[0]).toBe(`acme: domain control validation started: DNS TXT record (dns-01) for ${name}, www.${name}.`);
        expect(timeline).toContain(`acme: asked the CA to check the DNS record of ${name}.`);
        expect(timeline).toContain(`acme: ${name} is validated (dns-01).`);
        expect(timeline).toContain('acme: every name is validated; the certificate is requested.');
        expect(ctx.mail.instructions.filter((request) => request.orderId === 'order-1').map((request) => request.to)).toContain('admin@example.com');
        expect(ctx.events.ofType('approval_email_sent')).toHaveLength(0);
        expect(await supplier.status(supplierOrderId)).toMatchObject({ state: 'issued', certificate: { serialNumber: certificate.serialNumber } });
        await expect(refusal(supplier.resendApproval({ supplierOrderId }))).resolves.toMatchObject({ code: 'not_awaiting_validation' });
      });

      it('validates a real http-01 file, answered by the self-check alone', async () => {
        const supplier = await ctx.start({ directoryUrl: strict.directoryUrl, ca: strict.ca, rootUrl: strict.rootUrl, selfCheck: true, ...selfCheckVia(challenges) });
        const name = uniqueName('web');
        const { supplierOrderId } = await supplier.submit(acmeRequest({ orderId: 'order-http', names: [name], method: 'http' }));
        const [instruction] = ctx.mail.latest('order-http')!.instructions;
        expect(instruction).toMatchObject({ domain: name, method: 'http-01', url: expect.stringMatching(new RegExp(`^http://${name}/\\.well-known/acme-challenge/[A-Za-z0-9_-]+$`)) });
        expect(instruction!.content).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await ctx.count('acme_authorizations', 'answered_at is not null')).toBe(0);

        await publish(challenges, instruction!);
        const issued = await eventOf(ctx.events, 'issued', 'order-http');
        expect(verifies(issued.certificate).ok).toBe(true);
        expect(ctx.events.timeline('order-http')).toContain(`acme: asked the CA to check the website file of ${name}.`);
        expect(await supplier.status(supplierOrderId)).toMatchObject({ state: 'issued' });
      });

      it('validates real dns-01 records, a wildcard among them, after a re-check', async () => {
        const supplier = await ctx.start({ directoryUrl: strict.directoryUrl, ca: strict.ca, rootUrl: strict.rootUrl });
        const wildcard = `*.${uniqueName('wild')}`;
        const other = uniqueName('api', 'example.org');
        const { supplierOrderId } = await supplier.submit(acmeRequest({ orderId: 'order-dns', names: [wildcard, other], dcv: { [wildcard]: { method: 'http' }, [other]: { method: 'email', email: `admin@${other}` } } }));
        const { instructions } = ctx.mail.latest('order-dns')!;
        expect(instructions).toEqual([
          expect.objectContaining({ domain: wildcard, method: 'dns-01', recordName: `_acme-challenge.${wildcard.slice(2)}`, replaces: 'http' }),
          expect.objectContaining({ domain: other, method: 'dns-01', recordName: `_acme-challenge.${other}`, replaces: 'email' }),
        ]);
        expect(ctx.events.timeline('order-dns')[0]).toContain(`Email approval is not available from an ACME CA; these names are validated as the instructions say instead: ${other} (dns-01).`);
        for (const instruction of instructions) await publish(challenges, instruction);
        await supplier.resendApproval({ supplierOrderId, approverEmail: 'hostmaster@example.org' });
        expect(ctx.mail.latest('order-dns')).toMatchObject({ sequence: 2, to: 'hostmaster@example.org' });
        const issued = await eventOf(ctx.events, 'issued', 'order-dns');
        expect(new X509Certificate(issued.certificate.certificatePem).subjectAltName?.split(', ').sort()).toEqual([`DNS:${wildcard}`, `DNS:${other}`].sort());
        expect(verifies(issued.certificate).ok).toBe(true);
      });

      it('reports a failed validation with the CA detail, and a re-check starts a new round that succeeds', async () => {
        const supplier = await ctx.start({ directoryUrl: strict.directoryUrl, ca: strict.ca, rootUrl: strict.rootUrl, autoPoll: false });
        const name = uniqueName('typo');
        const { supplierOrderId } = await supplier.submit(acmeRequest({ orderId: 'order-typo', names: [name] }));
        const first = ctx.mail.latest('order-typo')!;
        await publish(challenges, first.instructions[0]!, { wrongValue: true });
        await supplier.resendApproval({ supplierOrderId });

        const outcome = await outcomeOf(supplier, supplierOrderId, (candidate) => candidate.error !== undefined);
        expect(outcome.state).toBe('validation_failed');
        expect(outcome.error).toBeInstanceOf(AcmeSupplierError);
        expect(outcome.error).toMatchObject({ code: 'unauthorized', retryable: false, problemType: 'urn:ietf:params:acme:error:unauthorized' });
        expect(outcome.error!.message).toContain(`acme: validation of ${name} failed: Correct value not found for DNS challenge (unauthorized).`);
        expect(await supplier.status(supplierOrderId)).toEqual({ state: 'awaiting_validation' });
        await eventOf(ctx.events, 'validation_started', 'order-typo');
        await vi.waitFor(() => expect(ctx.events.timeline('order-typo').some((detail) => detail.includes('Correct value not found for DNS challenge') && detail.includes('re-check'))).toBe(true));

        await supplier.resendApproval({ supplierOrderId });
        const second = ctx.mail.latest('order-typo')!;
        // 1: the first email; 2: resent with the first re-check; 3: the new round's.
        expect(second.sequence).toBe(3);
        expect(second.instructions[0]!.recordValue).not.toBe(first.instructions[0]!.recordValue);
        expect(ctx.events.timeline('order-typo')).toContain(`acme: domain control validation started again (attempt 2): DNS TXT record (dns-01) for ${name}.`);
        await publish(challenges, second.instructions[0]!);
        await supplier.resendApproval({ supplierOrderId });
        await outcomeOf(supplier, supplierOrderId, (candidate) => candidate.state === 'issued');
        const issued = await eventOf(ctx.events, 'issued', 'order-typo');
        expect(verifies(issued.certificate).ok).toBe(true);
      });

      it('ends the round of an order the CA no longer knows, and a re-check starts again', async () => {
        const supplier = await ctx.start({ autoPoll: false });
        const { supplierOrderId } = await supplier.submit(acmeRequest({ orderId: 'order-lost', names: [uniqueName('lost')] }));
        // As after a restart of the CA that lost its state: the order URL leads nowhere.
        await ctx.sql.query("update acme_orders set acme_order_url = regexp_replace(acme_order_url, '[^/]+$', 'gone'), next_check_at = $2 where supplier_order_id = $1", [
          supplierOrderId,
          new Date(0).toISOString(),
        ]);
        const outcome = await outcomeOf(supplier, supplierOrderId, () => true);
        expect(outcome).toMatchObject({ state: 'validation_failed', error: { retryable: false } });
        await vi.waitFor(() => expect(ctx.events.timeline('order-lost').at(-1)).toMatch(/the CA refused reading the order: .* Correct what is published, then re-check/));
        await supplier.resendApproval({ supplierOrderId });
        expect(ctx.mail.latest('order-lost')!.sequence).toBe(2);
        expect(await ctx.count('acme_orders', "order_id = 'order-lost' and round = 2 and state = 'awaiting_validation'")).toBe(1);
      });

      it('is idempotent per order, also for concurrent calls', async () => {
        const supplier = await ctx.start();
        const request = acmeRequest({ orderId: 'order-twice', names: [uniqueName('twice')] });
        const results = await Promise.all([supplier.submit(request), supplier.submit(request), supplier.submit(request)]);
        expect(new Set(results.map((result) => result.supplierOrderId)).size).toBe(1);
        expect(await supplier.submit(request)).toEqual(results[0]);
        expect(await ctx.count('acme_orders', 'order_id = $1', ['order-twice'])).toBe(1);
        await vi.waitFor(() => expect(ctx.mail.instructions.filter((email) => email.orderId === 'order-twice')).toHaveLength(1));
      });

      it('creates the account key once, stores it sealed, and reuses it after a restart', async () => {
        const first = await ctx.start();
        await first.submit(acmeRequest({ orderId: 'order-a', names: [uniqueName('a')], method: 'http' }));
        const [account] = await ctx.sql.query<{ key_sealed: string; account_url: string }>('select key_sealed, account_url from acme_accounts');
        expect(account!.account_url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/my-account\//);
        expect(account!.key_sealed).toMatch(/^v1\.[A-Za-z0-9+/=]+$/);
        const stored = await ctx.dump('acme_accounts');
        expect(stored).not.toMatch(/PRIVATE KEY|"d":/);
        expect(stored).not.toContain('MIG');
        await first.close();

        const second = await ctx.start();
        await second.submit(acmeRequest({ orderId: 'order-b', names: [uniqueName('b')], method: 'http' }));
        expect(await ctx.count('acme_accounts')).toBe(1);
        const [again] = await ctx.sql.query<{ account_url: string; key_sealed: string }>('select key_sealed, account_url from acme_accounts');
        expect(again).toEqual(account);
        // The key authorization ends in the account key's thumbprint (RFC 8555 8.1): the same key answers for both.
        const thumbprint = (orderId: string) => ctx.mail.latest(orderId)!.instructions[0]!.content!.split('.')[1];
        expect(thumbprint('order-b')).toBe(thumbprint('order-a'));

        const wrongKey = await refusal(ctx.start({ encryptionKey: randomBytes(32) }));
        expect(wrongKey.code).toBe('invalid_config');
        expect(wrongKey.message).toMatch(/encryptionKey does not open the stored ACME account key/);
      });

      it("survives Pebble's nonce rejections and reused authorizations over many orders in a row", async () => {
        const supplier = await ctx.start({ concurrency: 8 });
        const names = [uniqueName('busy'), uniqueName('busy')];
        const orders = 24;
        // acme-client logs each badNonce it retries with the CA's fresh nonce (RFC 8555 6.5).
        let nonceRetries = 0;
        setLogger((message) => {
          if (message.includes('invalid nonce')) nonceRetries += 1;
        });
        const started = performance.now();
        const ids: string[] = [];
        try {
          for (let index = 0; index < orders; index++) {
            const { supplierOrderId } = await supplier.submit(acmeRequest({ orderId: `order-many-${index}`, names }));
            ids.push(supplierOrderId);
            await supplier.resendApproval({ supplierOrderId });
          }
          await vi.waitFor(() => expect(ctx.events.ofType('issued')).toHaveLength(orders), { timeout: 60_000, interval: 20 });
        } finally {
          setLogger(() => undefined);
        }
        const seconds = (performance.now() - started) / 1000;
        // Some 250 signed requests at Pebble's 5 % rejection rate: the chance of none is about 1 in 250,000.
        expect(nonceRetries).toBeGreaterThan(0);
        console.log(`[acme on ${db.name}] ${orders} orders issued through Pebble in ${seconds.toFixed(2)} s: ${(orders / seconds).toFixed(1)} issuances/s; ${nonceRetries} badNonce answers retried`);
        expect(new Set(ctx.events.ofType('issued').map((event) => event.certificate.serialNumber)).size).toBe(orders);
        // Pebble reuses a valid authorization half of the time: those names need nothing and say so.
        expect(ctx.events.events.some((event) => event.type === 'validation_started' && event.detail.includes('already validated at the CA'))).toBe(true);
        for (const id of ids) expect(await supplier.status(id)).toMatchObject({ state: 'issued' });
      });

      it('maps a CA that is down to a retryable error, before and after accepting an order', async () => {
        const nowhere = await ctx.start({ label: 'nowhere', directoryUrl: `https://127.0.0.1:${await freePort()}/dir`, requestTimeoutMs: 2000 });
        const down = await refusal(nowhere.submit(acmeRequest({ orderId: 'order-down', names: [uniqueName('down')] })));
        expect([down.code, down.retryable]).toEqual(['ca_unreachable', true]);
        expect(down.message).toMatch(/ECONNREFUSED/);
        expect(await ctx.count('acme_orders')).toBe(0);

        const doomed = await startPebble({ alwaysValid: true });
        try {
          const supplier = await ctx.start({ label: 'doomed', directoryUrl: doomed.directoryUrl, ca: doomed.ca, rootUrl: doomed.rootUrl, autoPoll: false });
          const { supplierOrderId } = await supplier.submit(acmeRequest({ orderId: 'order-outage', names: [uniqueName('outage')] }));
          await doomed.kill();
          const recheck = await refusal(supplier.resendApproval({ supplierOrderId }));
          expect([recheck.code, recheck.retryable]).toEqual(['ca_unreachable', true]);
          await ctx.sql.query('update acme_orders set next_check_at = $1 where supplier_order_id = $2', [new Date(0).toISOString(), supplierOrderId]);
          const outcome = await outcomeOf(supplier, supplierOrderId, () => true);
          expect(outcome).toMatchObject({ state: 'awaiting_validation', error: { code: 'ca_unreachable', retryable: true } });
          expect(await supplier.status(supplierOrderId)).toEqual({ state: 'awaiting_validation' });
        } finally {
          await doomed.stop();
        }
      });

      it('refuses what the CA refuses, and what ACME cannot do, without retrying', async () => {
        const supplier = await ctx.start();
        const blocked = await refusal(supplier.submit(acmeRequest({ orderId: 'order-blocked', names: ['shop.blocked.example.com'] })));
        expect([blocked.code, blocked.retryable]).toEqual(['rejectedIdentifier', false]);
        expect(blocked.message).toMatch(/issuance is forbidden by policy/);
        const ov = await refusal(supplier.submit(acmeRequest({ orderId: 'order-ov', names: [uniqueName('ov')], product: 'ov-single', validation: 'ov' })));
        expect([ov.code, ov.retryable]).toEqual(['validation_not_supported', false]);
        const csrPem = buildCsr({ privateKey: ecKey('P-256'), commonName: 'a.example.com', sans: ['a.example.com'] }).pem;
        const mismatch = await refusal(supplier.submit(acmeRequest({ orderId: 'order-mismatch', names: ['b.example.com'], csrPem })));
        expect(mismatch.code).toBe('names_mismatch');
        expect(await ctx.count('acme_orders')).toBe(0);
      });

      it('withholds a certificate that exceeds 200 days: no issued event, a hold, a compliance incident and error', async () => {
        const supplier = await ctx.start({ directoryUrl: careless.directoryUrl, ca: careless.ca, rootUrl: careless.rootUrl });
        const { supplierOrderId } = await supplier.submit(acmeRequest({ orderId: 'order-long', names: [uniqueName('long')] }));
        await supplier.resendApproval({ supplierOrderId });
        const hold = await eventOf(ctx.events, 'hold', 'order-long');
        expect(hold.reason).toMatch(/failed the compliance checks and was not delivered: The certificate is valid for 250 days, more than the 200 days allowed \(BR 6\.3\.2\)/);
        expect(ctx.events.ofType('issued')).toHaveLength(0);
        const incident = await eventOf(ctx.events, 'incident', 'order-long');
        expect([incident.kind, incident.detail]).toEqual(['compliance', hold.reason]);
        const error = await refusal(supplier.status(supplierOrderId));
        expect([error.code, error.retryable]).toEqual(['compliance', false]);
        expect(await ctx.count('acme_certificates', "jsonb_array_length(findings) = 1")).toBe(1);
      });

      it('binds the account to the CA with External Account Binding when the CA requires it', async () => {
        const unbound = await ctx.start({ label: 'unbound', directoryUrl: bound.directoryUrl, ca: bound.ca });
        const refused = await refusal(unbound.submit(acmeRequest({ orderId: 'order-eab-1', names: [uniqueName('eab')] })));
        expect([refused.code, refused.retryable]).toEqual(['account', false]);
        const binding = await ctx.start({ label: 'bound', directoryUrl: bound.directoryUrl, ca: bound.ca, rootUrl: bound.rootUrl, eab: { kid: 'reseller-kid', hmacKey: eabKey } });
        const { supplierOrderId } = await binding.submit(acmeRequest({ orderId: 'order-eab-2', names: [uniqueName('eab')] }));
        await binding.resendApproval({ supplierOrderId });
        expect(verifies((await eventOf(ctx.events, 'issued', 'order-eab-2')).certificate).ok).toBe(true);
      });

      it('puts the instructions on the timeline when the mail port cannot send them', async () => {
        const events = new RecordingEventSink();
        const supplier = await ctx.start({}, { events, mail: new ApprovalOnlyMailPort() });
        const name = uniqueName('nomail');
        await supplier.submit(acmeRequest({ orderId: 'order-nomail', names: [name] }));
        await vi.waitFor(() => expect(events.timeline('order-nomail')).toHaveLength(2));
        expect(events.timeline('order-nomail')[1]).toMatch(new RegExp(`^Publish for domain control validation \\(instructions for admin@example\\.com\\): ${name.replace(/\./g, '\\.')}: publish a DNS TXT record _acme-challenge\\.${name.replace(/\./g, '\\.')} with the value [A-Za-z0-9_-]{43}\\.$`));
        expect(events.ofType('approval_email_sent')).toHaveLength(0);
      });

      it('cancels: deactivates the authorizations it alone uses, and refuses a re-check afterwards', async () => {
        const supplier = await ctx.start({ autoPoll: false });
        const { supplierOrderId } = await supplier.submit(acmeRequest({ orderId: 'order-cancel', names: [uniqueName('own'), uniqueName('shared')] }));
        const other = await supplier.submit(acmeRequest({ orderId: 'order-keeps', names: [uniqueName('keeps')] }));
        // CAs such as Boulder reuse pending authorizations across an account's orders: the second name's is now shared.
        await ctx.sql.query(
          `insert into acme_authorizations (supplier_order_id, url, position, name, status, updated_at)
           select $1, url, 1, name, status, updated_at from acme_authorizations where supplier_order_id = $2 and position = 1`,
          [other.supplierOrderId, supplierOrderId],
        );
        await supplier.cancel({ supplierOrderId, reason: 'customer changed their mind' });
        expect(await supplier.status(supplierOrderId)).toEqual({ state: 'cancelled', reason: 'customer changed their mind' });
        const rows = await ctx.sql.query<{ status: string }>('select status from acme_authorizations where supplier_order_id = $1 order by position', [supplierOrderId]);
        expect(rows.map((row) => row.status)).toEqual(['deactivated', 'pending']);
        await supplier.cancel({ supplierOrderId, reason: 'again' });
        expect(await refusal(supplier.resendApproval({ supplierOrderId }))).toMatchObject({ code: 'not_awaiting_validation' });
      });
    });
  }
});
