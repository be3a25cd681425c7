import { sql, type Kysely } from 'kysely';
import { PORTAL_ROLES } from '../../domain/portal.js';

/** SQL `IN (...)` list of string literals from a closed set declared in `domain/`. */
function inList(values: readonly string[]) {
  return sql.raw(values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', '));
}

export async function up(db: Kysely<unknown>): Promise<void> {
  // People who sign in to the portal (a reseller's owners and members) or the console (staff), issue 9.
  await db.schema
    .createTable('portal_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reseller_id', 'text', (c) => c.references('resellers.id'))
    .addColumn('staff_id', 'text', (c) => c.references('staff.id').unique())
    // The sign-in name, lower-cased: one person, one account across portal and console.
    .addColumn('email', 'text', (c) => c.notNull().unique())
    // scrypt with its parameters and salt (accounts/passwords.ts); never the password.
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in (${inList(PORTAL_ROLES)})`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_sign_in_at', 'timestamptz')
    .addCheckConstraint('portal_users_one_owner', sql`(reseller_id is null) <> (staff_id is null)`)
    .addCheckConstraint('portal_users_staff_role', sql`(staff_id is not null) = (role = 'staff')`)
    .execute();
  await db.schema.createIndex('portal_users_by_reseller').on('portal_users').columns(['reseller_id', 'created_at']).execute();

  // Server-side sessions, so that any process behind PostgreSQL can check a cookie and sign-out is immediate.
  await db.schema
    .createTable('portal_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // SHA-256 of the cookie's 256-bit random token: a leaked table signs nobody in.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('portal_users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('portal_sessions_by_user').on('portal_sessions').column('user_id').execute();

  // Failed sign-ins per address (OWASP Authentication Cheat Sheet: throttle guessing), kept for unknown
  // addresses too, so a lock tells nothing about which addresses have accounts.
  await db.schema
    .createTable('portal_sign_in_throttle')
    .addColumn('email_hash', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_failure_at', 'timestamptz', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive; restore from a backup to go back');
}
