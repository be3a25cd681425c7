import type { Language } from '../../domain/order.js';
import { cleanLine, headerValue, html, text, type SafeHtml, type SafeText } from './escape.js';
import { genericEmail } from './generic.js';
import { detailsTable, domainsSummary, formatDateTime, GENERIC_THEME, heading, paragraph, textDetails } from './layout.js';
import type { RenderedEmail } from './types.js';

/**
 * The domain-control instructions email to the approver contact: for suppliers without email approval
 * (ACME CAs) it takes the place of the approval email. Generic, and it links nowhere: the record to
 * publish and the file to serve are shown as text to copy, including the customer's own file address.
 */
export interface DcvInstructionsData {
  readonly instructions: readonly {
    /** The name as the contact reads it (`*.example.com` for a wildcard). */
    readonly domain: string;
    readonly method: 'dns-01' | 'http-01';
    readonly recordName?: string;
    readonly recordValue?: string;
    readonly url?: string;
    readonly content?: string;
    /** The method the order asked for when it cannot be used for this name. */
    readonly replaces?: 'email' | 'http' | 'dns';
  }[];
  readonly expiresAt: Date | null;
}

interface Strings {
  subject(domains: string): string;
  title: string;
  intro: string;
  dns: string;
  http: string;
  name: string;
  type: string;
  value: string;
  address: string;
  content: string;
  replaces: Readonly<Record<'email' | 'http' | 'dns', string>>;
  expires: string;
  after: string;
  ignore: string;
}

const STRINGS: Readonly<Record<Language, Strings>> = {
  en: {
    subject: (domains) => `Action required: confirm control of ${domains}`,
    title: 'Please confirm control of your domains',
    intro: 'An SSL/TLS certificate has been requested for the domains below. To confirm that the request comes from whoever controls them, publish the following, exactly as shown.',
    dns: 'Publish this DNS record',
    http: 'Serve this file on the website',
    name: 'Name',
    type: 'Type',
    value: 'Value',
    address: 'Address',
    content: 'Exact content',
    replaces: {
      email: 'Approval by email is not available for this certificate, so control is confirmed this way instead.',
      http: 'A wildcard name can only be confirmed in DNS.',
      dns: 'An IP address can only be confirmed on its website.',
    },
    expires: 'Publish by',
    after: 'The certificate authority checks automatically and repeatedly; once every name is confirmed, the certificate is issued. You may remove the records and files afterwards.',
    ignore: 'If you did not expect this request, publish nothing: no certificate is issued without this confirmation.',
  },
  de: {
    subject: (domains) => `Handlungsbedarf: Kontrolle über ${domains} bestätigen`,
    title: 'Bitte bestätigen Sie die Kontrolle über Ihre Domains',
    intro: 'Für die unten genannten Domains wurde ein SSL/TLS-Zertifikat beantragt. Um zu bestätigen, dass die Anfrage von der Stelle kommt, die sie kontrolliert, veröffentlichen Sie bitte Folgendes genau wie angegeben.',
    dns: 'Diesen DNS-Eintrag veröffentlichen',
    http: 'Diese Datei auf der Website bereitstellen',
    name: 'Name',
    type: 'Typ',
    value: 'Wert',
    address: 'Adresse',
    content: 'Genauer Inhalt',
    replaces: {
      email: 'Eine Bestätigung per E-Mail ist für dieses Zertifikat nicht möglich, deshalb erfolgt sie auf diesem Weg.',
      http: 'Ein Wildcard-Name kann nur im DNS bestätigt werden.',
      dns: 'Eine IP-Adresse kann nur auf ihrer Website bestätigt werden.',
    },
    expires: 'Veröffentlichen bis',
    after: 'Die Zertifizierungsstelle prüft automatisch und wiederholt; sobald alle Namen bestätigt sind, wird das Zertifikat ausgestellt. Einträge und Dateien können Sie danach wieder entfernen.',
    ignore: 'Falls Sie diese Anfrage nicht erwartet haben, veröffentlichen Sie nichts: Ohne diese Bestätigung wird kein Zertifikat ausgestellt.',
  },
};

/** A value to copy: monospaced, breakable anywhere (digests and tokens are long). */
function copyable(value: string): SafeHtml {
  return html`<code style="font-family:Consolas,Menlo,monospace;font-size:14px;word-break:break-all;">${cleanLine(value)}</code>`;
}

/** Renders the instructions email in `language`. */
export function renderDcvInstructions(data: DcvInstructionsData, language: Language): RenderedEmail {
  const s = STRINGS[language];
  const subject = headerValue(s.subject(domainsSummary(data.instructions.map((i) => cleanLine(i.domain)))));
  const expires = data.expiresAt === null ? null : formatDateTime(data.expiresAt, language);

  const htmlSteps: SafeHtml[] = [];
  const textSteps: SafeText[] = [];
  for (const instruction of data.instructions) {
    const domain = cleanLine(instruction.domain);
    const why = instruction.replaces === undefined ? null : s.replaces[instruction.replaces];
    if (instruction.method === 'dns-01') {
      const name = instruction.recordName ?? '';
      const value = instruction.recordValue ?? '';
      htmlSteps.push(html`<h3 style="margin:20px 0 8px;font-size:16px;">${domain}: ${s.dns}</h3>
${why === null ? '' : paragraph(why)}${detailsTable([
        [s.name, copyable(name)],
        [s.type, 'TXT'],
        [s.value, copyable(value)],
      ])}`);
      textSteps.push(text`${domain}: ${s.dns}
${why === null ? '' : `${why}\n`}${textDetails([
        [s.name, cleanLine(name)],
        [s.type, 'TXT'],
        [s.value, cleanLine(value)],
      ])}
`);
    } else {
      const url = instruction.url ?? '';
      const content = instruction.content ?? '';
      htmlSteps.push(html`<h3 style="margin:20px 0 8px;font-size:16px;">${domain}: ${s.http}</h3>
${why === null ? '' : paragraph(why)}${detailsTable([
        [s.address, copyable(url)],
        [s.content, copyable(content)],
      ])}`);
      textSteps.push(text`${domain}: ${s.http}
${why === null ? '' : `${why}\n`}${textDetails([
        [s.address, cleanLine(url)],
        [s.content, cleanLine(content)],
      ])}
`);
    }
  }

  const body = html`${heading(s.title, GENERIC_THEME)}
${paragraph(s.intro)}${htmlSteps}${expires === null ? '' : detailsTable([[s.expires, expires]])}${paragraph(s.after)}${paragraph(s.ignore)}`;

  const textBody = text`${s.intro}

${textSteps}${expires === null ? '' : `${s.expires}: ${expires}\n\n`}${s.after}

${s.ignore}
`;

  return genericEmail(language, subject, body, textBody);
}
