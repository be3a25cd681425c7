import { sql } from 'kysely';
import type { PortalRole } from '../domain/portal.js';
import type { Executor } from './database.js';

/** A portal or console user as the use cases see it (never the password hash). */
export interface PortalUser {
  readonly id: string;
  readonly email: string;
  readonly role: PortalRole;
  /** Exactly one of the two is set: whose account the user signs in to. */
  readonly resellerId: string | null;
  readonly staffId: string | null;
  readonly createdAt: Date;
  readonly lastSignInAt: Date | null;
}

/** A live session with its user, found by the hash of the cookie's token. */
export interface PortalSession {
  readonly id: string;
  readonly user: PortalUser;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

const USER_COLUMNS = ['portal_users.id', 'portal_users.email', 'portal_users.role', 'portal_users.reseller_id', 'portal_users.staff_id', 'portal_users.created_at', 'portal_users.last_sign_in_at'] as const;

type UserRow = { id: string; email: string; role: string; reseller_id: string | null; staff_id: string | null; created_at: Date; last_sign_in_at: Date | null };

function toUser(row: UserRow): PortalUser {
  return {
    id: row.id,
    email: row.email,
    role: row.role as PortalRole,
    resellerId: row.reseller_id,
    staffId: row.staff_id,
    createdAt: row.created_at,
    lastSignInAt: row.last_sign_in_at,
  };
}

export async function insertUser(
  db: Executor,
  u: { id: string; email: string; passwordHash: string; role: PortalRole; owner: { resellerId: string } | { staffId: string }; createdAt: Date },
): Promise<PortalUser> {
  const row = await db
    .insertInto('portal_users')
    .values({
      id: u.id,
      reseller_id: 'resellerId' in u.owner ? u.owner.resellerId : null,
      staff_id: 'staffId' in u.owner ? u.owner.staffId : null,
      email: u.email,
      password_hash: u.passwordHash,
      role: u.role,
      created_at: u.createdAt,
    })
    .returning(USER_COLUMNS)
    .executeTakeFirstOrThrow();
  return toUser(row);
}

/** The user with this sign-in address and its password hash, if any. */
export async function findUserByEmail(db: Executor, email: string): Promise<{ user: PortalUser; passwordHash: string } | undefined> {
  const row = await db.selectFrom('portal_users').select([...USER_COLUMNS, 'portal_users.password_hash']).where('email', '=', email).executeTakeFirst();
  return row && { user: toUser(row), passwordHash: row.password_hash };
}

/** A reseller's users, oldest first. */
export async function listResellerUsers(db: Executor, resellerId: string): Promise<PortalUser[]> {
  const rows = await db.selectFrom('portal_users').select(USER_COLUMNS).where('reseller_id', '=', resellerId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toUser);
}

export async function countResellerOwners(db: Executor, resellerId: string): Promise<number> {
  const row = await db
    .selectFrom('portal_users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('reseller_id', '=', resellerId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Removes a reseller's user and, by cascade, its sessions; undefined when the user is not that reseller's. */
export async function deleteResellerUser(db: Executor, resellerId: string, userId: string): Promise<PortalUser | undefined> {
  const row = await db.deleteFrom('portal_users').where('id', '=', userId).where('reseller_id', '=', resellerId).returning(USER_COLUMNS).executeTakeFirst();
  return row && toUser(row);
}

export async function findResellerUser(db: Executor, resellerId: string, userId: string): Promise<PortalUser | undefined> {
  const row = await db.selectFrom('portal_users').select(USER_COLUMNS).where('id', '=', userId).where('reseller_id', '=', resellerId).executeTakeFirst();
  return row && toUser(row);
}

export async function markSignedIn(db: Executor, userId: string, at: Date): Promise<void> {
  await db.updateTable('portal_users').set({ last_sign_in_at: at }).where('id', '=', userId).execute();
}

export async function insertSession(db: Executor, s: { id: string; tokenHash: string; userId: string; createdAt: Date; expiresAt: Date }): Promise<void> {
  await db.insertInto('portal_sessions').values({ id: s.id, token_hash: s.tokenHash, user_id: s.userId, created_at: s.createdAt, expires_at: s.expiresAt }).execute();
}

/** The session with this token hash that is still valid at `now`, with its user. */
export async function findLiveSession(db: Executor, tokenHash: string, now: Date): Promise<PortalSession | undefined> {
  const row = await db
    .selectFrom('portal_sessions')
    .innerJoin('portal_users', 'portal_users.id', 'portal_sessions.user_id')
    .select([...USER_COLUMNS, 'portal_sessions.id as session_id', 'portal_sessions.created_at as session_created_at', 'portal_sessions.expires_at'])
    .where('portal_sessions.token_hash', '=', tokenHash)
    .where('portal_sessions.expires_at', '>', now)
    .executeTakeFirst();
  return row && { id: row.session_id, user: toUser(row), createdAt: row.session_created_at, expiresAt: row.expires_at };
}

export async function deleteSession(db: Executor, tokenHash: string): Promise<boolean> {
  const deleted = await db.deleteFrom('portal_sessions').where('token_hash', '=', tokenHash).executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}

/** Sessions that ended before `now`: housekeeping at each sign-in keeps the table small. */
export async function deleteExpiredSessions(db: Executor, now: Date): Promise<void> {
  await db.deleteFrom('portal_sessions').where('expires_at', '<=', now).execute();
}

/** The failed sign-ins recorded for an address (by its hash), if any. */
export async function findThrottle(db: Executor, emailHash: string): Promise<{ failures: number; lastFailureAt: Date; lockedUntil: Date | null } | undefined> {
  const row = await db.selectFrom('portal_sign_in_throttle').select(['failures', 'last_failure_at', 'locked_until']).where('email_hash', '=', emailHash).executeTakeFirst();
  return row && { failures: row.failures, lastFailureAt: row.last_failure_at, lockedUntil: row.locked_until };
}

/**
 * Counts one failed sign-in, atomically; failures older than `windowStart` no longer count. When the
 * count reaches `maxFailures` (at least 2) the address is locked until `lockUntil` and counting starts again.
 */
export async function recordFailure(db: Executor, f: { emailHash: string; at: Date; windowStart: Date; maxFailures: number; lockUntil: Date }): Promise<void> {
  await sql`
    insert into portal_sign_in_throttle (email_hash, failures, last_failure_at, locked_until)
    values (${f.emailHash}, 1, ${f.at}, null)
    on conflict (email_hash) do update set
      failures = case
        when portal_sign_in_throttle.last_failure_at < ${f.windowStart} then 1
        when portal_sign_in_throttle.failures + 1 >= ${f.maxFailures} then 0
        else portal_sign_in_throttle.failures + 1 end,
      locked_until = case
        when portal_sign_in_throttle.last_failure_at >= ${f.windowStart} and portal_sign_in_throttle.failures + 1 >= ${f.maxFailures} then ${f.lockUntil}::timestamptz
        else portal_sign_in_throttle.locked_until end,
      last_failure_at = ${f.at}`.execute(db);
}

export async function clearThrottle(db: Executor, emailHash: string): Promise<void> {
  await db.deleteFrom('portal_sign_in_throttle').where('email_hash', '=', emailHash).execute();
}
