// The package entry loads its BIMI module and an undici that needs a newer Node; DKIM alone does not.
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../src/domain/clock.js';
import { LANGUAGES, type Language } from '../src/domain/order.js';
import { JobQueue } from '../src/jobs/queue.js';
import { generateDkimKey, type MailConfig } from '../src/mail/config.js';
import { LOOP_HEADER, loopToken, REPLY_FORWARD } from '../src/mail/forward.js';
import { startInboundSmtp, type InboundDrop, type InboundReply, type InboundRoute, type InboundSmtp } from '../src/mail/inbound.js';
import { classifyInbound, MAX_RECEIVED, type InboundFacts } from '../src/mail/inbound-filter.js';
import { MailOutbox } from '../src/mail/outbox.js';
import { replyAddress } from '../src/mail/reply-address.js';
import { WhiteLabelError } from '../src/mail/white-label.js';
import type { Store } from '../src/store/database.js';
import { appendEvent } from '../src/store/orders.repository.js';
import { DATABASES } from './support/databases.js';
import { insertOrderFixture } from './support/mail-fixtures.js';
import { startMailHarness, type MailHarness } from './support/mail-harness.js';
import { sendSmtp } from './support/mail-smtp.js';
import { TEST_PLATFORM_NAME, TEST_PUBLIC_BASE_URL } from './support/platform.js';

const MAIL_DOMAIN = 'mail.example.net';

/** A real SMTP client (nodemailer) pointed at the listener, as a customer's mail server would be. */
function smtpClient(port: number) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'mx.customer.example.org' });
}

/** The error a rejected send ends with: the reply code, the command it answered and the server's text. */
async function refusal(sending: Promise<unknown>): Promise<{ responseCode: number; command: string; response: string }> {
  try {
    await sending;
  } catch (error) {
    const { responseCode, command, response } = error as { responseCode: number; command: string; response: string };
    return { responseCode, command, response };
  }
  throw new Error('the message was accepted');
}

/** A minimal message source for envelope-level tests. */
function rawMessage(headers: Record<string, string>, body = 'Hello,\r\nplease change the approver address.\r\n'): string {
  const fields = { From: 'Ada Lovelace <ada@customer.example.org>', To: 'someone@example.net', Subject: 'Re: Your order', 'Message-ID': `<${randomBytes(8).toString('hex')}@customer.example.org>`, ...headers };
  return `${Object.entries(fields)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n')}\r\n\r\n${body}`;
}

