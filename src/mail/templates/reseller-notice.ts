import { DOCUMENT_KIND_LABELS, type DocumentKind } from '../../domain/documents.js';
import type { Language } from '../../domain/order.js';
import { cleanLine, headerValue, html, text } from './escape.js';
import { genericHtml, genericText, GENERIC_SENDER_NAME } from './generic.js';
import { detailsTable, domainsSummary, formatDateTime, GENERIC_THEME, heading, nameList, paragraph, textDetails } from './layout.js';
import type { RenderedEmail } from './types.js';

/** What a notice to the reseller's account representative is about (seed step 3). */
export const RESELLER_NOTICE_KINDS = [
  'order-cancellable',
  'refund-approved',
  'refund-declined',
  'documents-requested',
  'renewal-csr-required',
  'renewal-failed',
  'certificate-expiring',
  'term-ending',
  'certificate-revoked',
] as const;
export type ResellerNoticeKind = (typeof RESELLER_NOTICE_KINDS)[number];

/**
 * A notice to the reseller's account representative about one of its orders: it passed its seven-day
 * window and may be cancelled, staff decided a supplier cancellation's refund, or the supplier asks for
 * documents to validate the organisation (OV/EV). Reseller-facing and generic: it carries neither a
 * customer's brand nor the platform's name, and never a link to a document.
 */
export interface ResellerNoticeData {
  readonly kind: ResellerNoticeKind;
  readonly orderId: string;
  readonly domains: readonly string[];
  /** Formatted amount with currency, e.g. "9.00 EUR"; the notices about money have one. */
  readonly amount?: string;
  /** Staff's note on a refund decision, or the supplier's on a document request, if any. */
  readonly note: string | null;
  /** The document request a `documents-requested` notice is about: the id to upload against, and what is needed. */
  readonly request?: { readonly id: string; readonly kind: DocumentKind };
  /** The subscription notices: when the certificate expires or the term ends. */
  readonly date?: Date;
  /** The certificate a subscription notice is about. */
  readonly serialNumber?: string;
}

interface Strings {
  subject: Record<ResellerNoticeKind, (orderId: string) => string>;
  body: Record<ResellerNoticeKind, (amount: string, date: string) => string>;
  orderNumber: string;
  domains: string;
  note: string;
  supplierNote: string;
  requested: string;
  requestId: string;
  serialNumber: string;
}

