import type { Language } from '../../domain/order.js';
import { isProductCode, PRODUCTS, type ProductCode } from '../../domain/products.js';
import type { Branding } from '../../validation/account.js';
import { clip, cleanBlock, cleanLine, headerValue, html, htmlLines, text, textBlock, type SafeHtml, type SafeText } from './escape.js';
import { detailsTable, domainsSummary, formatTerm, heading, htmlDocument, nameList, paragraph, safeColor, textDetails, type Theme } from './layout.js';
import type { EmailAttachment, RenderedEmail } from './types.js';

/**
 * The order confirmation to the administrative contact (seed step 2.1): branded with the reseller's
 * details and nothing of the platform.
 */
export interface OrderConfirmationData {
  readonly orderId: string;
  readonly product: ProductCode;
  readonly termMonths: number;
  /** Names as the customer reads them (Unicode form for IDNs). */
  readonly domains: readonly string[];
  /** Where the approval email goes; null when every name is validated by DNS or HTTP. */
  readonly approverEmail: string | null;
  /** The administrative contact's name, for the greeting. */
  readonly recipientName?: string;
  /** The reseller whose brand the email carries: its account name and its branding. */
  readonly reseller: { readonly name: string; readonly branding: Branding };
  /** True when the order is held for review at placement: the next step is a review, not yet the approval (no reason given). */
  readonly onHold?: boolean;
}

/** The Content-ID of the inline logo (one image per message, so a fixed id is unique within it). */
const LOGO_CID = 'logo@inline';

const LOGO = /^data:image\/(png|jpeg);base64,([A-Za-z0-9+/]+={0,2})$/;
const MAX_LOGO_BYTES = 256 * 1024;
const MAGIC: Readonly<Record<string, Buffer>> = { png: Buffer.from([0x89, 0x50, 0x4e, 0x47]), jpeg: Buffer.from([0xff, 0xd8, 0xff]) };
const EMAIL = /^[^\s@<>()[\],;:"\\]+@[^\s@<>()[\],;:"\\]+$/;

/** The branding as this template uses it: every field re-checked, since it lands in markup and headers. */
interface Brand {
  readonly name: string;
  readonly theme: Theme;
  readonly logo: EmailAttachment | null;
  readonly signature: string | null;
  readonly supportEmail: string | null;
  readonly supportPhone: string | null;
  readonly website: string | null;
}

function logoAttachment(dataUrl: string | undefined): EmailAttachment | null {
  const match = dataUrl === undefined ? null : LOGO.exec(dataUrl);
  if (!match) return null;
  const [, kind = '', base64 = ''] = match;
  const content = Buffer.from(base64, 'base64');
  const magic = MAGIC[kind];
  // The bytes must be the image type they claim to be: a mislabelled file is not shown as an image.
  if (content.length === 0 || content.length > MAX_LOGO_BYTES || magic === undefined || !content.subarray(0, magic.length).equals(magic)) return null;
  return { filename: kind === 'png' ? 'logo.png' : 'logo.jpg', contentType: `image/${kind}`, content, cid: LOGO_CID };
}

function websiteUrl(value: string | undefined): string | null {
  if (value === undefined) return null;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.href.length <= 300 ? url.href : null;
  } catch {
    return null;
  }
}

function brandOf(reseller: OrderConfirmationData['reseller']): Brand {
  const b = reseller.branding;
  const supportEmail = b.supportEmail === undefined ? '' : cleanLine(b.supportEmail);
  const phone = b.supportPhone === undefined ? '' : clip(cleanLine(b.supportPhone), 40);
  const signature = b.signature === undefined ? '' : clip(cleanBlock(b.signature), 2000);
  const primary = safeColor(b.primaryColor, '#263238');
  return {
    name: clip(cleanLine(b.displayName ?? '') || cleanLine(reseller.name), 200),
    theme: { primary, accent: safeColor(b.accentColor, primary) },
    logo: logoAttachment(b.logo),
    signature: signature === '' ? null : signature,
    supportEmail: supportEmail.length <= 254 && EMAIL.test(supportEmail) ? supportEmail : null,
    supportPhone: phone === '' ? null : phone,
    website: websiteUrl(b.website),
  };
}

interface Strings {
  subject(orderId: string, domains: string): string;
  title: string;
  greeting(name: string | null): string;
  intro: string;
  orderNumber: string;
  product: string;
  domains: string;
  term: string;
  nextSteps: string;
  /** The sentence about the approval email, split around the approver's address. */
  approval: readonly [before: string, after: string];
  otherValidation: string;
  /** Said instead of the next step while the order is held for review (neutral, no reason). */
  underReview: string;
  questions(name: string): string;
  questionsReply: string;
  email: string;
  phone: string;
  website: string;
}

