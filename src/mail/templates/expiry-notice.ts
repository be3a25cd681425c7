import type { Language } from '../../domain/order.js';
import { cleanLine, headerValue, html, text } from './escape.js';
import { genericEmail } from './generic.js';
import { detailsTable, domainsSummary, formatDateTime, heading, nameList, paragraph, textDetails, GENERIC_THEME } from './layout.js';
import type { RenderedEmail } from './types.js';

/** What an expiry notice is about: a certificate expiring with no successor yet, or the end of the term. */
export const EXPIRY_NOTICE_KINDS = ['certificate-expiring', 'term-ending'] as const;
export type ExpiryNoticeKind = (typeof EXPIRY_NOTICE_KINDS)[number];

/**
 * The reminder to the administrative contact that a certificate is about to expire (issue:
 * subscriptions). Generic and white-label like every customer email but the confirmation: no brand,
 * no link, no platform name; it points the customer to their provider, whoever that is.
 */
export interface ExpiryNoticeData {
  readonly kind: ExpiryNoticeKind;
  readonly orderId: string;
  readonly domains: readonly string[];
  /** When the certificate expires, or the term ends. */
  readonly at: Date;
}

interface Strings {
  subject: Record<ExpiryNoticeKind, (domains: string) => string>;
  title: Record<ExpiryNoticeKind, string>;
  body: Record<ExpiryNoticeKind, (date: string) => string>;
  orderNumber: string;
  domains: string;
  date: Record<ExpiryNoticeKind, string>;
}

const STRINGS: Readonly<Record<Language, Strings>> = {
  en: {
    subject: {
      'certificate-expiring': (domains) => `Your SSL/TLS certificate for ${domains} expires soon`,
      'term-ending': (domains) => `The certificate subscription for ${domains} ends soon`,
    },
    title: { 'certificate-expiring': 'Your certificate expires soon', 'term-ending': 'Your certificate subscription ends soon' },
    body: {
      'certificate-expiring': (date) =>
        `The SSL/TLS certificate for the domains below expires on ${date}. Its successor is on the way but has not been issued yet. If you were asked to confirm control of a domain, please do so now; otherwise nothing is needed from you.`,
      'term-ending': (date) =>
        `The subscription for the SSL/TLS certificate of the domains below ends on ${date}. After that date no new certificate is issued for it. To keep your website secure, please ask your provider to renew it.`,
    },
    orderNumber: 'Order number',
    domains: 'Domains',
    date: { 'certificate-expiring': 'Expires', 'term-ending': 'Subscription ends' },
  },
  de: {
    subject: {
      'certificate-expiring': (domains) => `Ihr SSL/TLS-Zertifikat für ${domains} läuft bald ab`,
      'term-ending': (domains) => `Das Zertifikatsabonnement für ${domains} endet bald`,
    },
    title: { 'certificate-expiring': 'Ihr Zertifikat läuft bald ab', 'term-ending': 'Ihr Zertifikatsabonnement endet bald' },
    body: {
      'certificate-expiring': (date) =>
        `Das SSL/TLS-Zertifikat für die unten genannten Domains läuft am ${date} ab. Sein Nachfolger ist unterwegs, aber noch nicht ausgestellt. Wurden Sie gebeten, die Kontrolle über eine Domain zu bestätigen, tun Sie dies bitte jetzt; sonst müssen Sie nichts unternehmen.`,
      'term-ending': (date) =>
        `Das Abonnement für das SSL/TLS-Zertifikat der unten genannten Domains endet am ${date}. Danach wird dafür kein neues Zertifikat mehr ausgestellt. Damit Ihre Website sicher bleibt, bitten Sie Ihren Anbieter um eine Verlängerung.`,
    },
    orderNumber: 'Bestellnummer',
    domains: 'Domains',
    date: { 'certificate-expiring': 'Läuft ab am', 'term-ending': 'Abonnement endet am' },
  },
};

/** Renders the expiry notice in `language`. */
export function renderExpiryNotice(data: ExpiryNoticeData, language: Language): RenderedEmail {
  const s = STRINGS[language];
  const subject = headerValue(s.subject[data.kind](domainsSummary(data.domains.map(cleanLine))));
  const date = formatDateTime(data.at, language);
  const message = s.body[data.kind](date);
  const body = html`${heading(s.title[data.kind], GENERIC_THEME)}
${paragraph(message)}${detailsTable([
    [s.orderNumber, data.orderId],
    [s.domains, nameList(data.domains)],
    [s.date[data.kind], date],
  ])}`;
  const textBody = text`${message}

${textDetails([
    [s.orderNumber, data.orderId],
    [s.domains, data.domains],
    [s.date[data.kind], date],
  ])}
`;
  return genericEmail(language, subject, body, textBody);
}