const STRINGS: Readonly<Record<Language, Strings>> = {
  en: {
    subject: {
      'order-cancellable': (id) => `Order ${id} was not completed within seven days`,
      'refund-approved': (id) => `Refund approved for order ${id}`,
      'refund-declined': (id) => `Refund declined for order ${id}`,
      'documents-requested': (id) => `Documents needed for order ${id}`,
      'renewal-csr-required': (id) => `A new CSR is needed to renew order ${id}`,
      'renewal-failed': (id) => `A further certificate of order ${id} could not be issued`,
      'certificate-expiring': (id) => `The certificate of order ${id} expires soon and has no successor yet`,
      'term-ending': (id) => `The term of order ${id} ends soon`,
      'certificate-revoked': (id) => `A certificate of order ${id} was revoked`,
    },
    body: {
      'order-cancellable': (amount) => `This order was released to the certificate authority more than seven days ago and is not completed. You may now cancel it; the cancellation refunds ${amount} to your account.`,
      'refund-approved': (amount) => `The certificate authority cancelled this order. The refund of ${amount} has been credited to your account.`,
      'refund-declined': () => 'The certificate authority cancelled this order. Its refund was declined; the note below says why.',
      'documents-requested': () =>
        'The certificate authority needs documents to validate the organisation named in this order; it will not issue the certificate before. Upload them with the order (POST /v1/orders/{id}/documents), naming the request below.',
      'renewal-csr-required': (_, date) =>
        `The certificate of this order expires on ${date} and the term goes on, so its successor is due. Send a new CSR for the same names (POST /v1/orders/{id}/renewal); the new certificate is issued as soon as it arrives.`,
      'renewal-failed': () => 'The certificate authority could not issue the reissued or next certificate of this order; the note below says why. The current certificate stays valid. Send a new CSR (POST /v1/orders/{id}/reissue or …/renewal) or contact support.',
      'certificate-expiring': (_, date) => `The certificate of this order expires on ${date}, and its successor has not been issued yet. If a new CSR or a domain approval is outstanding, please see to it now.`,
      'term-ending': (_, date) => `The term of this order ends on ${date}; no certificate is issued for it after that. To keep the site covered, place a renewal order (POST /v1/orders with renewsOrderId).`,
      'certificate-revoked': () => 'The certificate authority revoked the certificate below as you asked. Servers still using it must be given another certificate at once.',
    },
    orderNumber: 'Order number',
    domains: 'Domains',
    note: 'Note',
    supplierNote: 'Note from the certificate authority',
    requested: 'Needed',
    requestId: 'Request',
    serialNumber: 'Certificate serial number',
  },
  de: {
    subject: {
      'order-cancellable': (id) => `Bestellung ${id} wurde nicht innerhalb von sieben Tagen abgeschlossen`,
      'refund-approved': (id) => `Erstattung für Bestellung ${id} genehmigt`,
      'refund-declined': (id) => `Erstattung für Bestellung ${id} abgelehnt`,
      'documents-requested': (id) => `Unterlagen für Bestellung ${id} benötigt`,
      'renewal-csr-required': (id) => `Neuer CSR für die Verlängerung von Bestellung ${id} benötigt`,
      'renewal-failed': (id) => `Ein weiteres Zertifikat von Bestellung ${id} konnte nicht ausgestellt werden`,
      'certificate-expiring': (id) => `Das Zertifikat von Bestellung ${id} läuft bald ab und hat noch keinen Nachfolger`,
      'term-ending': (id) => `Die Laufzeit von Bestellung ${id} endet bald`,
      'certificate-revoked': (id) => `Ein Zertifikat von Bestellung ${id} wurde widerrufen`,
    },
    body: {
      'order-cancellable': (amount) => `Diese Bestellung wurde vor mehr als sieben Tagen an die Zertifizierungsstelle übergeben und ist nicht abgeschlossen. Sie können sie jetzt stornieren; die Stornierung erstattet ${amount} auf Ihr Konto.`,
      'refund-approved': (amount) => `Die Zertifizierungsstelle hat diese Bestellung storniert. Die Erstattung von ${amount} wurde Ihrem Konto gutgeschrieben.`,
      'refund-declined': () => 'Die Zertifizierungsstelle hat diese Bestellung storniert. Die Erstattung wurde abgelehnt; die Notiz unten nennt den Grund.',
      'documents-requested': () =>
        'Die Zertifizierungsstelle benötigt Unterlagen, um die in dieser Bestellung genannte Organisation zu validieren; vorher stellt sie das Zertifikat nicht aus. Laden Sie sie zur Bestellung hoch (POST /v1/orders/{id}/documents) und nennen Sie dabei die unten stehende Anfrage.',
      'renewal-csr-required': (_, date) =>
        `Das Zertifikat dieser Bestellung läuft am ${date} ab, die Laufzeit geht weiter: Sein Nachfolger ist fällig. Senden Sie einen neuen CSR für dieselben Namen (POST /v1/orders/{id}/renewal); das neue Zertifikat wird ausgestellt, sobald er eintrifft.`,
      'renewal-failed': () => 'Die Zertifizierungsstelle konnte das neu ausgestellte oder nächste Zertifikat dieser Bestellung nicht ausstellen; die Notiz unten nennt den Grund. Das aktuelle Zertifikat bleibt gültig. Senden Sie einen neuen CSR (POST /v1/orders/{id}/reissue oder …/renewal) oder wenden Sie sich an den Support.',
      'certificate-expiring': (_, date) => `Das Zertifikat dieser Bestellung läuft am ${date} ab, und sein Nachfolger ist noch nicht ausgestellt. Steht ein neuer CSR oder eine Domain-Bestätigung aus, erledigen Sie dies bitte jetzt.`,
      'term-ending': (_, date) => `Die Laufzeit dieser Bestellung endet am ${date}; danach wird kein Zertifikat mehr dafür ausgestellt. Damit die Website abgesichert bleibt, geben Sie eine Verlängerungsbestellung auf (POST /v1/orders mit renewsOrderId).`,
      'certificate-revoked': () => 'Die Zertifizierungsstelle hat das unten genannte Zertifikat wie gewünscht widerrufen. Server, die es noch verwenden, brauchen sofort ein anderes Zertifikat.',
    },
    orderNumber: 'Bestellnummer',
    domains: 'Domains',
    note: 'Notiz',
    supplierNote: 'Notiz der Zertifizierungsstelle',
    requested: 'Benötigt',
    requestId: 'Anfrage',
    serialNumber: 'Seriennummer des Zertifikats',
  },
};

/** Renders a notice to the reseller's account representative in `language`. */
export function renderResellerNotice(data: ResellerNoticeData, language: Language): RenderedEmail {
  const s = STRINGS[language];
  const subject = headerValue(s.subject[data.kind](cleanLine(data.orderId)));
  const message = s.body[data.kind](cleanLine(data.amount ?? ''), data.date === undefined ? '' : formatDateTime(data.date, language));
  const rows: [string, string | readonly string[]][] = [
    [s.orderNumber, data.orderId],
    [s.domains, data.domains],
  ];
  if (data.serialNumber !== undefined) rows.push([s.serialNumber, data.serialNumber]);
  if (data.request !== undefined) rows.push([s.requested, DOCUMENT_KIND_LABELS[language][data.request.kind]], [s.requestId, data.request.id]);
  if (data.note !== null) rows.push([data.request === undefined ? s.note : s.supplierNote, data.note]);
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
