import type { Language } from '../../domain/order.js';
import { html, text, type SafeHtml, type SafeText } from './escape.js';

/**
 * The pieces every template is built from: the HTML shell, a details table, a button, lists, dates.
 * Email clients ignore style sheets and most CSS, so layout is tables with inline styles.
 */

/** The colours of a message; the generic templates use {@link GENERIC_THEME}. */
export interface Theme {
  /** Header bar and headings. */
  readonly primary: string;
  /** Buttons and links. */
  readonly accent: string;
}

/** Neutral colours for the generic emails: nothing that could be mistaken for anybody's brand. */
export const GENERIC_THEME: Theme = { primary: '#37474f', accent: '#1565c0' };

const COLOR = /^#[0-9a-fA-F]{6}$/;

/** A colour from reseller data if it is a plain `#rrggbb`, else the fallback: a colour lands in a style attribute. */
export function safeColor(value: string | undefined, fallback: string): string {
  return value !== undefined && COLOR.test(value) ? value.toLowerCase() : fallback;
}

/** The HTML document around a message body. */
export function htmlDocument(input: { language: Language; title: string; theme: Theme; header: SafeHtml; body: SafeHtml; footer: SafeHtml }): string {
  const { theme } = input;
  return html`<!DOCTYPE html>
<html lang="${input.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${input.title}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f5f7;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:6px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#212121;">
<tr><td style="padding:20px 28px;border-top:6px solid ${theme.primary};border-bottom:1px solid #e0e0e0;word-break:break-word;">${input.header}</td></tr>
<tr><td style="padding:24px 28px;word-break:break-word;">
${input.body}
</td></tr>
<tr><td style="padding:16px 28px 24px;border-top:1px solid #e0e0e0;font-size:13px;color:#616161;word-break:break-word;">${input.footer}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`.value;
}

/** A heading in the body. */
export function heading(title: string, theme: Theme): SafeHtml {
  return html`<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;color:${theme.primary};">${title}</h1>`;
}

/** A paragraph; `content` may mix text and safe markup. */
export function paragraph(...content: readonly (string | SafeHtml)[]): SafeHtml {
  return html`<p style="margin:0 0 16px;">${content}</p>\n`;
}

/** A two-column table of labels and values. */
export function detailsTable(rows: readonly (readonly [label: string, value: string | SafeHtml])[]): SafeHtml {
  return html`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px;border-collapse:collapse;width:100%;">
${rows.map(([label, value]) => html`<tr><td style="padding:6px 12px 6px 0;vertical-align:top;color:#616161;white-space:nowrap;">${label}</td><td style="padding:6px 0;vertical-align:top;word-break:break-word;">${value}</td></tr>\n`)}</table>
`;
}

/** Names one per line (domains), for a details table cell. */
export function nameList(names: readonly string[]): SafeHtml {
  return html`${names.map((name, i) => html`${i > 0 ? html`<br>` : ''}${name}`)}`;
}

/** The same details as `label: value` lines for the plain-text part; multi-valued rows list one value per line. */
export function textDetails(rows: readonly (readonly [label: string, value: string | readonly string[]])[]): SafeText {
  return text`${rows.map(([label, value]) =>
    typeof value === 'string' ? text`${label}: ${value}\n` : text`${label}:\n${value.map((v) => text`  - ${v}\n`)}`,
  )}`;
}

/** A link styled as a button. The caller has checked `href` (scheme, shape); it is escaped here. */
export function button(href: string, label: string, theme: Theme): SafeHtml {
  return html`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 20px;"><tr><td style="border-radius:4px;background:${theme.accent};"><a href="${href}" style="display:inline-block;padding:12px 22px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:4px;">${label}</a></td></tr></table>
`;
}

/** A code the reader types or copies: large, monospaced, never wrapped by a hyphen. */
export function codeBox(code: string): SafeHtml {
  return html`<p style="margin:0 0 16px;"><span style="display:inline-block;padding:8px 14px;border:1px solid #bdbdbd;border-radius:4px;background:#fafafa;font-family:Consolas,Menlo,monospace;font-size:18px;letter-spacing:1px;">${code}</span></p>\n`;
}

const LOCALES: Readonly<Record<Language, string>> = { en: 'en-GB', de: 'de-DE' };

/**
 * A moment as readers in the message language write it, always in UTC and saying so: the recipient's
 * time zone is unknown, and a date without a zone is ambiguous.
 */
export function formatDateTime(at: Date, language: Language): string {
  // Date and time are formatted apart and joined here: the joining word differs between ICU versions.
  const { date, time } = FORMATTERS[language];
  return `${date.format(at)}, ${time.format(at)} UTC`;
}

/** Built once per language: a formatter costs far more to build than to use (the issuance profile). */
const FORMATTERS = Object.fromEntries(
  Object.entries(LOCALES).map(([language, locale]) => [
    language,
    {
      date: new Intl.DateTimeFormat(locale, { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }),
      time: new Intl.DateTimeFormat(locale, { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    },
  ]),
) as Record<Language, { date: Intl.DateTimeFormat; time: Intl.DateTimeFormat }>;

/** A subscription term in months, e.g. "12 months" / "12 Monate". */
export function formatTerm(months: number, language: Language): string {
  if (language === 'de') return months === 1 ? '1 Monat' : `${months} Monate`;
  return months === 1 ? '1 month' : `${months} months`;
}

/** The first domain and how many more, for a subject line: "example.com (+2)". */
export function domainsSummary(domains: readonly string[]): string {
  const [first = ''] = domains;
  return domains.length > 1 ? `${first} (+${domains.length - 1})` : first;
}
