import type { Language } from '../../domain/order.js';
import { cleanLine, headerValue, html, text } from './escape.js';
import { genericEmail } from './generic.js';
import { detailsTable, domainsSummary, GENERIC_THEME, heading, nameList, paragraph, textDetails } from './layout.js';
import type { RenderedEmail } from './types.js';

/**
 * The notice that an order is on hold, to the administrative and approver contacts (seed: fraud and
 * the order hold queue). Neutral on purpose: it says the order is being reviewed, never why, and it is
 * the same whether the platform or the supplier holds the order (DESIGN.md lifecycle).
 */
export interface HoldNoticeData {
  readonly orderId: string;
  /** Names as the contact reads them. */
  readonly domains: readonly string[];
}

interface Strings {
  subject(domains: string): string;
  title: string;
  intro: string;
  nothingToDo: string;
  orderNumber: string;
  domains: string;
}

const STRINGS: Readonly<Record<Language, Strings>> = {
  en: {
    subject: (domains) => `Your certificate order for ${domains} is being reviewed`,
    title: 'Your order is being reviewed',
    intro: 'Your order for an SSL/TLS certificate is being reviewed before it is processed further. Reviews like this are part of the regular process.',
    nothingToDo: 'You do not need to do anything now. If further information is needed, you will be contacted.',
    orderNumber: 'Order number',
    domains: 'Domains',
  },
  de: {
    subject: (domains) => `Ihre Zertifikatsbestellung für ${domains} wird geprüft`,
    title: 'Ihre Bestellung wird geprüft',
    intro: 'Ihre Bestellung eines SSL/TLS-Zertifikats wird geprüft, bevor sie weiter bearbeitet wird. Solche Prüfungen gehören zum regulären Ablauf.',
    nothingToDo: 'Sie müssen jetzt nichts unternehmen. Falls weitere Angaben benötigt werden, werden Sie kontaktiert.',
    orderNumber: 'Bestellnummer',
    domains: 'Domains',
  },
};

/** Renders the hold notice in `language`. */
export function renderHoldNotice(data: HoldNoticeData, language: Language): RenderedEmail {
  const s = STRINGS[language];
  const subject = headerValue(s.subject(domainsSummary(data.domains.map(cleanLine))));
  const body = html`${heading(s.title, GENERIC_THEME)}
${paragraph(s.intro)}${detailsTable([
    [s.orderNumber, data.orderId],
    [s.domains, nameList(data.domains)],
  ])}${paragraph(s.nothingToDo)}`;
  const textBody = text`${s.intro}

${textDetails([
    [s.orderNumber, data.orderId],
    [s.domains, data.domains],
  ])}
${s.nothingToDo}
`;
  return genericEmail(language, subject, body, textBody);
}
