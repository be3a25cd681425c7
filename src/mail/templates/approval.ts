import type { Language } from '../../domain/order.js';
import { cleanLine, headerValue, html, text } from './escape.js';
import { genericEmail } from './generic.js';
import { button, codeBox, detailsTable, domainsSummary, formatDateTime, GENERIC_THEME, heading, nameList, paragraph, textDetails } from './layout.js';
import type { RenderedEmail } from './types.js';

/**
 * The approval email to the approver email contact (seed step 2.2): generic, and its only link is the
 * certificate authority's own validation site, never the platform's website.
 */
export interface ApprovalData {
  /** Names as the approver reads them. */
  readonly domains: readonly string[];
  /** The supplier's validation site (http or https). */
  readonly approvalUrl: string;
  readonly approvalCode: string;
  readonly expiresAt: Date;
}

interface Strings {
  subject(domains: string): string;
  title: string;
  intro: string;
  domains: string;
  code: string;
  expires: string;
  instructions: string;
  action: string;
  ignore: string;
}

const STRINGS: Readonly<Record<Language, Strings>> = {
  en: {
    subject: (domains) => `Approval required: certificate for ${domains}`,
    title: 'Please approve the certificate request',
    intro: 'An SSL/TLS certificate has been requested for the domains below. As their approver, you decide whether it may be issued.',
    domains: 'Domains',
    code: 'Approval code',
    expires: 'Valid until',
    instructions: 'Open the validation page and enter the approval code to approve the request:',
    action: 'Open the validation page',
    ignore: 'If you did not expect this request, ignore this email: no certificate is issued without your approval.',
  },
  de: {
    subject: (domains) => `Bestätigung erforderlich: Zertifikat für ${domains}`,
    title: 'Bitte bestätigen Sie die Zertifikatsanfrage',
    intro: 'Für die unten genannten Domains wurde ein SSL/TLS-Zertifikat beantragt. Als zuständige Kontaktperson entscheiden Sie, ob es ausgestellt werden darf.',
    domains: 'Domains',
    code: 'Bestätigungscode',
    expires: 'Gültig bis',
    instructions: 'Öffnen Sie die Bestätigungsseite und geben Sie dort den Bestätigungscode ein, um die Anfrage zu bestätigen:',
    action: 'Bestätigungsseite öffnen',
    ignore: 'Falls Sie diese Anfrage nicht erwartet haben, ignorieren Sie diese E-Mail: Ohne Ihre Bestätigung wird kein Zertifikat ausgestellt.',
  },
};

/** The approval link, refused unless it is a plain http(s) URL: it becomes an `href`. */
function approvalLink(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('approval email: approvalUrl is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('approval email: approvalUrl must be an http or https URL');
  if (url.username !== '' || url.password !== '') throw new TypeError('approval email: approvalUrl may not carry credentials');
  return url.href;
}

/** Renders the approval email in `language`. */
export function renderApproval(data: ApprovalData, language: Language): RenderedEmail {
  const s = STRINGS[language];
  const link = approvalLink(data.approvalUrl);
  const code = cleanLine(data.approvalCode);
  const expires = formatDateTime(data.expiresAt, language);
  const subject = headerValue(s.subject(domainsSummary(data.domains.map(cleanLine))));

  const body = html`${heading(s.title, GENERIC_THEME)}
${paragraph(s.intro)}${detailsTable([
    [s.domains, nameList(data.domains)],
    [s.expires, expires],
  ])}${paragraph(s.instructions)}${codeBox(code)}${button(link, s.action, GENERIC_THEME)}${paragraph(s.ignore)}`;

  const textBody = text`${s.intro}

${textDetails([
    [s.domains, data.domains],
    [s.expires, expires],
  ])}
${s.instructions}

${s.code}: ${code}
${link}

${s.ignore}
`;

  return genericEmail(language, subject, body, textBody);
}
