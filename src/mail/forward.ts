import type { Language } from '../domain/order.js';
import { headerValue, html, text, type SafeText } from './templates/escape.js';
import { detailsTable, GENERIC_THEME, htmlDocument, textDetails } from './templates/layout.js';
import type { EmailAttachment, RenderedEmail } from './templates/types.js';

/**
 * The forward of a customer's reply to the reseller's account representative (DESIGN.md Emails). It is
 * not a customer email and not one of the templates: it goes to the reseller, from our private domain
 * (so it passes SPF and DMARC), with the customer as Reply-To, and carries the customer's words and
 * files unchanged below a short note of ours.
 */

/** The outbox's `template` value for forwards. */
export const REPLY_FORWARD = 'reply-forward';

/** The loop-detection header every forward carries; the inbound listener drops a message that has it again. */
export const LOOP_HEADER = 'X-Loop';

/** The value of {@link LOOP_HEADER} on the forwards of `mailDomain`. */
export function loopToken(mailDomain: string): string {
  return `reply-forward@${mailDomain.toLowerCase()}`;
}

/** The customer's reply as it is forwarded (structurally a subset of the listener's `InboundReply`). */
export interface ForwardedReply {
  readonly subject: string;
  /** The plain text (mailparser derives it from the HTML when the reply had none). */
  readonly text: string;
  readonly attachments: readonly EmailAttachment[];
  /** The reply's Message-ID with its angle brackets; null when it had none. */
  readonly messageId: string | null;
  /** The reply as received: tells an SMTP retry from a new reply when there is no Message-ID. */
  readonly raw: Buffer;
}

/** One forward to enqueue with `MailOutbox.enqueueForward`. */
export interface ReplyForward {
  readonly orderId: string;
  readonly resellerId: string;
  /** The representative: one plain address. */
  readonly to: string;
  /** The order's language, which the reseller's own orders default to. */
  readonly language: Language;
  /** Where the representative's answer goes. */
  readonly customer: { readonly address: string; readonly name: string };
  readonly original: ForwardedReply;
  /** Tells apart deliberate second forwards of the same reply (staff resending it). Default 0. */
  readonly sequence?: number;
}

const WORDS: Readonly<
  Record<
    Language,
    {
      readonly sender: string;
      readonly intro: (orderId: string) => string;
      readonly from: string;
      readonly subject: string;
      readonly files: string;
      readonly answer: (address: string) => string;
      readonly divider: string;
      readonly noSubject: (orderId: string) => string;
    }
  >
> = {
  en: {
    sender: 'customer reply',
    intro: (orderId) => `A customer replied to an email about order ${orderId}.`,
    from: 'From',
    subject: 'Subject',
    files: 'Attachments',
    answer: (address) => `Use "Reply" to answer: your answer goes straight to the customer at ${address}.`,
    divider: 'Reply',
    noSubject: (orderId) => `Reply about order ${orderId}`,
  },
  de: {
    sender: 'Kundenantwort',
    intro: (orderId) => `Ein Kunde hat auf eine E-Mail zur Bestellung ${orderId} geantwortet.`,
    from: 'Von',
    subject: 'Betreff',
    files: 'Anhänge',
    answer: (address) => `Mit „Antworten“ geht Ihre Antwort direkt an den Kunden (${address}).`,
    divider: 'Antwort',
    noSubject: (orderId) => `Antwort zur Bestellung ${orderId}`,
  },
};

/** A MIME type as `type/subtype` (RFC 2045 token characters), else the neutral default: it lands in a header. */
const MIME_TYPE = /^[A-Za-z0-9!#$&^_.+-]{1,64}\/[A-Za-z0-9!#$&^_.+-]{1,64}$/;

/** The customer's files as forward attachments: bytes unchanged, inline images become plain attachments. */
function forwardedFiles(files: readonly EmailAttachment[]): EmailAttachment[] {
  return files.map((file, i) => ({
    filename: file.filename.trim() === '' ? `attachment-${i + 1}` : file.filename,
    contentType: MIME_TYPE.test(file.contentType) ? file.contentType.toLowerCase() : 'application/octet-stream',
    content: file.content,
  }));
}

/**
 * Renders the forward. Only the note above the reply is ours (and is what the white-label guard
 * checks); the customer's text follows it in the plain-text part exactly as received (line ends
 * normalised), and as escaped text in the HTML part, so that no markup of the customer's renders as
 * if it were ours.
 */
export function renderReplyForward(forward: Pick<ReplyForward, 'orderId' | 'customer' | 'original'>, language: Language): RenderedEmail {
  const words = WORDS[language];
  const { customer, original, orderId } = forward;
  // RenderedEmail's subject and sender name are single clean lines: they become header fields.
  const subject = headerValue(original.subject) || words.noSubject(orderId);
  const files = forwardedFiles(original.attachments);
  const who = customer.name.trim() === '' ? customer.address : `${customer.name} <${customer.address}>`;
  const rows: [string, string][] = [
    [words.from, who],
    [words.subject, subject],
    ...(files.length > 0 ? [[words.files, files.map((f) => f.filename).join(', ')] as [string, string]] : []),
  ];
  const body = original.text.replace(/\r\n?/g, '\n');
  const note: SafeText = text`${words.intro(orderId)}\n\n${textDetails(rows)}${words.answer(customer.address)}\n\n---------- ${words.divider} ----------\n`;
  return {
    subject,
    senderName: `${headerValue(customer.name, 60) || customer.address} (${words.sender})`,
    text: `${note.value}${body}${body.endsWith('\n') ? '' : '\n'}`,
    html: htmlDocument({
      language,
      title: subject,
      theme: GENERIC_THEME,
      header: html`<span style="font-size:17px;font-weight:bold;color:${GENERIC_THEME.primary};">${words.intro(orderId)}</span>`,
      body: html`${detailsTable(rows)}<hr style="border:0;border-top:1px solid #e0e0e0;margin:0 0 16px;">
<div style="white-space:pre-wrap;word-break:break-word;">${body}</div>`,
      footer: html`${words.answer(customer.address)}`,
    }),
    attachments: files,
  };
}

/**
 * Stand-ins for everything of the customer's (and the representative's address): the white-label
 * guard checks the forward as composed around them, so that it checks our parts only. A customer may
 * name the platform in their own reply; withholding the reply for that would lose it.
 */
export const GUARD_STAND_INS = {
  to: 'representative@example.invalid',
  customer: { address: 'customer@example.invalid', name: '' },
  original: { subject: '', text: '', attachments: [], messageId: null, raw: Buffer.alloc(0) },
} as const satisfies { to: string; customer: ReplyForward['customer']; original: ForwardedReply };

/** An RFC 5322 msg-id, strict enough to be copied into a header as is. */
const MSG_ID = /^<[\x21-\x3b\x3d\x3f-\x7e]{1,250}@[\x21-\x3b\x3d\x3f-\x7e]{1,250}>$/;

/**
 * The forward's own header fields: the loop token, and References to the customer's message so that
 * the representative's answer threads with it in the customer's mailbox.
 */
export function forwardHeaders(mailDomain: string, original: Pick<ForwardedReply, 'messageId'>): Record<string, string> {
  return {
    [LOOP_HEADER]: loopToken(mailDomain),
    ...(original.messageId !== null && MSG_ID.test(original.messageId) && { References: original.messageId }),
  };
}
