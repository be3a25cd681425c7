import type { Language } from '../../domain/order.js';
import { cleanLine, headerValue, html, text } from './escape.js';
import { genericHtml, genericText, GENERIC_SENDER_NAME } from './generic.js';
import { detailsTable, domainsSummary, GENERIC_THEME, heading, nameList, paragraph, textDetails } from './layout.js';
import type { RenderedEmail } from './types.js';

/** What a notice to the reseller's account representative is about (seed step 3). */
export const RESELLER_NOTICE_KINDS = ['order-cancellable', 'refund-approved', 'refund-declined'] as const;
export type ResellerNoticeKind = (typeof RESELLER_NOTICE_KINDS)[number];

/**
 * A notice to the reseller's account representative about one of its orders: it passed its seven-day
 * window and may be cancelled, or staff decided a supplier cancellation's refund. Reseller-facing and
 * generic: it carries neither a customer's brand nor the platform's name.
 */
export interface ResellerNoticeData {
  readonly kind: ResellerNoticeKind;
  readonly orderId: string;
  readonly domains: readonly string[];
  /** Formatted amount with currency, e.g. "9.00 EUR". */
  readonly amount: string;
  /** Staff's note on a refund decision, if any. */
  readonly note: string | null;
}

interface Strings {
  subject: Record<ResellerNoticeKind, (orderId: string) => string>;
  body: Record<ResellerNoticeKind, (amount: string) => string>;
  orderNumber: string;
  domains: string;
  note: string;
}

const STRINGS: Readonly<Record<Language, Strings>> = {
  en: {
    subject: {
      'order-cancellable': (id) => `Order ${id} was not completed within seven days`,
      'refund-approved': (id) => `Refund approved for order ${id}`,
      'refund-declined': (id) => `Refund declined for order ${id}`,
    },
    body: {
      'order-cancellable': (amount) => `This order was released to the certificate authority more than seven days ago and is not completed. You may now cancel it; the cancellation refunds ${amount} to your account.`,
      'refund-approved': (amount) => `The certificate authority cancelled this order. The refund of ${amount} has been credited to your account.`,
      'refund-declined': () => 'The certificate authority cancelled this order. Its refund was declined; the note below says why.',
    },
    orderNumber: 'Order number',
    domains: 'Domains',
    note: 'Note',
  },
  de: {
    subject: {
      'order-cancellable': (id) => `Bestellung ${id} wurde nicht innerhalb von sieben Tagen abgeschlossen`,
      'refund-approved': (id) => `Erstattung für Bestellung ${id} genehmigt`,
      'refund-declined': (id) => `Erstattung für Bestellung ${id} abgelehnt`,
    },
    body: {
      'order-cancellable': (amount) => `Diese Bestellung wurde vor mehr als sieben Tagen an die Zertifizierungsstelle übergeben und ist nicht abgeschlossen. Sie können sie jetzt stornieren; die Stornierung erstattet ${amount} auf Ihr Konto.`,
      'refund-approved': (amount) => `Die Zertifizierungsstelle hat diese Bestellung storniert. Die Erstattung von ${amount} wurde Ihrem Konto gutgeschrieben.`,
      'refund-declined': () => 'Die Zertifizierungsstelle hat diese Bestellung storniert. Die Erstattung wurde abgelehnt; die Notiz unten nennt den Grund.',
    },
    orderNumber: 'Bestellnummer',
    domains: 'Domains',
    note: 'Notiz',
  },
};

/** Renders a notice to the reseller's account representative in `language`. */
export function renderResellerNotice(data: ResellerNoticeData, language: Language): RenderedEmail {
  const s = STRINGS[language];
  const subject = headerValue(s.subject[data.kind](cleanLine(data.orderId)));
  const message = s.body[data.kind](cleanLine(data.amount));
  const rows: [string, string | readonly string[]][] = [
    [s.orderNumber, data.orderId],
    [s.domains, data.domains],
  ];
  if (data.note !== null) rows.push([s.note, data.note]);
  const body = html`${heading(subject, GENERIC_THEME)}
${paragraph(message)}${detailsTable(rows.map(([label, value]) => [label, typeof value === 'string' ? value : nameList(value)]))}`;
  const textBody = text`${message}

${textDetails(rows)}
`;
  return {
    subject: headerValue(`${subject} (${domainsSummary(data.domains.map(cleanLine))})`),
    senderName: GENERIC_SENDER_NAME[language],
    text: genericText(language, textBody),
    html: genericHtml(language, subject, body),
    attachments: [],
  };
}