describe('inbound filter', () => {
  const facts = (over: Partial<InboundFacts> & { fields?: [string, string][] } = {}): InboundFacts => ({
    mailFrom: over.mailFrom ?? 'ada@customer.example.org',
    headers: [['from', 'Ada <ada@customer.example.org>'], ['subject', over.subject ?? 'Re: Your order'], ['message-id', '<a1@customer.example.org>'], ...(over.fields ?? [])],
    senders: over.senders ?? ['ada@customer.example.org'],
    subject: over.subject ?? 'Re: Your order',
  });
  const verdict = (over: Parameters<typeof facts>[0]) => classifyInbound(facts(over), MAIL_DOMAIN);

  it('lets a plain reply through, references to our own messages included', () => {
    expect(verdict({})).toEqual({ kind: 'reply' });
    expect(verdict({ fields: [['references', `<msg_1@${MAIL_DOMAIN}>`], ['in-reply-to', `<msg_1@${MAIL_DOMAIN}>`], ['auto-submitted', 'no']] })).toEqual({ kind: 'reply' });
    expect(verdict({ fields: [['received', 'from a by b'], ['received', 'from b by c']] })).toEqual({ kind: 'reply' });
  });

  it('drops delivery reports: the null reverse-path, multipart/report, system senders (RFC 5321 §4.5.5, RFC 3464)', () => {
    expect(verdict({ mailFrom: '' })).toMatchObject({ kind: 'drop', reason: 'bounce', detail: 'null reverse-path' });
    expect(verdict({ fields: [['content-type', 'multipart/report; report-type=delivery-status; boundary="x"']] })).toMatchObject({ kind: 'drop', reason: 'bounce' });
    expect(verdict({ fields: [['content-type', 'multipart/report; report-type=disposition-notification']] })).toMatchObject({ kind: 'drop', reason: 'bounce' });
    expect(verdict({ senders: ['MAILER-DAEMON@mx.customer.example.org'] })).toMatchObject({ kind: 'drop', reason: 'bounce' });
    expect(verdict({ mailFrom: 'postmaster@customer.example.org' })).toMatchObject({ kind: 'drop', reason: 'bounce' });
  });

  it('drops automatic responses (RFC 3834) and list mail', () => {
    for (const value of ['auto-replied', 'auto-generated', 'Auto-Notified; owner-email="x@y"', 'auto-forwarded']) {
      expect(verdict({ fields: [['auto-submitted', value]] })).toMatchObject({ kind: 'drop', reason: 'automatic' });
    }
    for (const value of ['bulk', 'junk', 'List']) expect(verdict({ fields: [['precedence', value]] })).toMatchObject({ kind: 'drop', reason: 'automatic' });
    expect(verdict({ fields: [['precedence', 'first-class']] })).toEqual({ kind: 'reply' });
    for (const name of ['x-autoreply', 'x-autorespond', 'list-id', 'list-unsubscribe']) expect(verdict({ fields: [[name, 'yes']] })).toMatchObject({ kind: 'drop', reason: 'automatic' });
  });

  it('takes a vacation subject as a hint only together with a header that says so', () => {
    expect(verdict({ subject: 'Out of Office: Re: Your order' })).toEqual({ kind: 'reply' });
    expect(verdict({ subject: 'Abwesenheitsnotiz: Ihre Bestellung' })).toEqual({ kind: 'reply' });
    expect(verdict({ fields: [['x-auto-response-suppress', 'All']] })).toEqual({ kind: 'reply' });
    expect(verdict({ subject: 'Out of Office: Re: Your order', fields: [['x-auto-response-suppress', 'All']] })).toMatchObject({ kind: 'drop', reason: 'automatic' });
    expect(verdict({ subject: 'Automatische Antwort: Ihre Bestellung', fields: [['x-autogenerated', 'Reply']] })).toMatchObject({ kind: 'drop', reason: 'automatic' });
  });

  it('drops loops: our loop header, our own Message-ID or sender, too many Received fields (RFC 5321 §6.3)', () => {
    expect(verdict({ fields: [[LOOP_HEADER.toLowerCase(), loopToken(MAIL_DOMAIN)]] })).toMatchObject({ kind: 'drop', reason: 'loop' });
    expect(verdict({ fields: [[LOOP_HEADER.toLowerCase(), 'someone-else@lists.example']] })).toEqual({ kind: 'reply' });
    const ours: InboundFacts = { ...facts(), headers: [['message-id', `<msg_abc@${MAIL_DOMAIN.toUpperCase()}>`]] };
    expect(classifyInbound(ours, MAIL_DOMAIN)).toMatchObject({ kind: 'drop', reason: 'loop' });
    expect(verdict({ senders: [`no-reply@${MAIL_DOMAIN}`] })).toMatchObject({ kind: 'drop', reason: 'loop' });
    const hops = Array.from({ length: MAX_RECEIVED }, (_, i): [string, string] => ['received', `from hop${i} by hop${i + 1}`]);
    expect(verdict({ fields: hops })).toMatchObject({ kind: 'drop', reason: 'loop' });
    expect(verdict({ fields: hops.slice(1) })).toEqual({ kind: 'reply' });
  });
});

