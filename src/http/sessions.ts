import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenOf, type PortalService, type PortalSession } from '../accounts/portal.service.js';
import { CertbrokerError } from '../domain/errors.js';
import type { Db } from '../store/database.js';
import { authenticate, type Principal } from './auth.js';
import { readCookie, sessionCookie } from './cookies.js';

/**
 * How a route authenticates: `required` (the default) wants an API key or a session; `optional` reads a
 * session if there is one (`GET /v1/session`); `none` reads nothing (signing in).
 */
export type RouteAuth = 'required' | 'optional' | 'none';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    /** The portal session behind the request, when it was authenticated by cookie. */
    session?: { readonly token: string; readonly session: PortalSession };
  }
}

/** The header that carries the session's CSRF token on every unsafe cookie-authenticated request. */
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Cookie settings: `Secure` (and the `__Host-` prefix that demands it) when the public URL is https. */
export interface SessionCookieConfig {
  readonly secure: boolean;
}

export function cookieName(config: SessionCookieConfig): string {
  return config.secure ? '__Host-session' : 'session';
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The principal a session stands for: its account, exactly as that account's API key would. */
function principalOf(session: PortalSession): Principal {
  const user = { id: session.user.id, email: session.user.email, role: session.user.role };
  if (session.user.staffId !== null) return { kind: 'staff', staffId: session.user.staffId, keyId: session.id, user };
  return { kind: 'reseller', resellerId: session.user.resellerId as string, keyId: session.id, user };
}

/**
 * Resolves the caller: an `Authorization: Bearer` API key first (no CSRF check: browsers do not add
 * that header on their own), else the session cookie, whose unsafe requests must repeat the session's
 * CSRF token in `X-CSRF-Token` (OWASP CSRF cheat sheet: signed double submit).
 */
export async function authenticateRequest(
  deps: { db: Db; portal: PortalService; adminToken: string | undefined; cookies: SessionCookieConfig },
  request: FastifyRequest,
): Promise<Principal | undefined> {
  const mode = request.routeOptions.config.auth ?? 'required';
  if (request.headers.authorization !== undefined && mode === 'required') return authenticate(deps.db, request, deps.adminToken);
  if (mode === 'none') return undefined;
  const token = readCookie(request.headers.cookie, cookieName(deps.cookies));
  const session = token === undefined ? undefined : await deps.portal.resolve(token);
  if (token === undefined || session === undefined) {
    if (mode === 'optional') return undefined;
    if (token !== undefined) throw new CertbrokerError('unauthorized', 'session.expired', 'Your session has ended. Sign in again.');
    return authenticate(deps.db, request, deps.adminToken);
  }
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameSecret(sent, csrfTokenOf(token))) {
      throw new CertbrokerError('forbidden', 'session.csrf', `Requests signed in by cookie must repeat the session's CSRF token (from GET /v1/session) in the X-CSRF-Token header.`);
    }
  }
  request.session = { token, session };
  return principalOf(session);
}

/** Sets or clears the session cookie on a reply. */
export function setSessionCookie(reply: FastifyReply, config: SessionCookieConfig, token: string | null, maxAgeSeconds = 0): void {
  reply.header('set-cookie', sessionCookie(cookieName(config), token ?? '', { secure: config.secure, maxAgeSeconds: token === null ? 0 : maxAgeSeconds }));
}
