/**
 * The HTTPS under the ACME client. acme-client sends every request through its shared axios instance
 * (exported as `acme.axios`, the library's documented seam for transport settings); one request
 * interceptor gives the requests for a registered CA origin this module's adapter instead of axios's
 * own, so that
 * - each supplier trusts its own extra CA (`ca`, e.g. Pebble's throw-away TLS certificate) without
 *   touching the process-wide trust store;
 * - every request has a time limit;
 * - problem documents (RFC 8555 6.7, RFC 7807) come back as {@link AcmeProblem} with their type,
 *   subproblems and Retry-After, and network failures as {@link AcmeUnreachable}, instead of the
 *   library's flattened message — and without the library's built-in sleeps of up to 75 seconds on a
 *   5xx or a refused connection: the supplier's own poller and the platform's job queue back off instead.
 * `badNonce` problems are passed through as responses, so the library retries them with the fresh
 * nonce from the error response (RFC 8555 6.5).
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import * as acme from 'acme-client';

/** RFC 8555 6.7: ACME error types live under this URN. */
export const ACME_ERROR_PREFIX = 'urn:ietf:params:acme:error:';

/** A response of the CA, body unparsed. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One subproblem of a compound problem (RFC 8555 6.7.1), for a single identifier. */
export interface Subproblem {
  readonly type: string;
  readonly detail: string;
  readonly identifier?: string;
}

/** A problem document the CA answered with (RFC 8555 6.7). */
export class AcmeProblem extends Error {
  override readonly name = 'AcmeProblem';
  /** The full type URN, e.g. `urn:ietf:params:acme:error:rateLimited`, or `about:blank`. */
  readonly type: string;
  readonly detail: string;
  readonly status: number;
  readonly subproblems: readonly Subproblem[];
  /** Seconds from the Retry-After header (RFC 9110 10.2.3; RFC 8555 6.6 for rate limits), if any. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: { type: string; detail: string; status: number; subproblems?: readonly Subproblem[]; retryAfterSeconds?: number }) {
    super(`${init.detail} (${shortType(init.type)}, HTTP ${init.status})`);
    this.type = init.type;
    this.detail = init.detail;
    this.status = init.status;
    this.subproblems = init.subproblems ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** The CA could not be reached or did not answer in time. */
export class AcmeUnreachable extends Error {
  override readonly name = 'AcmeUnreachable';
  /** e.g. `ECONNREFUSED`, `ETIMEDOUT`, or `HTTP 503` when a 5xx came without a problem document. */
  readonly reason: string;

  constructor(url: string, reason: string) {
    super(`${new URL(url).origin} did not answer (${reason})`);
    this.reason = reason;
  }
}

/** `rateLimited` for `urn:ietf:params:acme:error:rateLimited`; other URNs are returned unchanged. */
export function shortType(type: string): string {
  return type.startsWith(ACME_ERROR_PREFIX) ? type.slice(ACME_ERROR_PREFIX.length) : type;
}

/** The delay a Retry-After header asks for, in whole seconds: delay-seconds or an HTTP-date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads a problem document; a body that is not one yields `about:blank` with the HTTP status as detail. */
export function problemOf(response: HttpResponse, now: Date): AcmeProblem {
  let document: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(response.body.toString('utf8'));
    if (parsed !== null && typeof parsed === 'object') document = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: described by its status below.
  }
  const subproblems = Array.isArray(document.subproblems)
    ? document.subproblems.map((entry: unknown): Subproblem => {
        const sub = (entry ?? {}) as Record<string, unknown>;
        const identifier = (sub.identifier ?? {}) as Record<string, unknown>;
        return { type: text(sub.type), detail: text(sub.detail), ...(typeof identifier.value === 'string' && { identifier: identifier.value }) };
      })
    : [];
  const retryAfterSeconds = parseRetryAfter(header(response.headers, 'retry-after'), now);
  return new AcmeProblem({
    type: text(document.type) || 'about:blank',
    detail: text(document.detail) || `HTTP ${response.status}`,
    status: response.status,
    subproblems,
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
  });
}

/** Responses larger than this are cut off: a certificate chain is a few kilobytes. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** HTTPS to one CA: its own trust anchors, keep-alive connections, a time limit on every request. */
export class AcmeTransport {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  /** Identifies the trust settings, so two suppliers on one origin can be checked for agreement. */
  readonly trustFingerprint: string;

  constructor(options: { ca?: string | Buffer; timeoutMs: number }) {
    this.#agent = new Agent({ keepAlive: true, ...(options.ca !== undefined && { ca: options.ca }) });
    this.#timeoutMs = options.timeoutMs;
    this.trustFingerprint = options.ca === undefined ? 'system' : createHash('sha256').update(options.ca).digest('hex');
  }

