import type { Language } from '../../domain/order.js';
import { cleanLine, headerValue, html, text } from './escape.js';
import { genericEmail } from './generic.js';
import { detailsTable, domainsSummary, formatDateTime, GENERIC_THEME, heading, nameList, paragraph, textDetails } from './layout.js';
import type { EmailAttachment, RenderedEmail } from './types.js';

/**
 * The fulfilment email to the administrative and approver contacts (seed step 2.3): generic, no links,
 * the certificate attached twice: alone, and with its intermediates as a web server sends it.
 */
export interface FulfilmentData {
  readonly orderId: string;
  /** Names as the contact reads them. */
  readonly domains: readonly string[];
  readonly serialNumber: string;
  /** The leaf certificate, PEM. */
  readonly certificatePem: string;
  /** Intermediates, leaf-issuer first, PEM each (as `IssuedCertificate.chainPem`). */
  readonly chainPem: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** The file names of the attachments: the leaf alone, and the leaf with its intermediates. */
const CERTIFICATE_FILENAME = 'certificate.pem';
const CHAIN_FILENAME = 'chain.pem';

/** RFC 8555 9.1: a leaf followed by its chain, PEM; a single certificate is a chain of one. */
const PEM_CHAIN_TYPE = 'application/pem-certificate-chain';

const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----$/;

/** One PEM certificate block with `\n` line ends and a final newline; anything else is refused. */
function pemBlock(value: string, what: string): string {
  const pem = value.replace(/\r\n?/g, '\n').trim();
  if (!PEM_CERTIFICATE.test(pem)) throw new TypeError(`fulfilment email: ${what} is not one PEM certificate`);
  return `${pem}\n`;
}

interface Strings {
  subject(domains: string): string;
  title: string;
  intro: string;
  orderNumber: string;
  domains: string;
  serial: string;
  validFrom: string;
  validUntil: string;
  attachments: string;
  certificateFile: string;
  chainFile: string;
  install: string;
  privateKey: string;
}

const STRINGS: Readonly<Record<Language, Strings>> = {
  en: {
    subject: (domains) => `Your certificate for ${domains}`,
    title: 'Your certificate has been issued',
    intro: 'The SSL/TLS certificate for the domains below has been issued.',
    orderNumber: 'Order number',
    domains: 'Domains',
    serial: 'Serial number',
    validFrom: 'Valid from',
    validUntil: 'Valid until',
    attachments: 'Attached to this email:',
    certificateFile: 'the certificate',
    chainFile: 'the certificate followed by its intermediate certificates, as a web server sends it',
    install: 'Install the chain file on your server together with the private key that belongs to the certificate request.',
    privateKey: 'The private key is not part of this email: it never left the system the certificate request was created on.',
  },
  de: {
    subject: (domains) => `Ihr Zertifikat für ${domains}`,
    title: 'Ihr Zertifikat wurde ausgestellt',
    intro: 'Das SSL/TLS-Zertifikat für die unten genannten Domains wurde ausgestellt.',
    orderNumber: 'Bestellnummer',
    domains: 'Domains',
    serial: 'Seriennummer',
    validFrom: 'Gültig ab',
    validUntil: 'Gültig bis',
    attachments: 'Im Anhang dieser E-Mail:',
    certificateFile: 'das Zertifikat',
    chainFile: 'das Zertifikat mit seinen Zwischenzertifikaten, so wie ein Webserver es ausliefert',
    install: 'Installieren Sie die Datei mit der Zertifikatskette auf Ihrem Server, zusammen mit dem privaten Schlüssel, der zur Zertifikatsanfrage gehört.',
    privateKey: 'Der private Schlüssel ist nicht Teil dieser E-Mail: Er hat das System, auf dem die Zertifikatsanfrage erstellt wurde, nie verlassen.',
  },
};

/** Renders the fulfilment email in `language`. */
export function renderFulfilment(data: FulfilmentData, language: Language): RenderedEmail {
  const s = STRINGS[language];
  const leaf = pemBlock(data.certificatePem, 'certificatePem');
  const chain = leaf + data.chainPem.map((pem, i) => pemBlock(pem, `chainPem[${i}]`)).join('');
  const from = formatDateTime(data.notBefore, language);
  const until = formatDateTime(data.notAfter, language);
  const subject = headerValue(s.subject(domainsSummary(data.domains.map(cleanLine))));
  const details = [
    [s.orderNumber, data.orderId],
    [s.serial, data.serialNumber],
    [s.validFrom, from],
    [s.validUntil, until],
  ] as const;

  const body = html`${heading(s.title, GENERIC_THEME)}
${paragraph(s.intro)}${detailsTable([[s.domains, nameList(data.domains)], ...details])}${paragraph(s.attachments)}<ul style="margin:0 0 16px;padding-left:20px;">
<li><strong>${CERTIFICATE_FILENAME}</strong>: ${s.certificateFile}</li>
<li><strong>${CHAIN_FILENAME}</strong>: ${s.chainFile}</li>
</ul>
${paragraph(s.install)}${paragraph(s.privateKey)}`;

  const textBody = text`${s.intro}

${textDetails([[s.domains, data.domains], ...details])}
${s.attachments}
  - ${CERTIFICATE_FILENAME}: ${s.certificateFile}
  - ${CHAIN_FILENAME}: ${s.chainFile}

${s.install}
${s.privateKey}
`;

  const attachments: EmailAttachment[] = [
    { filename: CERTIFICATE_FILENAME, contentType: PEM_CHAIN_TYPE, content: Buffer.from(leaf, 'ascii') },
    { filename: CHAIN_FILENAME, contentType: PEM_CHAIN_TYPE, content: Buffer.from(chain, 'ascii') },
  ];
  return genericEmail(language, subject, body, textBody, attachments);
}
