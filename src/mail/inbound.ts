import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { bounceAddress, isPlainAddress } from './compose.js';
import { classifyInbound, type DropReason } from './inbound-filter.js';
import { verifyReplyAddress } from './reply-address.js';
import type { EmailAttachment } from './templates/types.js';

/**
 * The inbound SMTP listener for the private mail domain (DESIGN.md Emails, `INBOUND_SMTP_PORT`).
 * Customers' replies to the signed per-order reply addresses are handed to `accept` (which forwards
 * them to the reseller's representative); everything else is settled during the SMTP conversation:
 *
 * - at RCPT: an address that is not ours, not validly signed, of no order, of an order that takes no
 *   more replies or of a reseller without a representative is refused with a 5xx and a plain
 *   sentence. The sender's own server then returns the message to the sender. Accepting it first
 *   would oblige us to send that notice ourselves (RFC 5321 §6.1), to a sender address anyone can
 *   forge: backscatter;
 * - at DATA: delivery reports, automatic responses and loops are accepted and dropped (see
 *   `inbound-filter.ts`); a reply is answered with 250 only once `accept` has kept it, since the 250
 *   takes over responsibility for it (RFC 5321 §6.1), and with a 451 if that failed, so that the
 *   sender's server tries again rather than the reply being lost.
 *
 * The replies (the texts of the 5xx included) name only the mail domain, never the platform: the
 * sender's server quotes them to the customer.
 */

/** Where the replies of one order go, as the wiring looks them up. */
export interface InboundRoute {
  readonly resellerId: string;
  /** The reseller's account representative; null: the reseller has none, and replies are refused. */
  readonly repEmail: string | null;
  /** False when the order takes no more replies (closed long ago, say); default true. */
  readonly acceptingReplies?: boolean;
}

/** A customer's reply, parsed, for `accept`. */
export interface InboundReply {
  readonly orderId: string;
  readonly resellerId: string;
  readonly repEmail: string;
  /**
   * Where an answer to the customer goes: the reply's Reply-To, else its From, else its envelope
   * sender (the first that is one plain address); the name is the From name when that address has
   * none.
   */
  readonly from: { readonly address: string; readonly name: string };
  readonly subject: string;
  /** The plain text; mailparser derives it from the HTML when the reply had only HTML. */
  readonly text: string;
  readonly html: string | null;
  /** Every file of the reply, inline images included, bytes unchanged. */
  readonly attachments: readonly EmailAttachment[];
  /** The message exactly as received. */
  readonly raw: Buffer;
  /** The reply's Message-ID with its angle brackets; null when it had none. */
  readonly messageId: string | null;
}

/** A message accepted and dropped (for logs and tests). */
export interface InboundDrop {
  readonly reason: DropReason;
  /** The rule that matched, e.g. `Auto-Submitted: auto-replied`. */
  readonly detail: string;
  readonly recipients: readonly string[];
  readonly messageId: string | null;
}

/** How the listener is started. */
export interface InboundSmtpOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Default 127.0.0.1; the public MX binds to the outside interface. */
  readonly host?: string;
  /** The private mail domain: the only one mail is accepted for, and the name the server greets with. */
  readonly mailDomain: string;
  /** The key the reply addresses are signed with (`MailConfig.replyKey`). */
  readonly replyKey: Buffer;
  /** The largest message accepted, announced with SIZE (RFC 1870); default {@link INBOUND_MAX_MESSAGE_BYTES}. */
  readonly maxMessageBytes?: number;
  /** Connections served at once; default {@link INBOUND_MAX_CLIENTS}. */
  readonly maxClients?: number;
  /** The route of an order; undefined when there is no such order. A throw answers 451. */
  readonly resolve: (orderId: string) => Promise<InboundRoute | undefined>;
  /** Keeps a reply (forward and timeline entry, in one transaction); safe to call again for the same reply. */
  readonly accept: (reply: InboundReply) => Promise<void>;
  /** Told about every message accepted and dropped. */
  readonly onDropped?: (drop: InboundDrop) => void;
}

/** A running listener. */
export interface InboundSmtp {
  /** The port it listens on (the one asked for, or the free one chosen for port 0). */
  readonly port: number;
  /** Stops listening and closes the open connections. */
  close(): Promise<void>;
}

/** 10 MiB: replies with a few documents fit; the forward of such a reply still fits common relays' 25 MB. */
export const INBOUND_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Connections served at once: each may hold a message of up to the size limit in memory. */
export const INBOUND_MAX_CLIENTS = 50;
/**
 * Recipients per message. A reply has one of our addresses, rarely a few; past this the client is
 * told 452 and sends the rest in another transaction (RFC 5321 §4.5.3.1.10).
 */
const MAX_RECIPIENTS = 10;
/** Open connections get this long to finish when the listener closes. */
const CLOSE_TIMEOUT_MS = 5_000;
/** The same 250 for forwarded and dropped messages: a sender learns nothing from the difference. */
const ACCEPTED = 'Message accepted';

type Recipient = { readonly kind: 'reply'; readonly orderId: string; readonly route: InboundRoute & { readonly repEmail: string } } | { readonly kind: 'bounces' };

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

function addressesOf(value: AddressObject | AddressObject[] | undefined): { address: string; name: string }[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return objects.flatMap((o) => o.value.flatMap((a) => a.group ?? [a])).map((a) => ({ address: a.address ?? '', name: a.name }));
}

