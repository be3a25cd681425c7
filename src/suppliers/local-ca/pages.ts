/**
 * The validation site's pages: small, plain, generic HTML in the CA's own name. Everything that comes
 * from an order or a request is escaped; no script, no external resource, no link anywhere else.
 */
import type { CheckResult } from './dcv.js';
import type { DomainView, OrderView } from './validation.js';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2733}
main{max-width:40rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border:1px solid #d9dee5;border-radius:6px}
h1{font-size:1.4rem;margin-top:0}code{background:#eef1f4;padding:0 .25rem;word-break:break-all}
.ok{color:#13653a}.error{color:#a1261b}input[type=text]{font:inherit;width:100%;box-sizing:border-box;padding:.4rem;margin:.3rem 0 .8rem;letter-spacing:.05em}
button{font:inherit;padding:.4rem 1rem;margin-right:.5rem}footer{color:#5b6674;font-size:.85rem;margin-top:2rem}`;

function layout(organizationName: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>
${body}
<footer>${escapeHtml(organizationName)} · Domain control validation</footer></main></body></html>
`;
}

function nameList(domains: readonly DomainView[]): string {
  return `<ul>${domains.map((domain) => `<li><code>${escapeHtml(domain.name)}</code>${domain.validated ? ' <span class="ok">— confirmed</span>' : ''}</li>`).join('')}</ul>`;
}

function instructions(base: string, domains: readonly DomainView[]): string {
  const waiting = domains.filter((domain) => !domain.validated && (domain.dnsRecord !== undefined || domain.httpFile !== undefined));
  if (waiting.length === 0) return '';
  const items = waiting.map((domain) => {
    if (domain.dnsRecord !== undefined) {
      return `<li>For <code>${escapeHtml(domain.name)}</code>: create a DNS TXT record at <code>${escapeHtml(domain.dnsRecord.name)}</code> with the value <code>${escapeHtml(domain.dnsRecord.value)}</code>.</li>`;
    }
    const file = domain.httpFile!;
    return `<li>For <code>${escapeHtml(domain.name)}</code>: serve <code>${escapeHtml(file.url)}</code> with the content <code>${escapeHtml(file.content)}</code>.</li>`;
  });
  return `<h2>Names confirmed by DNS or website</h2><ol>${items.join('')}</ol>
<form method="post" action="${escapeHtml(base)}/check"><button type="submit">Check now</button></form>`;
}

function approvalForm(base: string, code: string): string {
  return `<h2>Approve by code</h2>
<form method="post" action="${escapeHtml(base)}">
<label for="code">Approval code from the email</label>
<input type="text" id="code" name="code" value="${escapeHtml(code)}" autocomplete="off" spellcheck="false" required>
<button type="submit" name="action" value="approve">Approve</button>
<button type="submit" name="action" value="decline">Decline</button>
</form>`;
}

function stateNotice(view: OrderView): string {
  switch (view.state) {
    case 'issued':
      return '<p class="ok">Domain control is confirmed and the certificate has been issued. Nothing more is needed.</p>';
    case 'cancelled':
      return '<p class="error">This certificate request was cancelled. Nothing more is needed.</p>';
    case 'rejected':
      return '<p class="error">This certificate request was declined. Nothing more is needed.</p>';
    case 'awaiting_validation':
      // OV/EV: the organisation is validated too; or the CA holds the request for review.
      return view.domains.every((domain) => domain.validated) ? '<p class="ok">Domain control is confirmed. The certificate is issued once the certificate authority has completed its review.</p>' : '';
  }
}

/** The page of one request: its names and, while it waits, the approval form and the DNS/website instructions. */
export function orderPage(organizationName: string, view: OrderView, options: { readonly code?: string; readonly notice?: string; readonly results?: readonly CheckResult[] } = {}): string {
  const base = `/approve/${view.supplierOrderId}`;
  const waiting = view.state === 'awaiting_validation';
  const emailWaiting = waiting && view.domains.some((domain) => domain.method === 'email' && !domain.validated);
  const results =
    options.results === undefined || options.results.length === 0
      ? ''
      : `<ul>${options.results.map((result) => `<li class="${result.passed ? 'ok' : 'error'}">${escapeHtml(result.detail)}</li>`).join('')}</ul>`;
  const body = [
    options.notice === undefined ? '' : `<p class="ok">${escapeHtml(options.notice)}</p>`,
    results,
    '<p>A TLS certificate has been requested for these names. Confirm that you control them, or decline if you did not expect this request.</p>',
    nameList(view.domains),
    stateNotice(view),
    emailWaiting ? approvalForm(base, options.code ?? '') : '',
    waiting ? instructions(base, view.domains) : '',
  ];
  return layout(organizationName, 'Certificate request approval', body.join('\n'));
}

/** A page that says what went wrong and what to do, without any detail of the system behind it. */
export function errorPage(organizationName: string, message: string): string {
  return layout(organizationName, 'Certificate request approval', `<p class="error">${escapeHtml(message)}</p>`);
}
