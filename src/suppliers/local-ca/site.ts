/**
 * The CA's validation site on its own listener (DESIGN.md: the embedded CA is a separate organisation):
 *
 *   GET  /approve/:id           the request's page (`?code=` prefills the approval code)
 *   POST /approve/:id           `code=…&action=approve|decline` (form-urlencoded or JSON)
 *   POST /approve/:id/check     looks up the DNS and website Random Values
 *   GET  /crl/:keyId.crl        an issuing CA's CRL (RFC 5280 5), DER, `application/pkix-crl` (RFC 2585 4.2)
 *
 * Every answer is HTML unless the client asks for `application/json`. Refusals use 400 (wrong code),
 * 404 (unknown request) and 410 (expired or used code, request ended).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CrlPublisher } from './crl.js';
import { errorPage, orderPage } from './pages.js';
import type { DeskFailure, DeskResult, ValidationDesk } from './validation.js';

/** A running site. */
export interface ValidationSite {
  /** The port it listens on (the real one when 0 was asked for). */
  readonly port: number;
  close(): Promise<void>;
}

/** Longest request body read: a code and an action need a few dozen bytes. */
const MAX_BODY_BYTES = 4096;
const ORDER_PATH = /^\/approve\/([0-9a-f]{32})(\/check)?$/;
/** An issuing CA's key identifier: 20 octets (RFC 7093 method 1). */
const CRL_PATH = /^\/crl\/([0-9a-f]{40})\.crl$/;

/**
 * Fixed headers: nothing may be framed, fetched or scripted, and the approval code in a `?code=` link
 * never leaves in a Referer header.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

class BadRequest extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

function wantsJson(request: IncomingMessage): boolean {
  return (request.headers.accept ?? '').includes('application/json');
}

function send(response: ServerResponse, status: number, type: 'html' | 'json', body: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type === 'html' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    ...extra,
  });
  response.end(body);
}

async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(413, 'The request is too large.');
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (body === '') return {};
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(body));
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new BadRequest(400, 'The request body is not valid JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequest(400, 'The request body must be a JSON object.');
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }
  throw new BadRequest(415, 'Send the form as application/x-www-form-urlencoded or application/json.');
}

/** A CRL: cacheable, but revalidated on every use, so that a revocation shows at once. */
function sendCrl(response: ServerResponse, der: Buffer, head: boolean): void {
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'cache-control': 'no-cache',
    'content-type': 'application/pkix-crl',
    'content-length': String(der.length),
  });
  response.end(head ? undefined : der);
}

/** Starts the site; resolves once it listens. */
export async function startValidationSite(
  desk: ValidationDesk,
  crls: CrlPublisher,
  options: { readonly host: string; readonly port: number; readonly organizationName: string },
): Promise<ValidationSite> {
  const { organizationName } = options;

  function refuse(request: IncomingMessage, response: ServerResponse, refusal: Pick<DeskFailure, 'code' | 'message'> & { readonly status: number }): void {
    if (wantsJson(request)) send(response, refusal.status, 'json', JSON.stringify({ error: { code: refusal.code, message: refusal.message } }));
    else send(response, refusal.status, 'html', errorPage(organizationName, refusal.message));
  }

  function answer<T extends object>(request: IncomingMessage, response: ServerResponse, result: DeskResult<T>, html: (view: Extract<DeskResult<T>, { ok: true }>) => string): void {
    if (!result.ok) return refuse(request, response, result);
    if (wantsJson(request)) {
      const { ok: _ok, ...rest } = result;
      send(response, 200, 'json', JSON.stringify(rest));
    } else {
      send(response, 200, 'html', html(result as Extract<DeskResult<T>, { ok: true }>));
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://site.invalid');
    const method = request.method ?? 'GET';
    const crl = CRL_PATH.exec(url.pathname);
    if (crl !== null) {
      if (method !== 'GET' && method !== 'HEAD') return send(response, 405, 'html', errorPage(organizationName, 'This address accepts GET only.'), { allow: 'GET, HEAD' });
      const der = await crls.current(crl[1]!);
      if (der === undefined) return refuse(request, response, { status: 404, code: 'not_found', message: 'There is no revocation list at this address.' });
      return sendCrl(response, der, method === 'HEAD');
    }
    const match = ORDER_PATH.exec(url.pathname);
    if (match === null) return refuse(request, response, { status: 404, code: 'not_found', message: 'There is nothing at this address.' });
    const [, supplierOrderId = '', check] = match;
    if (check !== undefined) {
      if (method !== 'POST') return send(response, 405, 'html', errorPage(organizationName, 'Use the “Check now” button.'), { allow: 'POST' });
      const result = await desk.check(supplierOrderId);
      return answer(request, response, result, (ok) => orderPage(organizationName, ok.view, { results: ok.results }));
    }
    if (method === 'GET' || method === 'HEAD') {
      const result = await desk.view(supplierOrderId);
      return answer(request, response, result, (ok) => orderPage(organizationName, ok.view, { code: url.searchParams.get('code') ?? '' }));
    }
    if (method !== 'POST') return send(response, 405, 'html', errorPage(organizationName, 'This address accepts GET and POST only.'), { allow: 'GET, HEAD, POST' });
    const form = await readForm(request);
    const code = form.code ?? '';
    if (form.action === 'decline') {
      const result = await desk.decline(supplierOrderId, code);
      return answer(request, response, result, (ok) => orderPage(organizationName, ok.view, { notice: 'You declined the request. No certificate will be issued.' }));
    }
    if (form.action !== undefined && form.action !== 'approve') return refuse(request, response, { status: 400, code: 'bad_action', message: 'The action must be approve or decline.' });
    const result = await desk.approve(supplierOrderId, code);
    return answer(request, response, result, (ok) =>
      orderPage(organizationName, ok.view, {
        notice: ok.issued
          ? 'Thank you: domain control is confirmed and the certificate has been issued.'
          : ok.view.domains.every((domain) => domain.validated)
            ? 'Thank you: domain control is confirmed. The certificate is issued once the certificate authority has completed its review.'
            : 'Thank you: your approval is recorded. The certificate is issued once the remaining names are confirmed.',
      }),
    );
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      if (error instanceof BadRequest) return refuse(request, response, { status: error.status, code: 'bad_request', message: error.message });
      // Internal details go to the operator's log; the visitor learns only that trying again later may work.
      console.error('validation site: request failed', error);
      refuse(request, response, { status: 500, code: 'unavailable', message: 'The validation service could not complete this request. Please try again in a few minutes.' });
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