describe('inbound listener', () => {
  const replyKey = randomBytes(32);
  const routes = new Map<string, InboundRoute>([
    ['ord_open', { resellerId: 'res_1', repEmail: 'rep@reseller.example' }],
    ['ord_second', { resellerId: 'res_2', repEmail: 'sales@other-reseller.example' }],
    ['ord_closed', { resellerId: 'res_1', repEmail: 'rep@reseller.example', acceptingReplies: false }],
    ['ord_norep', { resellerId: 'res_3', repEmail: null }],
  ]);
  const accepted: InboundReply[] = [];
  const dropped: InboundDrop[] = [];
  let failAccepts = 0;
  let listener: InboundSmtp;
  const to = (orderId: string) => replyAddress(orderId, replyKey, MAIL_DOMAIN);

  beforeAll(async () => {
    listener = await startInboundSmtp({
      port: 0,
      mailDomain: MAIL_DOMAIN,
      replyKey,
      maxMessageBytes: 64 * 1024,
      resolve: async (orderId) => {
        if (orderId === 'ord_dbdown') throw new Error('connection refused');
        return routes.get(orderId);
      },
      accept: async (reply) => {
        if (failAccepts > 0) {
          failAccepts -= 1;
          throw new Error('database unavailable');
        }
        accepted.push(reply);
      },
      onDropped: (drop) => dropped.push(drop),
    });
  });
  afterAll(async () => {
    await listener?.close();
  });

  it('greets with the mail domain only, announces SIZE and speaks enhanced status codes', async () => {
    const result = await sendSmtp(listener.port, { from: 'ada@customer.example.org', to: [to('ord_open')] }, rawMessage({}));
    expect(result.ehlo.lines[0]).toBe(MAIL_DOMAIN);
    expect(result.ehlo.lines).toContain(`SIZE ${64 * 1024}`);
    expect(result.ehlo.lines).toContain('ENHANCEDSTATUSCODES');
    expect(result.ehlo.lines).not.toContain('AUTH');
    expect(result.ehlo.text.toLowerCase()).not.toMatch(/nodemailer|smtp-server|certbroker/);
    expect(result.rcpt[0]?.text).toBe('250 2.1.5 Accepted');
    expect(result.final?.text).toBe('250 2.6.0 Message accepted');
    expect(accepted.map((r) => r.orderId)).toEqual(['ord_open']);
    accepted.length = 0;
  });

  it('refuses at RCPT, with a 5xx and a plain sentence, every address it cannot route', async () => {
    const forged = to('ord_open').replace(/-([0-9a-f])([0-9a-f]{19})@/, (_, c: string, rest: string) => `-${c === '0' ? '1' : '0'}${rest}@`);
    const cases: [string, RegExp][] = [
      [forged, /^550 5\.1\.1 <.+>: unknown address; please reply to the address given in the email you are answering$/],
      [to('ord_open').replace(MAIL_DOMAIN, 'elsewhere.example'), /^550 5\.1\.1 <.+>: this server accepts mail for mail\.example\.net only$/],
      [`no-reply@${MAIL_DOMAIN}`, /^550 5\.1\.1 <.+>: unknown address/],
      [`bounces@${MAIL_DOMAIN}`, /^550 5\.1\.1 <.+>: unknown address/],
      [`postmaster@${MAIL_DOMAIN}`, /^550 5\.1\.1 <.+>: unknown address/],
      [replyAddress('ord_open', randomBytes(32), MAIL_DOMAIN), /^550 5\.1\.1 <.+>: unknown address/],
      [to('ord_gone'), /^550 5\.1\.1 <.+>: this address no longer exists; please contact your provider directly$/],
      [to('ord_closed'), /^550 5\.1\.1 <.+>: replies about this order are no longer accepted; please contact your provider directly$/],
      [to('ord_norep'), /^550 5\.1\.1 <.+>: replies about this order cannot be delivered; please contact your provider directly$/],
    ];
    for (const [address, reply] of cases) {
      const result = await sendSmtp(listener.port, { from: 'ada@customer.example.org', to: [address] }, rawMessage({}));
      expect(result.mail.code).toBe(250);
      expect(result.rcpt[0]?.text, address).toMatch(reply);
      expect(result.rcpt[0]?.text.toLowerCase()).not.toContain(TEST_PLATFORM_NAME);
      expect(result.data).toBeUndefined();
    }
    expect(accepted).toEqual([]);
  });

  it('answers 451 when the route cannot be looked up, so that the sender tries again', async () => {
    const result = await sendSmtp(listener.port, { from: 'ada@customer.example.org', to: [to('ord_dbdown')] }, rawMessage({}));
    expect(result.rcpt[0]?.text).toMatch(/^451 4\.3\.0 <.+>: temporary failure, please try again later$/);
  });

  it('answers 250 only once the reply is kept, and 451 while keeping it fails', async () => {
    const raw = rawMessage({ To: to('ord_open'), 'Message-ID': '<retry-1@customer.example.org>' });
    failAccepts = 1;
    const first = await sendSmtp(listener.port, { from: 'ada@customer.example.org', to: [to('ord_open')] }, raw);
    expect(first.final?.text).toBe('451 4.3.0 temporary failure, please try again later');
    expect(accepted).toEqual([]);
    const second = await sendSmtp(listener.port, { from: 'ada@customer.example.org', to: [to('ord_open')] }, raw);
    expect(second.final?.code).toBe(250);
    expect(accepted.map((r) => [r.orderId, r.resellerId, r.repEmail, r.messageId])).toEqual([['ord_open', 'res_1', 'rep@reseller.example', '<retry-1@customer.example.org>']]);
    accepted.length = 0;
  });

  it('refuses a message over the size limit with 552, announced or not', async () => {
    const big = rawMessage({}, `${'x'.repeat(998)}\r\n`.repeat(80));
    const announced = await sendSmtp(listener.port, { from: 'ada@customer.example.org', size: big.length, to: [to('ord_open')] }, big);
    expect(announced.mail.text).toMatch(/^552 /);
    const unannounced = await sendSmtp(listener.port, { from: 'ada@customer.example.org', to: [to('ord_open')] }, big);
    expect(unannounced.final?.text).toMatch(/^552 5\.3\.4 /);
    expect(accepted).toEqual([]);
  });

  it('takes delivery reports at the bounce address from the null sender only, and drops them', async () => {
    const dsn = rawMessage({ From: `Mail Delivery System <MAILER-DAEMON@mx.customer.example.org>`, 'Content-Type': 'multipart/report; report-type=delivery-status; boundary="b"' }, '--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--b--\r\n');
    const result = await sendSmtp(listener.port, { from: '', to: [`bounces@${MAIL_DOMAIN}`] }, dsn);
    expect(result.final?.code).toBe(250);
    expect(dropped.at(-1)).toMatchObject({ reason: 'bounce', detail: 'null reverse-path', recipients: [`bounces@${MAIL_DOMAIN}`] });
    expect(accepted).toEqual([]);
  });

  it('hands each of several reply addresses its own reply', async () => {
    const result = await sendSmtp(listener.port, { from: 'ada@customer.example.org', to: [to('ord_open'), to('ord_second'), to('ord_gone')] }, rawMessage({}));
    expect(result.rcpt.map((r) => r.code)).toEqual([250, 250, 550]);
    expect(result.final?.code).toBe(250);
    expect(accepted.map((r) => [r.orderId, r.repEmail])).toEqual([
      ['ord_open', 'rep@reseller.example'],
      ['ord_second', 'sales@other-reseller.example'],
    ]);
    accepted.length = 0;
  });

  it('names the customer by Reply-To, else From, else the envelope sender', async () => {
    const send = (headers: Record<string, string>, from = 'envelope@customer.example.org') => sendSmtp(listener.port, { from, to: [to('ord_open')] }, rawMessage(headers));
    await send({ 'Reply-To': 'Ada at home <ada@home.example.org>' });
    await send({});
    await send({ From: 'undisclosed-recipients:;' });
    expect(accepted.map((r) => r.from)).toEqual([
      { address: 'ada@home.example.org', name: 'Ada at home' },
      { address: 'ada@customer.example.org', name: 'Ada Lovelace' },
      { address: 'envelope@customer.example.org', name: '' },
    ]);
    accepted.length = 0;
    const nobody = await sendSmtp(listener.port, { from: 'ada@[192.0.2.1]', to: [to('ord_open')] }, rawMessage({ From: 'undisclosed-recipients:;' }));
    expect(nobody.final?.text).toMatch(/^554 5\.6\.0 The message has no sender address an answer could go to$/);
    expect(accepted).toEqual([]);
  });
});

