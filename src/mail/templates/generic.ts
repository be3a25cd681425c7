import type { Language } from '../../domain/order.js';
import { html, text, type SafeHtml, type SafeText } from './escape.js';
import type { EmailAttachment, RenderedEmail } from './types.js';
import { GENERIC_THEME, htmlDocument } from './layout.js';

/**
 * The frame of the generic emails (approval, fulfilment, hold notice): no reseller brand and no
 * platform name (DESIGN.md Emails), only a neutral sender name in the message language.
 */

/** The display name of the generic emails' sender. */
export const GENERIC_SENDER_NAME: Readonly<Record<Language, string>> = {
  en: 'Certificate Service',
  de: 'Zertifikatsservice',
};

const FOOTER: Readonly<Record<Language, string>> = {
  en: 'This message was sent automatically. Replies to it are forwarded to the provider that placed the certificate order.',
  de: 'Diese Nachricht wurde automatisch versandt. Antworten darauf werden an den Anbieter weitergeleitet, der die Zertifikatsbestellung aufgegeben hat.',
};

/** The HTML document of a generic email around `body`. */
export function genericHtml(language: Language, title: string, body: SafeHtml): string {
  return htmlDocument({
    language,
    title,
    theme: GENERIC_THEME,
    header: html`<span style="font-size:17px;font-weight:bold;color:${GENERIC_THEME.primary};">${GENERIC_SENDER_NAME[language]}</span>`,
    body,
    footer: html`${FOOTER[language]}`,
  });
}

/** The plain-text part of a generic email around `body`. */
export function genericText(language: Language, body: SafeText): string {
  return text`${body}\n-- \n${GENERIC_SENDER_NAME[language]}\n${FOOTER[language]}\n`.value;
}

/** A generic email: its subject, the neutral sender, and both parts in the frame. */
export function genericEmail(language: Language, subject: string, body: SafeHtml, textBody: SafeText, attachments: readonly EmailAttachment[] = []): RenderedEmail {
  return { subject, senderName: GENERIC_SENDER_NAME[language], text: genericText(language, textBody), html: genericHtml(language, subject, body), attachments };
}
