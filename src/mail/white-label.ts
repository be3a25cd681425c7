import { CertbrokerError } from '../domain/errors.js';
import type { RenderedEmail } from './templates/index.js';

/**
 * The white-label guard (DESIGN.md Emails): no customer email may carry the platform's name
 * (`PLATFORM_NAME`) or its website (`PUBLIC_BASE_URL`), in the body, the headers or the attachments.
 * Templates never put them there; this checks the final message anyway, so that data (a reseller's
 * display name, a supplier's certificate names) cannot smuggle them in either.
 */

/** What the guard looks for, lower-cased: the platform's name, and the website's host (with its port, if any). */
export function platformTraces(config: { readonly platformName: string; readonly publicBaseUrl: string }): string[] {
  const traces = [config.platformName.trim().toLowerCase()];
  // The host covers every URL of the site (any scheme, path or query) and its bare mention in text.
  // With a port it stays specific: `localhost:8080` does not match a supplier's `localhost:8081` site.
  traces.push(new URL(config.publicBaseUrl).host.toLowerCase());
  return traces.filter((t) => t !== '');
}

/** The first trace found in `text` (case-insensitive), if any. */
export function traceIn(text: string, traces: readonly string[]): string | undefined {
  const lower = text.toLowerCase();
  return traces.find((t) => lower.includes(t));
}

/** Thrown instead of sending an email that would carry the platform's name or website. */
export class WhiteLabelError extends CertbrokerError {
  constructor(template: string) {
    super('internal', 'mail.white_label', `The ${template} email was not sent: it would have carried the platform's name or website.`);
    this.name = 'WhiteLabelError';
  }
}

/**
 * Long base64 runs (attachment bodies, the DKIM signature) are random-looking: a short platform name
 * could appear in them by chance. They are blanked in the raw scan; their decoded content is scanned
 * separately, so nothing real hides there.
 */
const BASE64_RUN = /[A-Za-z0-9+/]{24,}={0,2}/g;
const PEM_BODY = /-----BEGIN [A-Z0-9 ]+-----([A-Za-z0-9+/=\s]+)-----END [A-Z0-9 ]+-----/g;
const ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Everything a reader or a program can see in a message, decoded: the raw source alone may hide text in its encodings. */
function surfaces(raw: string, email: RenderedEmail): string[] {
  const out = [raw.replace(BASE64_RUN, ' '), email.subject, email.senderName, email.text, email.html, email.html.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e)];
  for (const file of email.attachments) {
    out.push(file.filename, file.content.toString('utf8'));
    // Certificates: the names in their DER (issuer, subject) are what a reader of the file sees.
    for (const pem of file.content.toString('ascii').matchAll(PEM_BODY)) out.push(Buffer.from((pem[1] ?? '').replace(/\s+/g, ''), 'base64').toString('utf8'));
  }
  return out;
}

/** Throws {@link WhiteLabelError} when the message or its rendered parts carry one of `traces`. */
export function assertWhiteLabel(template: string, raw: string, email: RenderedEmail, traces: readonly string[]): void {
  if (surfaces(raw, email).some((surface) => traceIn(surface, traces) !== undefined)) throw new WhiteLabelError(template);
}