/** The route and the keeping of a reply against the store, as the wiring in `orders/` is meant to do it. */
function storeInbound(h: MailHarness) {
  const closed = new Set(['rejected', 'cancelled', 'cancelled_by_supplier']);
  const resolve = async (orderId: string): Promise<InboundRoute | undefined> => {
    const row = await h.store.db
      .selectFrom('orders')
      .innerJoin('resellers', 'resellers.id', 'orders.reseller_id')
      .select(['orders.reseller_id', 'orders.status', 'resellers.rep_email'])
      .where('orders.id', '=', orderId)
      .executeTakeFirst();
    return row && { resellerId: row.reseller_id, repEmail: row.rep_email, acceptingReplies: !closed.has(row.status) };
  };
  const accept = async (reply: InboundReply): Promise<void> => {
    await h.store.db.transaction().execute(async (trx) => {
      const order = await trx.selectFrom('orders').select('language').where('id', '=', reply.orderId).executeTakeFirstOrThrow();
      const language = (LANGUAGES as readonly string[]).includes(order.language) ? (order.language as Language) : 'en';
      const forward = await h.platform.outbox.enqueueForward(trx, { orderId: reply.orderId, resellerId: reply.resellerId, to: reply.repEmail, language, customer: reply.from, original: reply });
      // An SMTP retry of a reply already kept adds nothing to the timeline either.
      if (!forward.created) return;
      await appendEvent(trx, {
        orderId: reply.orderId,
        at: h.clock.now(),
        type: 'reply.forwarded',
        fromStatus: null,
        toStatus: null,
        actor: { type: 'system', id: 'mail.inbound' },
        data: { outboxId: forward.id, messageId: forward.messageId, from: reply.from.address, to: reply.repEmail },
      });
    });
  };
  return { resolve, accept };
}

