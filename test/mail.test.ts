// The package entry loads its BIMI module and an undici that needs a newer Node; DKIM alone does not.
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../src/domain/clock.js';
import { CertbrokerError } from '../src/domain/errors.js';
import { LANGUAGES, type Language } from '../src/domain/order.js';
import { JobAdmin, JobQueue, JobRunner } from '../src/jobs/queue.js';
import { bounceAddress, composeMessage } from '../src/mail/compose.js';
import { checkMailConfig, dkimRecordName, generateDkimKey, type DkimKeyPair, type MailConfig } from '../src/mail/config.js';
import { MailOutbox, type OutboxEmail } from '../src/mail/outbox.js';
import { replyAddress, verifyReplyAddress } from '../src/mail/reply-address.js';
import { startSmtpSink, type SmtpSink } from '../src/mail/sink.js';
import { renderEmail, TEMPLATE_NAMES, type TemplateData, type TemplateName } from '../src/mail/templates/index.js';
import { createSmtpTransport } from '../src/mail/transport.js';
import { WhiteLabelError } from '../src/mail/white-label.js';
import type { Store } from '../src/store/database.js';
import type { Branding } from '../src/validation/account.js';
import { DATABASES } from './support/databases.js';
import { dkimResolver, freePort, insertOrderFixture, issueTestCertificate, type TestCertificate } from './support/mail-fixtures.js';

const PLATFORM_NAME = 'certbroker';
const PUBLIC_BASE_URL = 'https://portal.certbroker.example';
const MAIL_DOMAIN = 'notify-mx.example.net';
const SELECTOR = 'm2026';
/** The smallest valid PNG header plus filler: the logo only has to be a PNG by its magic bytes. */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const LOGO = `data:image/png;base64,${PNG.toString('base64')}`;

let key: DkimKeyPair;
let config: MailConfig;
let certificate: TestCertificate;

beforeAll(async () => {
  key = await generateDkimKey();
  config = { mailDomain: MAIL_DOMAIN, dkim: { selector: SELECTOR, privateKeyPem: key.privateKeyPem }, replyKey: Buffer.alloc(32, 0x5a), platformName: PLATFORM_NAME, publicBaseUrl: PUBLIC_BASE_URL };
  certificate = issueTestCertificate('shop.example');
});

function templateData(domain = 'shop.example'): TemplateData {
  return {
    'order-confirmation': {
      orderId: 'ord_test',
      product: 'dv-single',
      termMonths: 12,
      domains: [domain, `www.${domain}`],
      approverEmail: `admin@${domain}`,
      recipientName: 'Ada Lovelace',
      reseller: {
        name: 'Hosting Partner GmbH',
        branding: {
          displayName: 'Hosting Partner',
          logo: LOGO,
          primaryColor: '#0a7b50',
          accentColor: '#c2185b',
          signature: 'Kind regards\nThe Hosting Partner team',
          supportEmail: 'support@hosting-partner.example',
          supportPhone: '+49 30 555 0100',
          website: 'https://hosting-partner.example/',
        },
      },
    },
    approval: {
      domains: [domain],
      approvalUrl: 'https://validation.ca.example/approve?token=abc123',
      approvalCode: 'K7Q2-9XZM',
      expiresAt: new Date('2026-12-10T12:00:00Z'),
    },
    'dcv-instructions': {
      instructions: [
        { domain: `*.${domain}`, method: 'dns-01', recordName: `_acme-challenge.${domain}`, recordValue: 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0', replaces: 'email' },
        { domain: `www.${domain}`, method: 'http-01', url: `http://www.${domain}/.well-known/acme-challenge/evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA`, content: 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI' },
      ],
      expiresAt: new Date('2026-12-03T12:00:00Z'),
    },
    fulfilment: { orderId: 'ord_test', domains: [domain], ...certificate },
    'hold-notice': { orderId: 'ord_test', domains: [domain] },
    'reseller-notice': { kind: 'refund-declined', orderId: 'ord_test', domains: [domain], amount: '9.00 EUR', note: 'Refunded by bank transfer' },
    'documents-request': { orderId: 'ord_test', domains: [domain], kind: 'registration_extract', note: 'An extract not older than three months, please.' },
    'expiry-notice': { kind: 'certificate-expiring', orderId: 'ord_test', domains: [domain], at: new Date('2027-06-01T00:00:00Z') },
  };
}

function render<T extends TemplateName>(template: T, language: Language, data = templateData()) {
  return renderEmail(template, data[template], language);
}

async function compose(template: TemplateName, language: Language, data = templateData(), to = 'ada@customer.example') {
  const email = renderEmail(template, data[template] as never, language);
  const message = await composeMessage({ outboxId: 'msg_test0001', orderId: 'ord_test', to, language, date: new Date('2026-11-26T12:00:00Z'), email }, config);
  return { email, message, parsed: await simpleParser(message.raw) };
}

/** The header section of a raw message, unfolded, as [lower-case name, value] pairs. */
function headerFields(raw: string): [string, string][] {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]/g, ' ');
  return head.split('\r\n').map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
}

