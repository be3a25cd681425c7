import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccountsService } from '../../accounts/accounts.service.js';
import { csrfTokenOf, type PortalService, type PortalSession, type PortalUser, type UserAdmin } from '../../accounts/portal.service.js';
import { CertbrokerError } from '../../domain/errors.js';
import { SESSION_LIFETIME_MS } from '../../domain/portal.js';
import { resellerOf } from '../auth.js';
import { setSessionCookie, type SessionCookieConfig } from '../sessions.js';
import * as s from '../schemas.js';

const secured = [{ apiKey: [] }];

const user = z.object({ id: z.string(), email: z.string(), role: z.enum(['owner', 'member', 'staff']), createdAt: z.string(), lastSignInAt: z.string().nullable() });
const sessionView = z.object({
  user,
  account: z.object({ kind: z.enum(['reseller', 'staff']), id: z.string(), name: z.string() }),
  csrfToken: z.string().describe('repeat in the X-CSRF-Token header of every POST, PUT and DELETE made with the session cookie'),
  expiresAt: z.string(),
});

function presentUser(u: PortalUser) {
  return { id: u.id, email: u.email, role: u.role, createdAt: u.createdAt.toISOString(), lastSignInAt: u.lastSignInAt?.toISOString() ?? null };
}

/** The reseller acting on its users: a signed-in user with its role, or the account's API key. */
function userAdminOf(request: FastifyRequest): UserAdmin {
  const { resellerId } = resellerOf(request);
  const p = request.principal;
  const signedIn = p?.kind === 'reseller' ? p.user : undefined;
  if (signedIn === undefined) return { resellerId };
  return { resellerId, userId: signedIn.id, ...(signedIn.role !== 'staff' && { role: signedIn.role }) };
}

/** Portal and console sign-in on the same `/v1` API, and the reseller owner's user management. */
export function sessionRoutes(app: FastifyInstance, deps: { portal: PortalService; accounts: AccountsService; cookies: SessionCookieConfig }): void {
  const { portal, accounts, cookies } = deps;

  const view = async (token: string, session: PortalSession) => {
    const u = session.user;
    const account =
      u.staffId !== null
        ? { kind: 'staff' as const, id: u.staffId, name: u.email }
        : { kind: 'reseller' as const, id: u.resellerId as string, name: (await accounts.getReseller(u.resellerId as string)).name };
    return { user: presentUser(u), account, csrfToken: csrfTokenOf(token), expiresAt: session.expiresAt.toISOString() };
  };

  app.post('/v1/session', {
    config: { auth: 'none' },
    schema: {
      tags: ['session'],
      summary: 'Sign in to the portal (reseller users) or the console (staff)',
      description: 'Sets an HttpOnly, SameSite=Lax session cookie; the answer carries the CSRF token for unsafe requests.',
      body: z.object({ email: z.string(), password: z.string() }),
      response: { 201: sessionView, 401: s.errorResponse },
    },
    handler: async (request, reply) => {
      const started = await portal.signIn((request.body ?? {}) as { email?: unknown; password?: unknown });
      setSessionCookie(reply, cookies, started.token, SESSION_LIFETIME_MS / 1000);
      reply.status(201);
      return view(started.token, started.session);
    },
  });

  app.get('/v1/session', {
    config: { auth: 'optional' },
    schema: { tags: ['session'], summary: 'The signed-in user, the account and the CSRF token', response: { 200: sessionView, 401: s.errorResponse } },
    handler: async (request) => {
      if (request.session === undefined) throw new CertbrokerError('unauthorized', 'session.none', 'Not signed in.');
      return view(request.session.token, request.session.session);
    },
  });

  app.delete('/v1/session', {
    config: { auth: 'optional' },
    schema: { tags: ['session'], summary: 'Sign out: the session ends at once, in every process' },
    handler: async (request, reply) => {
      if (request.session !== undefined) await portal.signOut(request.session.token);
      setSessionCookie(reply, cookies, null);
      return reply.status(204).send();
    },
  });

  app.get('/v1/account/users', {
    schema: { tags: ['account'], summary: 'Portal users of the account (owners only)', security: secured, response: { 200: z.object({ data: z.array(user) }) } },
    handler: async (request) => ({ data: (await portal.listUsers(userAdminOf(request))).map(presentUser) }),
  });

  app.post('/v1/account/users', {
    schema: {
      tags: ['account'],
      summary: 'Add a portal user (owners only)',
      security: secured,
      body: z.object({ email: z.string(), password: z.string().describe('12 to 200 characters'), role: z.enum(['owner', 'member']).optional() }),
      response: { 201: user, 409: s.errorResponse, 422: s.errorResponse },
    },
    handler: async (request, reply) => {
      const created = await portal.createUser(userAdminOf(request), (request.body ?? {}) as { email?: unknown; password?: unknown; role?: unknown });
      reply.status(201);
      return presentUser(created);
    },
  });

  app.delete('/v1/account/users/:id', {
    schema: { tags: ['account'], summary: 'Remove a portal user and end its sessions (owners only)', security: secured, params: s.idParams, response: { 200: user, 404: s.errorResponse, 409: s.errorResponse } },
    handler: async (request) => presentUser(await portal.removeUser(userAdminOf(request), (request.params as { id: string }).id)),
  });
}