const STRINGS: Readonly<Record<Language, Strings>> = {
  en: {
    subject: (orderId, domains) => `Order confirmation ${orderId}: ${domains}`,
    title: 'Thank you for your order',
    greeting: (name) => (name ? `Hello ${name},` : 'Hello,'),
    intro: 'we have received your order for an SSL/TLS certificate and are processing it.',
    orderNumber: 'Order number',
    product: 'Product',
    domains: 'Domains',
    term: 'Term',
    nextSteps: 'Next steps',
    approval: ['To confirm control of the domains, an approval email will be sent to ', '. Please follow the instructions in it. Once the domains are approved, the certificate is issued and sent to you by email.'],
    otherValidation: 'Control of the domains is verified by the method chosen with the order (DNS or HTTP). Once the verification is complete, the certificate is issued and sent to you by email.',
    underReview: 'Your order is being reviewed before it is processed further; reviews like this are part of the regular process. You do not need to do anything now; you will hear from us as soon as it continues.',
    questions: (name) => `Questions? ${name} is glad to help:`,
    questionsReply: 'Questions? Simply reply to this email.',
    email: 'Email',
    phone: 'Phone',
    website: 'Website',
  },
  de: {
    subject: (orderId, domains) => `Bestellbestätigung ${orderId}: ${domains}`,
    title: 'Vielen Dank für Ihre Bestellung',
    greeting: (name) => (name ? `Guten Tag ${name},` : 'Guten Tag,'),
    intro: 'wir haben Ihre Bestellung eines SSL/TLS-Zertifikats erhalten und bearbeiten sie.',
    orderNumber: 'Bestellnummer',
    product: 'Produkt',
    domains: 'Domains',
    term: 'Laufzeit',
    nextSteps: 'Nächste Schritte',
    approval: ['Zur Bestätigung der Kontrolle über die Domains wird eine Bestätigungs-E-Mail an ', ' gesendet. Bitte folgen Sie den Anweisungen darin. Sobald die Domains bestätigt sind, wird das Zertifikat ausgestellt und Ihnen per E-Mail zugesandt.'],
    underReview: 'Ihre Bestellung wird geprüft, bevor sie weiter bearbeitet wird; solche Prüfungen gehören zum regulären Ablauf. Sie müssen jetzt nichts unternehmen; Sie hören von uns, sobald es weitergeht.',
    otherValidation: 'Die Kontrolle über die Domains wird mit der bei der Bestellung gewählten Methode (DNS oder HTTP) geprüft. Nach der Prüfung wird das Zertifikat ausgestellt und Ihnen per E-Mail zugesandt.',
    questions: (name) => `Fragen? ${name} hilft Ihnen gern weiter:`,
    questionsReply: 'Fragen? Antworten Sie einfach auf diese E-Mail.',
    email: 'E-Mail',
    phone: 'Telefon',
    website: 'Website',
  },
};

/** Renders the order confirmation in `language`. */
export function renderOrderConfirmation(data: OrderConfirmationData, language: Language): RenderedEmail {
  const s = STRINGS[language];
  const brand = brandOf(data.reseller);
  const { theme } = brand;
  const recipient = data.recipientName === undefined ? '' : clip(cleanLine(data.recipientName), 200);
  const product = isProductCode(data.product) ? PRODUCTS[data.product].name : String(data.product);
  const term = formatTerm(data.termMonths, language);
  const subject = headerValue(s.subject(cleanLine(data.orderId), domainsSummary(data.domains.map(cleanLine))));

  const contacts: (readonly [label: string, htmlValue: SafeHtml, textValue: string])[] = [];
  if (brand.supportEmail) {
    contacts.push([s.email, html`<a href="mailto:${brand.supportEmail}" style="color:${theme.accent};">${brand.supportEmail}</a>`, brand.supportEmail]);
  }
  if (brand.supportPhone) contacts.push([s.phone, html`${brand.supportPhone}`, brand.supportPhone]);
  if (brand.website) contacts.push([s.website, html`<a href="${brand.website}" style="color:${theme.accent};">${brand.website}</a>`, brand.website]);

  const [approvalBefore, approvalAfter] = s.approval;
  const nextStep = data.onHold
    ? paragraph(s.underReview)
    : data.approverEmail === null
      ? paragraph(s.otherValidation)
      : paragraph(approvalBefore, html`<strong>${data.approverEmail}</strong>`, approvalAfter);
  const signature = brand.signature ?? brand.name;

  const header = brand.logo
    ? html`<img src="cid:${LOGO_CID}" alt="${brand.name}" style="display:block;max-height:56px;max-width:240px;border:0;">`
    : html`<span style="font-size:18px;font-weight:bold;color:${theme.primary};">${brand.name}</span>`;
  const body = html`${heading(s.title, theme)}
${paragraph(s.greeting(recipient || null))}${paragraph(s.intro)}${detailsTable([
    [s.orderNumber, data.orderId],
    [s.product, product],
    [s.domains, nameList(data.domains)],
    [s.term, term],
  ])}<h2 style="margin:8px 0 8px;font-size:16px;color:${theme.primary};">${s.nextSteps}</h2>
${nextStep}${contacts.length > 0 ? html`${paragraph(s.questions(brand.name))}${detailsTable(contacts.map(([label, value]) => [label, value] as const))}` : paragraph(s.questionsReply)}<p style="margin:16px 0 0;">${htmlLines(signature)}</p>`;
  const footer = html`${brand.name}${contacts.map(([, value]) => html` &middot; ${value}`)}`;

  const textBody: SafeText = text`${s.greeting(recipient || null)}

${s.intro}

${textDetails([
    [s.orderNumber, data.orderId],
    [s.product, product],
    [s.domains, data.domains],
    [s.term, term],
  ])}
${s.nextSteps}:
${data.onHold ? s.underReview : data.approverEmail === null ? s.otherValidation : `${approvalBefore}${data.approverEmail}${approvalAfter}`}

${contacts.length > 0 ? text`${s.questions(brand.name)}\n${contacts.map(([label, , value]) => text`${label}: ${value}\n`)}` : text`${s.questionsReply}\n`}
-- 
${textBlock(signature)}

${[brand.name, ...contacts.map(([, , value]) => value)].join(' · ')}
`;

  return {
    subject,
    senderName: headerValue(brand.name, 100),
    text: textBody.value,
    html: htmlDocument({ language, title: subject, theme, header, body, footer }),
    attachments: brand.logo ? [brand.logo] : [],
  };
}