function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? '');
}

async function verifyDkim(raw: string | Buffer) {
  const result = await dkimVerify(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw, { resolver: dkimResolver(dkimRecordName(config), key.publicKeyPem) });
  return result.results[0];
}

describe('email templates', () => {
  for (const template of TEMPLATE_NAMES) {
    for (const language of LANGUAGES) {
      it(`renders ${template} in ${language} with a subject, a text and an HTML part`, () => {
        const email = render(template, language);
        expect(email.subject.length).toBeGreaterThan(10);
        expect(email.subject).not.toMatch(/[\r\n]/);
        expect(email.text).toContain('shop.example');
        expect(email.html).toContain('shop.example');
        expect(email.html).toContain(`<html lang="${language}">`);
        expect(email.senderName.length).toBeGreaterThan(3);
      });
    }
  }

  it('writes English and German, not one language twice', () => {
    for (const template of TEMPLATE_NAMES) expect(render(template, 'de').subject).not.toBe(render(template, 'en').subject);
    expect(render('approval', 'de').text).toContain('Bestätigungscode');
    expect(render('fulfilment', 'de').text).toContain('Gültig bis');
    expect(render('hold-notice', 'en').text).toContain('being reviewed');
  });

  it('brands the order confirmation with the reseller’s name, logo, colours, signature and support contact', () => {
    const email = render('order-confirmation', 'en');
    expect(email.senderName).toBe('Hosting Partner');
    expect(email.html).toContain('src="cid:logo@inline"');
    expect(email.attachments).toEqual([expect.objectContaining({ cid: 'logo@inline', contentType: 'image/png', content: PNG })]);
    expect(email.html).toContain('#0a7b50');
    expect(email.html).toContain('#c2185b');
    expect(email.html).toContain('The Hosting Partner team');
    expect(email.html).toContain('mailto:support@hosting-partner.example');
    expect(email.text).toContain('+49 30 555 0100');
    expect(email.text).toContain('ord_test');
    expect(email.text).toContain('DV Single Domain');
    expect(email.text).toContain('12 months');
    expect(email.text).toContain('admin@shop.example');
  });

  it('falls back to the account name and plain colours when the reseller has no branding', () => {
    const data = templateData();
    data['order-confirmation'] = { ...data['order-confirmation'], reseller: { name: 'Plain Hosting', branding: {} } };
    const email = render('order-confirmation', 'de', data);
    expect(email.senderName).toBe('Plain Hosting');
    expect(email.attachments).toEqual([]);
    expect(email.text).toContain('Antworten Sie einfach auf diese E-Mail');
  });

  it('keeps the generic emails generic: neutral sender, no reseller brand, no logo', () => {
    for (const template of ['approval', 'fulfilment', 'hold-notice'] as const) {
      expect(render(template, 'en').senderName).toBe('Certificate Service');
      expect(render(template, 'de').senderName).toBe('Zertifikatsservice');
      for (const language of LANGUAGES) {
        const email = render(template, language);
        expect(email.html).not.toContain('Hosting Partner');
        expect(email.attachments.some((a) => a.cid !== undefined)).toBe(false);
      }
    }
  });

  it('gives the approval email exactly one link, to the certificate authority’s validation site, and the code', () => {
    for (const language of LANGUAGES) {
      const email = render('approval', language);
      expect(hrefs(email.html)).toEqual(['https://validation.ca.example/approve?token=abc123']);
      expect(email.text.match(/https?:\/\//g)).toHaveLength(1);
      expect(email.html).toContain('K7Q2-9XZM');
      expect(email.text).toContain('K7Q2-9XZM');
      expect(email.text).toContain(language === 'en' ? '10 December 2026, 12:00 UTC' : '10. Dezember 2026, 12:00 UTC');
    }
  });

  it('refuses an approval link that is not http(s)', () => {
    const data = templateData();
    for (const approvalUrl of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'not a url', 'https://user:pw@ca.example/']) {
      expect(() => renderEmail('approval', { ...data.approval, approvalUrl }, 'en')).toThrow(TypeError);
    }
  });

  it('attaches the certificate and the chain to the fulfilment email and carries no link', () => {
    for (const language of LANGUAGES) {
      const email = render('fulfilment', language);
      expect(hrefs(email.html)).toEqual([]);
      expect(email.text).not.toMatch(/https?:\/\//);
      expect(email.attachments.map((a) => a.filename)).toEqual(['certificate.pem', 'chain.pem']);
      expect(email.attachments[0]?.content.toString()).toBe(certificate.certificatePem);
      expect(email.attachments[1]?.content.toString()).toBe(certificate.certificatePem + certificate.chainPem.join(''));
      expect(email.text).toContain(certificate.serialNumber);
    }
    expect(() => renderEmail('fulfilment', { ...templateData().fulfilment, certificatePem: 'not a certificate' }, 'en')).toThrow(TypeError);
  });

  it('escapes hostile branding and data in the HTML and keeps the text part to clean lines', () => {
    const data = templateData('<img src=x onerror=alert(1)>.example');
    data['order-confirmation'] = {
      ...data['order-confirmation'],
      recipientName: 'Eve <script>alert(1)</script>',
      reseller: {
        name: 'x',
        branding: {
          displayName: '<script>alert("x")</script>\r\nBcc: x@evil.example',
          signature: '</p><a href="https://phish.example">click</a>\u0000\u202e',
          primaryColor: 'red;background:url(https://track.example/p.gif)',
          accentColor: '"><script>',
          website: 'javascript:alert(1)',
          supportEmail: 'a@b.example"><script>',
          logo: 'data:image/png;base64,PHNjcmlwdD4=',
        },
      },
    };
    const email = render('order-confirmation', 'en', data);
    expect(email.html).not.toMatch(/<script|<img src=x|<a |javascript:|track\.example/i);
    expect(email.html).toContain('&lt;script&gt;');
    expect(hrefs(email.html)).toEqual([]);
    expect(email.attachments).toEqual([]);
    expect(email.text).not.toMatch(/[\u0000\u202e\r]/);
    expect(email.text).toContain('<script>alert("x")</script> Bcc: x@evil.example');
    expect(email.subject).not.toMatch(/[\r\n]/);
  });

  it('cannot be made to create headers: names with CR/LF stay inside their own field', async () => {
    const data = templateData('shop.example');
    data['order-confirmation'] = {
      ...data['order-confirmation'],
      orderId: 'ord_x\r\nBcc: victim@evil.example',
      reseller: { name: 'x', branding: { displayName: '"\r\nBcc: x@evil.example\r\nX-Injected: 1' } },
    };
    const { message, parsed } = await compose('order-confirmation', 'en', data);
    const names = headerFields(message.raw).map(([name]) => name);
    expect(names).not.toContain('bcc');
    expect(names).not.toContain('x-injected');
    expect(names.filter((n) => n === 'from')).toHaveLength(1);
    expect(parsed.from?.value).toEqual([{ address: `no-reply@${MAIL_DOMAIN}`, name: '" Bcc: x@evil.example X-Injected: 1' }]);
    expect(parsed.bcc).toBeUndefined();
    expect((await verifyDkim(message.raw))?.status.result).toBe('pass');
  });

  it('refuses a recipient that is not one plain address', async () => {
    for (const to of ['a@customer.example, b@evil.example', 'a@customer.example\r\nBcc: b@evil.example', 'Eve <a@customer.example>', 'no-at-sign']) {
      await expect(compose('hold-notice', 'en', templateData(), to)).rejects.toThrow(TypeError);
    }
  });

  it('cuts very long names instead of carrying them into headers and markup', async () => {
    const long = 'A'.repeat(100_000);
    const data = templateData();
    data['order-confirmation'] = { ...data['order-confirmation'], recipientName: long, reseller: { name: long, branding: { signature: long } } };
    const { email, message, parsed } = await compose('order-confirmation', 'en', data);
    expect(email.senderName.length).toBeLessThanOrEqual(100);
    expect(email.html.length).toBeLessThan(20_000);
    expect(parsed.from?.value[0]?.address).toBe(`no-reply@${MAIL_DOMAIN}`);
    expect(message.raw.length).toBeLessThan(40_000);
  });
});

describe('composed messages', () => {
  it('carry no platform name and no platform website anywhere, headers included', async () => {
    for (const template of TEMPLATE_NAMES) {
      for (const language of LANGUAGES) {
        const { email, message, parsed } = await compose(template, language);
        for (const surface of [message.raw, email.text, email.html, parsed.text ?? '', String(parsed.html), parsed.subject ?? '', JSON.stringify([...parsed.headers])]) {
          expect(surface.toLowerCase()).not.toContain(PLATFORM_NAME);
          expect(surface.toLowerCase()).not.toContain('portal.certbroker.example');
        }
      }
    }
  });

  it('carry, in every template and language, with hostile data, no link to the platform, no platform name, no injected header, and a valid signature', async () => {
    const evil = '"\r\nBcc: victim@evil.example\r\nX-Injected: 1';
    const domain = `<img src=x onerror=alert(1)>.example${evil}`;
    const data = templateData(domain);
    const hostile: TemplateData = {
      'order-confirmation': {
        ...data['order-confirmation'],
        orderId: `ord_x${evil}`,
        recipientName: `Eve <script>alert(1)</script>${evil}`,
        approverEmail: `admin@shop.example${evil}`,
        reseller: {
          name: `Hosting${evil}`,
          branding: {
            displayName: `<b>Hosting</b>${evil}`,
            signature: '</p><a href="https://phish.example">click</a>\u0000\u202e',
            primaryColor: 'red;background:url(https://track.example/p.gif)',
            accentColor: '"><script>',
            website: 'javascript:alert(1)',
            supportEmail: 'a@b.example"><script>',
            supportPhone: `+49${evil}`,
            logo: 'data:image/png;base64,PHNjcmlwdD4=',
          },
        },
      },
      approval: { ...data.approval, approvalCode: `<b>K7Q2</b>${evil}` },
      'dcv-instructions': {
        ...data['dcv-instructions'],
        instructions: data['dcv-instructions'].instructions.map((i) => ({ ...i, recordValue: `<script>x</script>${evil}`, content: `<b>c</b>${evil}` })),
      },
      fulfilment: { ...data.fulfilment, orderId: `ord_x${evil}` },
      'hold-notice': { ...data['hold-notice'], orderId: `ord_x${evil}` },
      'reseller-notice': { ...data['reseller-notice'], orderId: `ord_x${evil}`, note: `<script>alert(1)</script>${evil}`, amount: `9.00 EUR${evil}` },
      'documents-request': { ...data['documents-request'], orderId: `ord_x${evil}`, note: `<script>alert(1)</script>${evil}` },
      'expiry-notice': { ...data['expiry-notice'], orderId: `ord_x${evil}` },
    };
    const platformHost = new URL(PUBLIC_BASE_URL).host;
    for (const template of TEMPLATE_NAMES) {
      for (const language of LANGUAGES) {
        const where = `${template}/${language}`;
        const { email, message, parsed } = await compose(template, language, hostile);
        const links = hrefs(email.html);
        expect(links.filter((href) => href.toLowerCase().includes(platformHost) || !/^(?:https:|mailto:)/.test(href)), where).toEqual([]);
        for (const surface of [message.raw, email.text, email.html, email.subject, email.senderName, parsed.text ?? '', String(parsed.html), JSON.stringify([...parsed.headers])]) {
          expect(surface.toLowerCase(), where).not.toContain(PLATFORM_NAME);
          expect(surface.toLowerCase(), where).not.toContain(platformHost);
        }
        expect(email.html, where).not.toMatch(/<script|<img src=x|javascript:|track\.example/i);
        const names = headerFields(message.raw).map(([name]) => name);
        expect(names, where).not.toContain('bcc');
        expect(names, where).not.toContain('x-injected');
        for (const single of ['from', 'to', 'subject', 'reply-to', 'message-id', 'dkim-signature']) expect(names.filter((n) => n === single), `${where} ${single}`).toHaveLength(1);
        expect(parsed.bcc, where).toBeUndefined();
        expect((await verifyDkim(message.raw))?.status.result, where).toBe('pass');
      }
    }
  });

  it('name no program: no X-Mailer, no User-Agent, no library fingerprint', async () => {
    for (const template of TEMPLATE_NAMES) {
      const { message } = await compose(template, 'en');
      const fields = headerFields(message.raw);
      expect(fields.map(([name]) => name)).not.toContain('x-mailer');
      expect(fields.map(([name]) => name)).not.toContain('user-agent');
      expect(message.raw.toLowerCase()).not.toContain('nodemailer');
      // The composer's default multipart boundary prefix.
      expect(message.raw).not.toContain('_NmP');
    }
  });

  it('come from the private domain with the display name, a fixed Message-ID, the reply address and the clock’s date', async () => {
    const { message, parsed } = await compose('order-confirmation', 'de');
    expect(parsed.from?.value).toEqual([{ address: `no-reply@${MAIL_DOMAIN}`, name: 'Hosting Partner' }]);
    expect(parsed.messageId).toBe(`<msg_test0001@${MAIL_DOMAIN}>`);
    expect(parsed.date?.toISOString()).toBe('2026-11-26T12:00:00.000Z');
    const reply = (parsed.replyTo?.value[0]?.address ?? '') as string;
    expect(reply).toBe(replyAddress('ord_test', config.replyKey, MAIL_DOMAIN));
    expect(verifyReplyAddress(reply, config.replyKey)).toEqual({ orderId: 'ord_test', domain: MAIL_DOMAIN });
    expect(parsed.headers.get('auto-submitted')).toBeTruthy();
    expect(message.envelope).toEqual({ from: bounceAddress(MAIL_DOMAIN), to: 'ada@customer.example' });
    const generic = await compose('approval', 'de');
    expect(generic.parsed.from?.value).toEqual([{ address: `no-reply@${MAIL_DOMAIN}`, name: 'Zertifikatsservice' }]);
  });

  it('are DKIM-signed for the mail domain, and the signature breaks when the message is altered', async () => {
    for (const template of TEMPLATE_NAMES) {
      const { message } = await compose(template, 'en');
      const result = await verifyDkim(message.raw);
      expect(result?.status.result).toBe('pass');
      expect(result?.signingDomain).toBe(MAIL_DOMAIN);
      expect(result?.selector).toBe(SELECTOR);
    }
    const { message } = await compose('approval', 'en');
    expect((await verifyDkim(message.raw.replace('K7Q2-9XZM', 'K7Q2-0000')))?.status.result).not.toBe('pass');
    expect((await verifyDkim(message.raw.replace(/^Subject: .*$/m, 'Subject: changed')))?.status.result).not.toBe('pass');
  });
});

describe('reply addresses', () => {
  const replyKey = Buffer.alloc(32, 1);

  it('verify for the order they were made for', () => {
    const address = replyAddress('ord_abc123', replyKey, MAIL_DOMAIN);
    expect(address).toMatch(new RegExp(`^r-ord_abc123-[0-9a-f]{20}@${MAIL_DOMAIN.replace(/\./g, '\\.')}$`));
    expect(address.split('@')[0]?.length).toBeLessThanOrEqual(64);
    expect(verifyReplyAddress(address, replyKey)).toEqual({ orderId: 'ord_abc123', domain: MAIL_DOMAIN });
    expect(verifyReplyAddress(address.toUpperCase().replace('R-ORD_ABC123', 'r-ord_abc123'), replyKey)).toEqual({ orderId: 'ord_abc123', domain: MAIL_DOMAIN });
  });

  it('do not verify when tampered with, forged for another order or signed with another key', () => {
    const address = replyAddress('ord_abc123', replyKey, MAIL_DOMAIN);
    const mac = /-([0-9a-f]{20})@/.exec(address)?.[1] ?? '';
    const flipped = mac.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(verifyReplyAddress(address.replace(mac, flipped), replyKey)).toBeNull();
    expect(verifyReplyAddress(address.replace('ord_abc123', 'ord_abc124'), replyKey)).toBeNull();
    expect(verifyReplyAddress(address, Buffer.alloc(32, 2))).toBeNull();
    expect(verifyReplyAddress(`r-ord_abc123-${mac.slice(0, 19)}@${MAIL_DOMAIN}`, replyKey)).toBeNull();
    expect(verifyReplyAddress('postmaster@example.net', replyKey)).toBeNull();
    expect(() => replyAddress('ord-with-dash', replyKey, MAIL_DOMAIN)).toThrow(TypeError);
  });
});

describe('mail configuration', () => {
  it('is checked once, with a sentence naming what is wrong', () => {
    expect(checkMailConfig({ ...config, mailDomain: 'Notify-MX.Example.NET' }).mailDomain).toBe(MAIL_DOMAIN);
    expect(() => checkMailConfig({ ...config, mailDomain: 'mail.certbroker.example' })).toThrow(/MAIL_DOMAIN .*platform/);
    expect(() => checkMailConfig({ ...config, mailDomain: 'not a domain' })).toThrow(/MAIL_DOMAIN/);
    expect(() => checkMailConfig({ ...config, replyKey: Buffer.alloc(8) })).toThrow(/at least 32 bytes/);
    expect(() => checkMailConfig({ ...config, dkim: { selector: SELECTOR, privateKeyPem: 'nope' } })).toThrow(/DKIM private key/);
    expect(() => checkMailConfig({ ...config, dkim: { selector: 'bad selector', privateKeyPem: key.privateKeyPem } })).toThrow(/selector/);
    expect(() => checkMailConfig({ ...config, publicBaseUrl: 'nope' })).toThrow(/PUBLIC_BASE_URL/);
  });
});

describe('SMTP sink', () => {
  const raw = (n: number, size = 0) =>
    `From: a@sender.example\r\nTo: b@rcpt.example\r\nSubject: n${n}\r\nMessage-ID: <n${n}@sender.example>\r\n\r\nbody ${'x'.repeat(size)}\r\n`;

  it('keeps only the newest messages and hands out future ones to waiters', async () => {
    const sink = await startSmtpSink({ maxMessages: 2 });
    const transport = createSmtpTransport(`smtp://127.0.0.1:${sink.port}`, MAIL_DOMAIN);
    try {
      const third = sink.waitFor((m) => m.subject === 'n3');
      for (const n of [1, 2, 3]) await transport.send({ from: 'a@sender.example', to: 'b@rcpt.example' }, raw(n));
      expect((await third).seq).toBe(3);
      expect(sink.messages().map((m) => m.subject)).toEqual(['n2', 'n3']);
      await expect(sink.waitFor((m) => m.subject === 'n9', 50)).rejects.toThrow(/within 50 ms/);
    } finally {
      transport.close();
      await sink.close();
    }
  });

  it('refuses a message over its size limit with 552 and keeps nothing of it', async () => {
    const sink = await startSmtpSink({ maxMessageBytes: 2000 });
    const transport = createSmtpTransport(`smtp://127.0.0.1:${sink.port}`, MAIL_DOMAIN);
    try {
      await expect(transport.send({ from: 'a@sender.example', to: 'b@rcpt.example' }, raw(1, 10_000))).rejects.toMatchObject({ responseCode: 552 });
      expect(sink.messages()).toEqual([]);
    } finally {
      transport.close();
      await sink.close();
    }
  });
});

for (const db of DATABASES) {
  describe(`mail outbox on ${db.name}`, () => {
    let store: Store;
    let sink: SmtpSink;
    const clock = new FixedClock('2026-11-26T12:00:00Z');

    beforeAll(async () => {
      store = await db.open();
      sink = await startSmtpSink();
    });
    afterAll(async () => {
      await sink?.close();
      await store?.close();
    });

    function setup(options: { smtpPort?: number; maxAttempts?: number; backoffMs?: number } = {}) {
      const queue = new JobQueue({ clock });
      const transport = createSmtpTransport(`smtp://127.0.0.1:${options.smtpPort ?? sink.port}`, MAIL_DOMAIN);
      const outbox = new MailOutbox({ db: store.db, clock, queue, config, transport, ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }) });
      const runner = new JobRunner({ db: store.db, clock }).register('mail.send', (job) => outbox.deliver(job), { backoffMs: () => options.backoffMs ?? 0 });
      return { queue, outbox, runner, transport, admin: new JobAdmin({ db: store.db, clock }) };
    }

    async function fixture() {
      const order = await insertOrderFixture(store.db, clock.now());
      const data = templateData(order.domain);
      const cert = issueTestCertificate(order.domain);
      const emails: OutboxEmail[] = [
        { template: 'order-confirmation', orderId: order.orderId, resellerId: order.resellerId, to: 'ada@customer.example', language: 'en', data: { ...data['order-confirmation'], orderId: order.orderId } },
        ...['ada@customer.example', `admin@${order.domain}`].map(
          (to): OutboxEmail => ({ template: 'fulfilment', orderId: order.orderId, resellerId: order.resellerId, to, language: 'de', data: { orderId: order.orderId, domains: [order.domain], ...cert } }),
        ),
      ];
      return { ...order, cert, emails };
    }

    const jobsOf = (outboxId: string) => store.db.selectFrom('jobs').select(['status', 'attempts']).where('dedupe_key', '=', `mail.send:${outboxId}`).execute();
    const rowOf = (outboxId: string) => store.db.selectFrom('mail_outbox').selectAll().where('id', '=', outboxId).executeTakeFirstOrThrow();

    it('delivers through real SMTP to the sink: signed, from the private domain, attachments intact', async () => {
      const { outbox, runner, transport } = setup();
      const { orderId, domain, cert, emails } = await fixture();
      const enqueued = await store.db.transaction().execute(async (trx) => Promise.all(emails.map((e) => outbox.enqueue(trx, e))));
      await runner.drain();
      transport.close();

      for (const [i, { id, messageId }] of enqueued.entries()) {
        const row = await rowOf(id);
        expect(row).toMatchObject({ status: 'sent', attempts: 1, last_error: null, order_id: orderId, recipient: emails[i]?.to, template: emails[i]?.template });
        expect(row.sent_at?.toISOString()).toBe(clock.now().toISOString());
        const received = await sink.waitFor((m) => m.messageId === messageId);
        // The relay got the stored bytes unchanged: the same source, the same signature.
        expect(received.raw.toString('latin1').replace(/\r\n$/, '')).toBe(row.raw.replace(/\r\n$/, ''));
        expect((await verifyDkim(received.raw))?.status.result).toBe('pass');
        expect(received.envelope).toEqual({ mailFrom: `bounces@${MAIL_DOMAIN}`, rcptTo: [emails[i]?.to] });
        expect(received.helo).toBe(MAIL_DOMAIN);
        expect(received.from?.address).toBe(`no-reply@${MAIL_DOMAIN}`);
        expect(received.raw.toString('latin1').toLowerCase()).not.toContain(PLATFORM_NAME);
      }

      const fulfilments = await Promise.all(enqueued.slice(1).map((e) => sink.waitFor((m) => m.messageId === e.messageId)));
      expect(fulfilments.map((m) => m.to)).toEqual([['ada@customer.example'], [`admin@${domain}`]]);
      for (const m of fulfilments) {
        const files = Object.fromEntries(m.attachments.map((a) => [a.filename, a.content.toString('ascii')]));
        expect(files['certificate.pem']).toBe(cert.certificatePem);
        expect(files['chain.pem']).toBe(cert.certificatePem + cert.chainPem.join(''));
      }
      const confirmation = await sink.waitFor((m) => m.messageId === enqueued[0]?.messageId);
      expect(confirmation.from?.name).toBe('Hosting Partner');
      expect(confirmation.attachments.find((a) => a.contentId === '<logo@inline>')?.content).toEqual(PNG);
    });

    it('keeps one row and one Message-ID for the same logical email enqueued twice', async () => {
      const { outbox, runner, transport } = setup();
      const { emails } = await fixture();
      const email = emails[1] as OutboxEmail;
      const first = await store.db.transaction().execute((trx) => outbox.enqueue(trx, email));
      clock.advance(60_000);
      const second = await store.db.transaction().execute((trx) => outbox.enqueue(trx, email));
      expect(first.created).toBe(true);
      expect(second).toEqual({ ...first, created: false });
      const resent = await outbox.enqueue(store.db, { ...email, sequence: 1 });
      expect(resent.created).toBe(true);
      expect(resent.messageId).not.toBe(first.messageId);
      await runner.drain();
      transport.close();
      expect(await jobsOf(first.id)).toEqual([{ status: 'done', attempts: 1 }]);
      const rows = await store.db.selectFrom('mail_outbox').select('message_id').where('order_id', '=', email.orderId).where('template', '=', 'fulfilment').where('recipient', '=', email.to).execute();
      expect(rows.map((r) => r.message_id).sort()).toEqual([first.messageId, resent.messageId].sort());
      expect(sink.messages().filter((m) => m.messageId === first.messageId)).toHaveLength(1);
    });

    it('adds nothing when the caller’s transaction rolls back', async () => {
      const { outbox } = setup();
      const { emails } = await fixture();
      let id = '';
      await expect(
        store.db.transaction().execute(async (trx) => {
          id = (await outbox.enqueue(trx, emails[0] as OutboxEmail)).id;
          throw new Error('order placement failed');
        }),
      ).rejects.toThrow('order placement failed');
      expect(await store.db.selectFrom('mail_outbox').select('id').where('id', '=', id).execute()).toEqual([]);
      expect(await jobsOf(id)).toEqual([]);
    });

    it('is safe to deliver twice: a sent message is not sent again', async () => {
      const { outbox, runner, transport } = setup();
      const { emails } = await fixture();
      const { id, messageId } = await outbox.enqueue(store.db, emails[2] as OutboxEmail);
      await runner.drain();
      await outbox.deliver({ payload: { outboxId: id }, attempt: 2, maxAttempts: 10 });
      transport.close();
      expect(sink.messages().filter((m) => m.messageId === messageId)).toHaveLength(1);
      expect((await rowOf(id)).attempts).toBe(1);
    });

    it('retries while the relay is down and delivers once it is up, with the same message', async () => {
      const port = await freePort();
      const { outbox, runner, transport } = setup({ smtpPort: port, maxAttempts: 5, backoffMs: 1000 });
      const { emails } = await fixture();
      const { id, messageId } = await outbox.enqueue(store.db, emails[0] as OutboxEmail);
      const stored = (await rowOf(id)).raw;

      await runner.drain();
      expect(await rowOf(id)).toMatchObject({ status: 'pending', attempts: 1, sent_at: null });
      expect((await rowOf(id)).last_error).toMatch(/ECONNREFUSED|connect/i);
      expect(await jobsOf(id)).toEqual([{ status: 'pending', attempts: 1 }]);

      const relay = await startSmtpSink({ port });
      try {
        clock.advance(1000);
        await runner.drain();
        expect(await rowOf(id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null, raw: stored });
        expect(await jobsOf(id)).toEqual([{ status: 'done', attempts: 2 }]);
        const received = await relay.waitFor((m) => m.messageId === messageId);
        expect((await verifyDkim(received.raw))?.status.result).toBe('pass');
      } finally {
        transport.close();
        await relay.close();
      }
    });

    it('marks the message and its job dead after the last attempt', async () => {
      const port = await freePort();
      const { outbox, runner, transport, admin } = setup({ smtpPort: port, maxAttempts: 3, backoffMs: 0 });
      const { emails } = await fixture();
      const { id } = await outbox.enqueue(store.db, emails[0] as OutboxEmail);
      await runner.drain();
      transport.close();
      expect(await rowOf(id)).toMatchObject({ status: 'dead', attempts: 3, sent_at: null });
      expect(await jobsOf(id)).toEqual([{ status: 'dead', attempts: 3 }]);
      expect((await admin.list({ status: 'dead', limit: 100 })).some((j) => j.payload.outboxId === id)).toBe(true);
    });

    it('refuses to keep a message that would carry the platform’s name, whatever the case, or its website', async () => {
      const { outbox } = setup();
      const { orderId, resellerId, domain } = await fixture();
      const data = templateData(domain);
      const confirmation = (branding: Branding): OutboxEmail => ({
        template: 'order-confirmation',
        orderId,
        resellerId,
        to: 'ada@customer.example',
        language: 'en',
        data: { ...data['order-confirmation'], orderId, reseller: { name: 'Hosting Partner GmbH', branding } },
      });
      const leaks: Branding[] = [{ displayName: PLATFORM_NAME }, { displayName: 'CertBroker Reseller' }, { website: `${PUBLIC_BASE_URL}/r/123` }, { signature: 'Powered by\nCERTBROKER' }];
      for (const branding of leaks) {
        const attempt = outbox.enqueue(store.db, confirmation(branding));
        await expect(attempt).rejects.toThrow(WhiteLabelError);
        await expect(attempt).rejects.toBeInstanceOf(CertbrokerError);
      }
      // A supplier's certificate naming the platform (in its DER, base64 twice over in the message).
      const leaky = issueTestCertificate(domain, 'Certbroker Issuing CA');
      await expect(
        outbox.enqueue(store.db, { template: 'fulfilment', orderId, resellerId, to: 'ada@customer.example', language: 'en', data: { orderId, domains: [domain], ...leaky } }),
      ).rejects.toThrow(WhiteLabelError);
      expect(await store.db.selectFrom('mail_outbox').select('id').where('order_id', '=', orderId).execute()).toEqual([]);
    });

    it('lists messages newest first with their source, by order and page by page', async () => {
      const { outbox } = setup();
      const { orderId, emails } = await fixture();
      const ids: string[] = [];
      for (const email of emails) {
        clock.advance(1000);
        ids.push((await outbox.enqueue(store.db, email)).id);
      }
      const all = await outbox.list({ limit: 10, orderId });
      expect(all.map((m) => m.id)).toEqual([...ids].reverse());
      expect(all[0]?.raw).toContain('DKIM-Signature:');
      expect(all[0]).toMatchObject({ orderId, template: 'fulfilment', status: 'pending', attempts: 0, sentAt: null });
      const page1 = await outbox.list({ limit: 2, orderId });
      const page2 = await outbox.list({ limit: 2, orderId, before: page1[1]?.id as string });
      expect([...page1, ...page2].map((m) => m.id)).toEqual([...ids].reverse());
      expect((await outbox.list({ limit: 1 }))[0]?.createdAt.getTime()).toBeGreaterThanOrEqual(all[0]?.createdAt.getTime() ?? 0);
    });
  });
}