for (const db of DATABASES) {
  describe(`customer replies end to end on ${db.name}`, () => {
    let h: MailHarness;
    let listener: InboundSmtp;
    let client: ReturnType<typeof smtpClient>;
    const dropped: InboundDrop[] = [];
    let customers = 0;

    beforeAll(async () => {
      h = await startMailHarness(db);
      listener = await startInboundSmtp({ port: 0, mailDomain: h.mailDomain, replyKey: h.replyKey, maxMessageBytes: 256 * 1024, ...storeInbound(h), onDropped: (d) => dropped.push(d) });
      client = smtpClient(listener.port);
    });
    afterAll(async () => {
      client?.close();
      await listener?.close();
      await h?.close();
    });

    /** A reseller and an order; the customer's order confirmation, from the sink, carries the reply address. */
    async function orderWithConfirmation() {
      customers += 1;
      const repEmail = `rep${customers}@reseller${customers}.example.net`;
      const customer = `ada${customers}@customer.example.org`;
      const reseller = await h.reseller(repEmail);
      const order = await h.placeOrder(reseller.key, customer);
      await h.platform.runner.drain();
      const confirmation = await h.sink.waitFor((m) => m.to.includes(customer), 5000);
      const replyTo = confirmation.replyTo[0] ?? '';
      return { reseller, order, repEmail, customer, confirmation, replyTo };
    }

    const forwardsOf = (orderId: string) => h.store.db.selectFrom('mail_outbox').select(['id', 'message_id', 'recipient', 'status']).where('order_id', '=', orderId).where('template', '=', REPLY_FORWARD).execute();
    const eventsOf = async (orderId: string) => (await h.store.db.selectFrom('order_events').select(['type', 'data']).where('order_id', '=', orderId).execute()).filter((e) => e.type === 'reply.forwarded');

    it('forwards a reply with an attachment to the representative: Reply-To the customer, text and file intact, DKIM-signed', async () => {
      const { reseller, order, repEmail, customer, confirmation, replyTo } = await orderWithConfirmation();
      expect(replyTo).toMatch(new RegExp(`^r-${order.id}-[0-9a-f]{20}@mail\\.example\\.net$`));
      const file = randomBytes(3000);
      const text = `Hello,\nplease use hostmaster@${order.domain} for the approval.\n\nGrüße, Ada\n`;
      const sent = await client.sendMail({
        from: { name: 'Ada Lovelace', address: customer },
        to: replyTo,
        subject: `Re: ${confirmation.subject}`,
        text,
        inReplyTo: confirmation.messageId,
        references: confirmation.messageId,
        messageId: `<reply-${order.id}@customer.example.org>`,
        attachments: [{ filename: 'Übersicht.bin', content: file, contentType: 'application/octet-stream' }],
      });
      expect(sent.response).toMatch(/^250 /);
      expect(sent.accepted).toEqual([replyTo]);

      await h.platform.runner.drain();
      const forward = await h.sink.waitFor((m) => m.to.includes(repEmail), 5000);
      expect(forward.envelope).toEqual({ mailFrom: `bounces@${h.mailDomain}`, rcptTo: [repEmail] });
      expect(forward.from).toEqual({ address: `no-reply@${h.mailDomain}`, name: 'Ada Lovelace (customer reply)' });
      expect(forward.replyTo).toEqual([customer]);
      expect(forward.subject).toBe(`Re: ${confirmation.subject}`);
      expect(forward.messageId).toMatch(/^<msg_[0-9a-z]+@mail\.example\.net>$/);
      expect(forward.text).toContain(`A customer replied to an email about order ${order.id}.`);
      expect(forward.text).toContain(text);
      expect(forward.html).toContain('please use hostmaster@');
      expect(forward.attachments).toEqual([expect.objectContaining({ filename: 'Übersicht.bin', content: file })]);
      expect(forward.headers.get(LOOP_HEADER.toLowerCase())).toBe(loopToken(h.mailDomain));
      expect(forward.headers.get('auto-submitted')).toBe('auto-generated');
      expect(forward.headers.get('references')).toBe(`<reply-${order.id}@customer.example.org>`);
      const dkim = (await dkimVerify(forward.raw, { resolver: h.dkimResolver })).results[0];
      expect(dkim?.status.result).toBe('pass');
      expect(dkim?.signingDomain).toBe(h.mailDomain);
      const raw = forward.raw.toString('latin1').toLowerCase();
      expect(raw).not.toContain(TEST_PLATFORM_NAME);
      expect(raw).not.toContain(new URL(TEST_PUBLIC_BASE_URL).host);

      const timeline = (await h.call('GET', `/v1/orders/${order.id}`, { key: reseller.key })).json() as { events: { type: string }[] };
      expect(timeline.events.map((e) => e.type)).toContain('reply.forwarded');
      const staff = (await h.call('GET', `/v1/staff/messages?orderId=${order.id}&template=${REPLY_FORWARD}`, { key: h.staffKey })).json() as { data: { recipient: string; status: string; messageId: string; raw: string }[] };
      expect(staff.data).toEqual([expect.objectContaining({ recipient: repEmail, status: 'sent', messageId: forward.messageId })]);
      expect(staff.data[0]?.raw).toContain('DKIM-Signature:');
    });

    it('refuses forged, foreign and orderless reply addresses at RCPT with a 5xx', async () => {
      const { order, customer, replyTo } = await orderWithConfirmation();
      const mac = /-([0-9a-f]{20})@/.exec(replyTo)?.[1] ?? '';
      const addresses = [
        replyTo.replace(mac, `${mac.slice(0, 19)}${mac.endsWith('0') ? '1' : '0'}`),
        replyTo.replace(h.mailDomain, 'customer-facing.example'),
        replyAddress('ord_0000000000000000000', h.replyKey, h.mailDomain),
      ];
      for (const address of addresses) {
        const refused = await refusal(client.sendMail({ from: customer, to: address, subject: 'Re: your order', text: 'hello' }));
        expect(refused.command).toBe('RCPT TO');
        expect(refused.responseCode).toBe(550);
        expect(refused.response).toMatch(/^550 5\.1\.1 /);
      }
      expect(await forwardsOf(order.id)).toEqual([]);
    });

    it('refuses replies about a closed order at RCPT', async () => {
      const { order, customer, replyTo } = await orderWithConfirmation();
      await h.store.db.updateTable('orders').set({ status: 'cancelled' }).where('id', '=', order.id).execute();
      const refused = await refusal(client.sendMail({ from: customer, to: replyTo, subject: 'Re: your order', text: 'hello' }));
      expect(refused).toMatchObject({ command: 'RCPT TO', responseCode: 550 });
      expect(refused.response).toContain('no longer accepted');
    });

    it('refuses a reply over the size limit with 552', async () => {
      const { order, customer, replyTo } = await orderWithConfirmation();
      const refused = await refusal(client.sendMail({ from: customer, to: replyTo, subject: 'Re: big', text: 'see file', attachments: [{ filename: 'big.bin', content: randomBytes(300 * 1024) }] }));
      expect(refused.responseCode).toBe(552);
      expect(await forwardsOf(order.id)).toEqual([]);
    });

    it('accepts and drops auto-replies, bounces and loops: nothing is forwarded', async () => {
      const { order, customer, replyTo, repEmail } = await orderWithConfirmation();
      const before = dropped.length;
      const autoReply = await client.sendMail({ from: customer, to: replyTo, subject: 'Automatic reply: Your order', text: 'I am out of the office.', headers: { 'Auto-Submitted': 'auto-replied' } });
      expect(autoReply.response).toMatch(/^250 /);
      const vacation = await client.sendMail({ from: customer, to: replyTo, subject: 'Out of Office', text: 'Back on Monday.', headers: { 'X-Auto-Response-Suppress': 'All' } });
      expect(vacation.response).toMatch(/^250 /);
      const dsn = [
        `From: Mail Delivery System <MAILER-DAEMON@mx.customer.example.org>`,
        `To: ${replyTo}`,
        'Subject: Undelivered Mail Returned to Sender',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
        '',
        '--r',
        'Content-Type: text/plain',
        '',
        'The mail system could not deliver your message.',
        '--r',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.customer.example.org',
        '',
        `Final-Recipient: rfc822; ${customer}`,
        'Action: failed',
        'Status: 5.1.1',
        '--r--',
        '',
      ].join('\r\n');
      const bounce = await sendSmtp(listener.port, { from: '', to: [replyTo] }, dsn);
      expect(bounce.final?.code).toBe(250);
      const looped = await client.sendMail({ from: customer, to: replyTo, subject: 'Re: your order', text: 'forwarded by a rule', headers: { [LOOP_HEADER]: loopToken(h.mailDomain) } });
      expect(looped.response).toMatch(/^250 /);

      expect(dropped.slice(before).map((d) => d.reason)).toEqual(['automatic', 'automatic', 'bounce', 'loop']);
      await h.platform.runner.drain();
      expect(await forwardsOf(order.id)).toEqual([]);
      expect(await eventsOf(order.id)).toEqual([]);
      expect(h.sink.messages().filter((m) => m.to.includes(repEmail))).toEqual([]);
    });

    it('forwards the same reply sent twice once', async () => {
      const { order, customer, replyTo, repEmail } = await orderWithConfirmation();
      const reply = { from: customer, to: replyTo, subject: 'Re: twice', text: 'Sent twice by a retrying server.', messageId: `<twice-${order.id}@customer.example.org>` };
      await client.sendMail(reply);
      await client.sendMail(reply);
      await h.platform.runner.drain();
      const forwards = await forwardsOf(order.id);
      expect(forwards).toEqual([expect.objectContaining({ recipient: repEmail, status: 'sent' })]);
      expect(await eventsOf(order.id)).toHaveLength(1);
      await h.sink.waitFor((m) => m.messageId === forwards[0]?.message_id, 5000);
      expect(h.sink.messages().filter((m) => m.to.includes(repEmail))).toHaveLength(1);
      // A new reply (another Message-ID) is a new forward.
      await client.sendMail({ ...reply, messageId: `<third-${order.id}@customer.example.org>` });
      expect(await forwardsOf(order.id)).toHaveLength(2);
    });

    it('forwards a customer’s own words naming the platform: the guard checks only our parts', async () => {
      const { order, customer, replyTo, repEmail } = await orderWithConfirmation();
      const text = `I bought this through ${TEST_PLATFORM_NAME}, see ${TEST_PUBLIC_BASE_URL}/help`;
      await client.sendMail({ from: { name: `${TEST_PLATFORM_NAME} fan`, address: customer }, to: replyTo, subject: `Re: ${TEST_PLATFORM_NAME}?`, text });
      await h.platform.runner.drain();
      const forward = await h.sink.waitFor((m) => m.to.includes(repEmail), 5000);
      expect(forward.text).toContain(text);
      expect(forward.from?.name).toBe(`${TEST_PLATFORM_NAME} fan (customer reply)`);
      expect((await dkimVerify(forward.raw, { resolver: h.dkimResolver })).results[0]?.status.result).toBe('pass');
      expect(await eventsOf(order.id)).toHaveLength(1);
    });
  });

  describe(`reply forwards in the outbox on ${db.name}`, () => {
    let store: Store;
    let key: Awaited<ReturnType<typeof generateDkimKey>>;
    const clock = new FixedClock('2026-11-26T12:00:00Z');
    beforeAll(async () => {
      store = await db.open();
      key = await generateDkimKey();
    });
    afterAll(async () => {
      await store?.close();
    });

    const outbox = (platformName: string) => {
      const config: MailConfig = { mailDomain: MAIL_DOMAIN, dkim: { selector: 's1', privateKeyPem: key.privateKeyPem }, replyKey: Buffer.alloc(32, 7), platformName, publicBaseUrl: 'https://portal.example.com' };
      return new MailOutbox({ db: store.db, clock, queue: new JobQueue({ clock }), config });
    };
    const forwardOf = (orderId: string, resellerId: string, language: Language = 'en') => ({
      orderId,
      resellerId,
      to: 'rep@hosting-partner.example',
      language,
      customer: { address: 'ada@customer.example', name: 'Ada' },
      original: { subject: 'Re: x', text: 'hello', attachments: [], messageId: null, raw: Buffer.from('From: ada@customer.example\r\n\r\nhello\r\n') },
    });

    it('refuses a forward whose own parts would name the platform, and dedupes replies without a Message-ID by their bytes', async () => {
      const { orderId, resellerId } = await insertOrderFixture(store.db, clock.now());
      await expect(outbox('customer reply').enqueueForward(store.db, forwardOf(orderId, resellerId))).rejects.toThrow(WhiteLabelError);
      await expect(outbox('Kundenantwort').enqueueForward(store.db, forwardOf(orderId, resellerId, 'de'))).rejects.toThrow(WhiteLabelError);
      expect(await store.db.selectFrom('mail_outbox').select('id').where('order_id', '=', orderId).execute()).toEqual([]);

      const mail = outbox('certbroker');
      const first = await mail.enqueueForward(store.db, forwardOf(orderId, resellerId));
      const again = await mail.enqueueForward(store.db, forwardOf(orderId, resellerId));
      expect(again).toEqual({ ...first, created: false });
      const other = forwardOf(orderId, resellerId);
      const changed = await mail.enqueueForward(store.db, { ...other, original: { ...other.original, raw: Buffer.from('From: ada@customer.example\r\n\r\nhello again\r\n') } });
      expect(changed.created).toBe(true);
      await expect(mail.enqueueForward(store.db, { ...other, customer: { address: 'Ada <ada@customer.example>', name: '' } })).rejects.toThrow(TypeError);
    });

    it('renders the note in German for German orders and keeps the text part byte for byte', async () => {
      const { orderId, resellerId } = await insertOrderFixture(store.db, clock.now());
      const text = 'Zeile 1\r\n\tEingerückt <b>kein HTML</b>\r\n> zitiert\r\n';
      const forward = forwardOf(orderId, resellerId, 'de');
      const { id } = await outbox('certbroker').enqueueForward(store.db, { ...forward, original: { ...forward.original, text, messageId: '<de-1@customer.example>' } });
      const row = await store.db.selectFrom('mail_outbox').select(['raw', 'template', 'recipient']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ template: REPLY_FORWARD, recipient: 'rep@hosting-partner.example' });
      const parsed = await simpleParser(row.raw);
      expect(parsed.from?.value).toEqual([{ address: `no-reply@${MAIL_DOMAIN}`, name: 'Ada (Kundenantwort)' }]);
      expect(parsed.text).toContain(`Ein Kunde hat auf eine E-Mail zur Bestellung ${orderId} geantwortet.`);
      expect(parsed.text).toContain('Zeile 1\n\tEingerückt <b>kein HTML</b>\n> zitiert\n');
      expect(parsed.html).toContain('&lt;b&gt;kein HTML&lt;/b&gt;');
      expect(parsed.html).not.toContain('<b>kein');
    });
  });
}
