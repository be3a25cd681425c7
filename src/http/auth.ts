import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { hashApiKey } from '../accounts/api-keys.js';
import { CertbrokerError } from '../domain/errors.js';
import type { Actor } from '../domain/order.js';
import type { PortalRole } from '../domain/portal.js';
import { findKeyOwner } from '../store/accounts.repository.js';
import type { Db } from '../store/database.js';

/**
 * Who is calling. `admin` is the CLI beside a running PGlite server, holding the lock file's token.
 * `keyId` names the credential: an API key, or a portal session (`ses_…`) of the signed-in `user`; a
 * session acts exactly as its account's API key would.
 */
export type Principal =
  | { readonly kind: 'reseller'; readonly resellerId: string; readonly keyId: string; readonly user?: SessionUser }
  | { readonly kind: 'staff'; readonly staffId: string; readonly keyId: string; readonly user?: SessionUser }
  | { readonly kind: 'admin' };

/** The signed-in person behind a session principal. */
export interface SessionUser {
  readonly id: string;
  readonly email: string;
  readonly role: PortalRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

function unauthorized(): CertbrokerError {
  return new CertbrokerError('unauthorized', 'auth.invalid_key', 'Send a valid, unrevoked API key as "Authorization: Bearer <key>".');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Resolves the caller from the Authorization header; throws 401 for a missing, unknown or revoked key. */
export async function authenticate(db: Db, request: FastifyRequest, adminToken: string | undefined): Promise<Principal> {
  const match = BEARER.exec(request.headers.authorization ?? '');
  if (!match) throw unauthorized();
  const secret = match[1] as string;
  if (adminToken !== undefined && sameSecret(secret, adminToken)) return { kind: 'admin' };
  const owner = await findKeyOwner(db, hashApiKey(secret));
  if (!owner) throw unauthorized();
  return owner;
}

/** The reseller calling, or 404 for anyone else: staff use their own routes (DESIGN.md: never a 403 leak). */
export function resellerOf(request: FastifyRequest): { resellerId: string; actor: Actor & { type: 'reseller' } } {
  const p = request.principal;
  if (p?.kind !== 'reseller') throw new CertbrokerError('not_found', 'route.not_found', 'This route is for reseller API keys.');
  return { resellerId: p.resellerId, actor: { type: 'reseller', id: p.resellerId, keyId: p.keyId } };
}

/** The staff member (or CLI admin) calling; a reseller key gets a 404 on staff routes. */
export function staffOf(request: FastifyRequest): Actor {
  const p = request.principal;
  if (p?.kind === 'staff') return { type: 'staff', id: p.staffId };
  if (p?.kind === 'admin') return { type: 'system', id: 'cli' };
  throw new CertbrokerError('not_found', 'route.not_found', 'No such route.');
}
