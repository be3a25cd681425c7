import { DOCUMENT_KIND_LABELS, type DocumentKind } from '../../domain/documents.js';
import type { Language } from '../../domain/order.js';
import { cleanLine, headerValue, html, text } from './escape.js';
import { genericEmail } from './generic.js';
import { detailsTable, domainsSummary, GENERIC_THEME, heading, nameList, paragraph, textDetails } from './layout.js';
import type { RenderedEmail } from './types.js';

/**
 * A document request, to the administrative contact: sent only when the reseller allowed the supplier
 * to contact its customers (otherwise the reseller alone hears of it). Generic and white-label like
 * every customer email: no reseller brand, no platform name, no link; replies reach the reseller.
 */
export interface DocumentsRequestData {
  readonly orderId: string;
  /** Names as the contact reads them. */
  readonly domains: readonly string[];
  readonly kind: DocumentKind;
  /** The certificate authority's note on what exactly it needs. */
  readonly note: string;
}

interface Strings {
  subject(domains: string): string;
  title: string;
  intro(needed: string): string;
  howTo: string;
  orderNumber: string;
  domains: string;
  note: string;
}

const STRINGS: Readonly<Record<Language, Strings>> = {
  en: {
    subject: (domains) => `Documents needed for your certificate order for ${domains}`,
    title: 'Documents needed to validate your organisation',
    intro: (needed) => `To validate the organisation named in your certificate order, the certificate authority needs ${needed}. The certificate is issued once the organisation is validated.`,
    howTo: 'Please send the documents to the provider you ordered the certificate from, or reply to this email: your reply reaches them.',
    orderNumber: 'Order number',
    domains: 'Domains',
    note: 'Details',
  },
  de: {
    subject: (domains) => `Unterlagen für Ihre Zertifikatsbestellung für ${domains} benötigt`,
    title: 'Unterlagen zur Validierung Ihrer Organisation benötigt',
    intro: (needed) => `Um die in Ihrer Zertifikatsbestellung genannte Organisation zu validieren, benötigt die Zertifizierungsstelle ${needed}. Das Zertifikat wird ausgestellt, sobald die Organisation validiert ist.`,
    howTo: 'Bitte senden Sie die Unterlagen an den Anbieter, bei dem Sie das Zertifikat bestellt haben, oder antworten Sie auf diese E-Mail: Ihre Antwort erreicht ihn.',
    orderNumber: 'Bestellnummer',
    domains: 'Domains',
    note: 'Einzelheiten',
  },
};

/** Renders the document request for the administrative contact in `language`. */
export function renderDocumentsRequest(data: DocumentsRequestData, language: Language): RenderedEmail {
  const s = STRINGS[language];
  const subject = headerValue(s.subject(domainsSummary(data.domains.map(cleanLine))));
  const intro = s.intro(DOCUMENT_KIND_LABELS[language][data.kind]);
  const rows: [string, string | readonly string[]][] = [
    [s.orderNumber, data.orderId],
    [s.domains, data.domains],
  ];
  if (data.note.trim() !== '') rows.push([s.note, data.note]);
  const body = html`${heading(s.title, GENERIC_THEME)}
${paragraph(intro)}${detailsTable(rows.map(([label, value]) => [label, typeof value === 'string' ? value : nameList(value)]))}${paragraph(s.howTo)}`;
  const textBody = text`${intro}

${textDetails(rows)}
${s.howTo}
`;
  return genericEmail(language, subject, body, textBody);
}