  /**
   * One request.
   * @throws AcmeUnreachable when no answer arrives: refused, reset, name not found, time limit reached.
   */
  request(init: { method: string; url: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<HttpResponse> {
    const url = new URL(init.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { ...init.headers };
    // A JWS body (RFC 8555 6.2) goes with its length rather than chunked, which some servers refuse.
    if (init.body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) headers['content-length'] = String(Buffer.byteLength(init.body));
    return new Promise((resolve, reject) => {
      const request = send(
        url,
        { method: init.method, headers, ...(url.protocol === 'https:' && { agent: this.#agent }), timeout: this.#timeoutMs },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              response.destroy();
              reject(new AcmeUnreachable(init.url, `answer larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('error', (error: NodeJS.ErrnoException) => reject(new AcmeUnreachable(init.url, error.code ?? error.message)));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) => reject(new AcmeUnreachable(init.url, error.code ?? error.message)));
      request.end(init.body);
    });
  }

  /** Closes idle connections. */
  close(): void {
    this.#agent.destroy();
  }
}

/** What the adapter reads of an axios request config: the fields acme-client sets. */
interface AdapterConfig {
  readonly url?: string;
  readonly method?: string;
  readonly data?: unknown;
  readonly headers?: unknown;
}

function flatHeaders(headers: unknown): Record<string, string> {
  const source = (headers as { toJSON?: () => unknown } | undefined)?.toJSON?.() ?? headers ?? {};
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number') flat[name] = String(value);
  }
  return flat;
}

/**
 * The axios adapter for one transport. It resolves with every answer the library must see itself
 * (successes and `badNonce`) and rejects with {@link AcmeProblem} or {@link AcmeUnreachable} for the
 * rest. Neither error carries axios's `config`, so the library's retry interceptor lets them pass.
 */
function adapterFor(transport: AcmeTransport) {
  return async (config: AdapterConfig) => {
    const url = config.url ?? '';
    const method = (config.method ?? 'get').toUpperCase();
    const body = typeof config.data === 'string' || Buffer.isBuffer(config.data) ? config.data : undefined;
    const response = await transport.request({ method, url, headers: flatHeaders(config.headers), ...(body !== undefined && { body }) });
    if (response.status >= 400) {
      const problem = problemOf(response, new Date());
      const isProblemDocument = problem.type !== 'about:blank';
      if (problem.type !== `${ACME_ERROR_PREFIX}badNonce`) {
        if (response.status >= 500 && !isProblemDocument) throw new AcmeUnreachable(url, `HTTP ${response.status}`);
        throw problem;
      }
    }
    return {
      data: method === 'HEAD' ? '' : response.body.toString('utf8'),
      status: response.status,
      statusText: '',
      headers: response.headers,
      config,
      request: {},
    };
  };
}

interface Route {
  readonly transport: AcmeTransport;
  users: number;
}

/** Transports by CA origin, shared by every supplier of the process that talks to that origin. */
const routes = new Map<string, Route>();
let interceptorInstalled = false;

function installInterceptor(): void {
  if (interceptorInstalled) return;
  interceptorInstalled = true;
  acme.axios.interceptors.request.use((config) => {
    let origin: string;
    try {
      origin = new URL(config.url ?? '').origin;
    } catch {
      return config;
    }
    const route = routes.get(origin);
    if (route !== undefined) config.adapter = adapterFor(route.transport) as unknown as typeof config.adapter;
    return config;
  });
}

/**
 * Sends acme-client's requests to `origin` through `transport` until the returned function is called.
 * Two suppliers may share an origin only with the same trust settings; the first transport serves both
 * (and a later one is closed at once).
 * @returns the transport that serves the origin, and the function that ends this registration.
 * @throws Error when the origin is already served with other trust settings.
 */
export function routeOrigin(origin: string, transport: AcmeTransport): { transport: AcmeTransport; release: () => void } {
  installInterceptor();
  let route = routes.get(origin);
  if (route === undefined) {
    route = { transport, users: 0 };
    routes.set(origin, route);
  } else {
    // The origin is served already: this transport is not needed either way.
    transport.close();
    if (route.transport.trustFingerprint !== transport.trustFingerprint) {
      throw new Error(`another ACME supplier of this process already reaches ${origin} with a different \`ca\``);
    }
  }
  route.users += 1;
  const taken = route;
  let released = false;
  return {
    transport: taken.transport,
    release: () => {
      if (released) return;
      released = true;
      taken.users -= 1;
      if (taken.users === 0) {
        routes.delete(origin);
        taken.transport.close();
      }
    },
  };
}
