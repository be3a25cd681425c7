import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { CertbrokerError, type FieldError } from '../domain/errors.js';
import { isResellerRole, RESELLER_ROLES, SESSION_LIFETIME_MS, type ResellerRole } from '../domain/portal.js';
import type { Db } from '../store/database.js';
import { sqlState, UNIQUE_VIOLATION } from '../store/database.js';
import { newId } from '../store/ids.js';
import * as repo from '../store/portal.repository.js';
import type { PortalSession, PortalUser } from '../store/portal.repository.js';
import { validateEmail } from '../validation/contacts.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';

export type { PortalSession, PortalUser };

/** NIST SP 800-63B 5.1.1.2: at least 8 characters; we ask for 12 since there is no second factor yet. */
const MIN_PASSWORD = 12;
const MAX_PASSWORD = 200;

/**
 * Guessing is throttled per address (OWASP Authentication Cheat Sheet): after `maxFailures` failed
 * sign-ins within `windowMs`, the address is locked for `lockMs`, whether or not it has an account.
 */
export interface SignInThrottle {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

export const DEFAULT_SIGN_IN_THROTTLE: SignInThrottle = Object.freeze({ maxFailures: 10, windowMs: 60 * 60_000, lockMs: 15 * 60_000 });

/** A new session: the token goes into the cookie and is stored only as its hash. */
export interface StartedSession {
  readonly token: string;
  readonly session: PortalSession;
}

/** Who acts on a reseller's users: a signed-in user (with its role) or the account's API key. */
export type UserAdmin = { readonly resellerId: string; readonly userId?: string; readonly role?: ResellerRole };

function invalid(errors: readonly FieldError[]): CertbrokerError {
  return new CertbrokerError('invalid', 'request.invalid', 'The request has invalid fields.', errors);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The sign-in address: validated like any email address, then lower-cased as a whole (one person, one account). */
function signInAddress(value: unknown, errors: FieldError[]): string | undefined {
  const email = validateEmail(value, 'email');
  errors.push(...email.errors);
  return email.value?.toLowerCase();
}

function readPassword(value: unknown, errors: FieldError[]): string | undefined {
  if (typeof value !== 'string' || value.length < MIN_PASSWORD || value.length > MAX_PASSWORD) {
    errors.push({ path: 'password', code: 'password.length', message: `password must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long.` });
    return undefined;
  }
  return value;
}

/**
 * The CSRF token of a session: an HMAC of its secret token, so every process can check it without
 * storing it, and nobody without the HttpOnly cookie can compute it (double submit, signed).
 */
export function csrfTokenOf(token: string): string {
  return createHmac('sha256', token).update('csrf').digest('base64url');
}

/** Portal and console sign-in: users, passwords and server-side sessions. */
export class PortalService {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #throttle: SignInThrottle;

  constructor(deps: { db: Db; clock: Clock; throttle?: SignInThrottle }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#throttle = deps.throttle ?? DEFAULT_SIGN_IN_THROTTLE;
  }

  /** Checks an email and password and starts a session; one answer for every failure, so addresses cannot be probed. */
  async signIn(input: { email?: unknown; password?: unknown }): Promise<StartedSession> {
    const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : '';
    const password = typeof input.password === 'string' ? input.password : '';
    const now = this.#clock.now();
    const emailHash = hashToken(`sign-in:${email}`);
    const throttle = await repo.findThrottle(this.#db, emailHash);
    if (throttle?.lockedUntil && throttle.lockedUntil > now) {
      const minutes = Math.ceil((throttle.lockedUntil.getTime() - now.getTime()) / 60_000);
      throw new CertbrokerError('rate_limited', 'session.throttled', `Too many failed sign-ins for this address. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
    }
    const found = email === '' || password.length > MAX_PASSWORD ? undefined : await repo.findUserByEmail(this.#db, email);
    const ok = await verifyPassword(password, found?.passwordHash ?? (await decoyHash()));
    if (!found || !ok) {
      const { maxFailures, windowMs, lockMs } = this.#throttle;
      await repo.recordFailure(this.#db, { emailHash, at: now, windowStart: new Date(now.getTime() - windowMs), maxFailures, lockUntil: new Date(now.getTime() + lockMs) });
      throw new CertbrokerError('unauthorized', 'session.invalid_credentials', 'The email address or the password is not right.');
    }
    const token = randomBytes(32).toString('base64url');
    const id = newId('ses');
    const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
    await this.#db.transaction().execute(async (trx) => {
      await repo.deleteExpiredSessions(trx, now);
      await repo.insertSession(trx, { id, tokenHash: hashToken(token), userId: found.user.id, createdAt: now, expiresAt });
      await repo.markSignedIn(trx, found.user.id, now);
      await repo.clearThrottle(trx, emailHash);
    });
    return { token, session: { id, user: { ...found.user, lastSignInAt: now }, createdAt: now, expiresAt } };
  }

  /** The live session of a cookie's token, or undefined when it is unknown, signed out or expired. */
  async resolve(token: string): Promise<PortalSession | undefined> {
    return repo.findLiveSession(this.#db, hashToken(token), this.#clock.now());
  }

  /** Ends a session at once, in every process. */
  async signOut(token: string): Promise<void> {
    await repo.deleteSession(this.#db, hashToken(token));
  }

  /** A reseller's users (owners and API keys only). */
  async listUsers(admin: UserAdmin): Promise<PortalUser[]> {
    this.#ownerOnly(admin);
    return repo.listResellerUsers(this.#db, admin.resellerId);
  }

  /** Adds a user to the reseller's account (owners and API keys only). */
  async createUser(admin: UserAdmin, input: { email?: unknown; password?: unknown; role?: unknown }): Promise<PortalUser> {
    this.#ownerOnly(admin);
    const errors: FieldError[] = [];
    const email = signInAddress(input.email, errors);
    const password = readPassword(input.password, errors);
    const role = input.role ?? 'member';
    if (!isResellerRole(role)) errors.push({ path: 'role', code: 'role.unknown', message: `role must be one of ${RESELLER_ROLES.join(', ')}.` });
    if (errors.length > 0 || email === undefined || password === undefined || !isResellerRole(role)) throw invalid(errors);
    return this.#insert({ email, password, role, owner: { resellerId: admin.resellerId } });
  }

  /** Removes a user and ends its sessions; the last owner stays, and nobody removes themselves. */
  async removeUser(admin: UserAdmin, userId: string): Promise<PortalUser> {
    this.#ownerOnly(admin);
    if (userId === admin.userId) throw new CertbrokerError('conflict', 'user.self', 'You cannot remove yourself; ask another owner.');
    return this.#db.transaction().execute(async (trx) => {
      const user = await repo.findResellerUser(trx, admin.resellerId, userId);
      if (!user) throw new CertbrokerError('not_found', 'user.not_found', 'No such user.');
      if (user.role === 'owner' && (await repo.countResellerOwners(trx, admin.resellerId)) <= 1) {
        throw new CertbrokerError('conflict', 'user.last_owner', 'An account keeps at least one owner.');
      }
      await repo.deleteResellerUser(trx, admin.resellerId, userId);
      return user;
    });
  }

  /** The first owner of a reseller account (staff, the CLI and the demo seed). */
  async createOwner(resellerId: string, input: { email: unknown; password: unknown }): Promise<PortalUser> {
    const errors: FieldError[] = [];
    const email = signInAddress(input.email, errors);
    const password = readPassword(input.password, errors);
    if (errors.length > 0 || email === undefined || password === undefined) throw invalid(errors);
    return this.#insert({ email, password, role: 'owner', owner: { resellerId } });
  }

  /** Lets a staff account sign in to the console with a password. */
  async createStaffUser(staffId: string, input: { email: unknown; password: unknown }): Promise<PortalUser> {
    const errors: FieldError[] = [];
    const email = signInAddress(input.email, errors);
    const password = readPassword(input.password, errors);
    if (errors.length > 0 || email === undefined || password === undefined) throw invalid(errors);
    return this.#insert({ email, password, role: 'staff', owner: { staffId } });
  }

  async #insert(u: { email: string; password: string; role: PortalUser['role']; owner: { resellerId: string } | { staffId: string } }): Promise<PortalUser> {
    const passwordHash = await hashPassword(u.password);
    try {
      return await repo.insertUser(this.#db, { id: newId('usr'), email: u.email, passwordHash, role: u.role, owner: u.owner, createdAt: this.#clock.now() });
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION) throw new CertbrokerError('conflict', 'user.exists', `${u.email} already signs in to an account.`);
      throw error;
    }
  }

  #ownerOnly(admin: UserAdmin): void {
    if (admin.userId !== undefined && admin.role !== 'owner') {
      throw new CertbrokerError('forbidden', 'user.owner_only', "Only the account's owners manage its users.");
    }
  }
}