/** The top-level header fields, names lower-cased and values unfolded (RFC 5322 §2.2.3). */
function headerFields(mail: ParsedMail): [string, string][] {
  return mail.headerLines.map(({ key, line }) => [key.toLowerCase(), line.slice(line.indexOf(':') + 1).replace(/\r?\n(?=[ \t])/g, '').trim()]);
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Starts the listener; resolves once it listens. */
export async function startInboundSmtp(options: InboundSmtpOptions): Promise<InboundSmtp> {
  const mailDomain = options.mailDomain.toLowerCase();
  const bounces = bounceAddress(mailDomain);
  const maxMessageBytes = options.maxMessageBytes ?? INBOUND_MAX_MESSAGE_BYTES;
  // What each accepted RCPT resolved to, keyed by the envelope entry smtp-server keeps for it: it goes
  // away with the transaction, and DATA uses the answer given at RCPT rather than asking again.
  const recipients = new WeakMap<SMTPServerAddress, Recipient>();

  async function recipient(rcpt: string, mailFrom: string): Promise<Recipient> {
    // Order ids are lower case (`newId`): a relay that changes the case of a local part breaks nothing.
    const address = rcpt.toLowerCase();
    if (domainOf(address) !== mailDomain) throw smtpError(550, `<${rcpt}>: this server accepts mail for ${mailDomain} only`);
    // RFC 5321 §4.5.5: delivery reports come with the null reverse-path, to the bounce address our
    // messages are sent from. Nothing else is expected there.
    if (address === bounces && mailFrom === '') return { kind: 'bounces' };
    const verified = verifyReplyAddress(address, options.replyKey);
    if (!verified) throw smtpError(550, `<${rcpt}>: unknown address; please reply to the address given in the email you are answering`);
    let route: InboundRoute | undefined;
    try {
      route = await options.resolve(verified.orderId);
    } catch {
      throw smtpError(451, `<${rcpt}>: temporary failure, please try again later`);
    }
    if (!route) throw smtpError(550, `<${rcpt}>: this address no longer exists; please contact your provider directly`);
    if (route.acceptingReplies === false) throw smtpError(550, `<${rcpt}>: replies about this order are no longer accepted; please contact your provider directly`);
    const { repEmail } = route;
    if (repEmail === null) throw smtpError(550, `<${rcpt}>: replies about this order cannot be delivered; please contact your provider directly`);
    return { kind: 'reply', orderId: verified.orderId, route: { ...route, repEmail } };
  }

  async function receive(raw: Buffer, session: SMTPServerSession): Promise<void> {
    const mailFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
    const rcpts = session.envelope.rcptTo;
    let mail: ParsedMail;
    try {
      mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
    } catch {
      throw smtpError(554, 'The message could not be read');
    }
    const messageId = mail.messageId ?? null;
    const from = addressesOf(mail.from);
    const replyTo = addressesOf(mail.replyTo);
    const sender = addressesOf(mail.headers.get('sender') as AddressObject | undefined);
    const verdict = classifyInbound(
      { mailFrom, headers: headerFields(mail), senders: [...from, ...sender, ...replyTo].map((a) => a.address).filter((a) => a !== ''), subject: mail.subject ?? '' },
      mailDomain,
    );
    if (verdict.kind === 'drop') {
      options.onDropped?.({ reason: verdict.reason, detail: verdict.detail, recipients: rcpts.map((r) => r.address), messageId });
      return;
    }
    // The bounce address takes null-sender mail only, which was dropped above: what is left are replies.
    const replies = rcpts.flatMap((r) => {
      const found = recipients.get(r);
      return found?.kind === 'reply' ? [found] : [];
    });
    // Addresses on the mail domain never get here: the filter took them for loops.
    const customer = [...replyTo, ...from, { address: mailFrom, name: '' }].find((a) => isPlainAddress(a.address));
    // RFC 5321 §4.2.3: 554, the transaction failed; the reply would have nowhere to go back to.
    if (!customer) throw smtpError(554, 'The message has no sender address an answer could go to');
    const reply = {
      from: { address: customer.address, name: customer.name || (from[0]?.name ?? '') },
      subject: mail.subject ?? '',
      text: mail.text ?? '',
      html: typeof mail.html === 'string' ? mail.html : null,
      attachments: mail.attachments.map((a, i) => ({ filename: a.filename ?? `attachment-${i + 1}`, contentType: a.contentType, content: a.content })),
      raw,
      messageId,
    };
    for (const { orderId, route } of replies) {
      try {
        await options.accept({ ...reply, orderId, resellerId: route.resellerId, repEmail: route.repEmail });
      } catch {
        // The reply is not kept yet: a 4xx makes the sender's server try again (RFC 5321 §4.2.1), and
        // `accept` is idempotent, so the recipients that did succeed are not forwarded twice.
        throw smtpError(451, 'temporary failure, please try again later');
      }
    }
  }

  const server = new SMTPServer({
    // The greeting and the EHLO answer name the mail domain, never the machine or the platform.
    name: mailDomain,
    heloResponse: '%s',
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxMessageBytes,
    // 552 for a message over the limit, whatever onData says (RFC 1870; RFC 5321 §4.5.3.1.9).
    rejectOversized: true,
    hideENHANCEDSTATUSCODES: false,
    maxRecipients: MAX_RECIPIENTS,
    maxClients: options.maxClients ?? INBOUND_MAX_CLIENTS,
    closeTimeout: CLOSE_TIMEOUT_MS,
    // The client's name from reverse DNS would only be logged; the lookup adds latency and DNS traffic.
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, session, callback) {
      const mailFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
      recipient(address.address, mailFrom).then(
        (found) => {
          recipients.set(address, found);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        // Past the limit the rest is read and dropped: smtp-server answers 552 at the end.
        if (!stream.sizeExceeded) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback();
          return;
        }
        receive(Buffer.concat(chunks), session).then(
          () => callback(null, ACCEPTED),
          (error: Error) => callback(error),
        );
      });
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
  // A failing client connection is that client's problem; the listener keeps serving the others.
  server.on('error', () => undefined);

  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
