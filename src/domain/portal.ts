/**
 * Roles of the people who sign in: a reseller's `owner` (manages the account's users) and `member`,
 * and `staff` for the console. The database check constraint uses the same list.
 */
export const PORTAL_ROLES = ['owner', 'member', 'staff'] as const;
export type PortalRole = (typeof PORTAL_ROLES)[number];

/** The roles a reseller's owner may give a new user. */
export const RESELLER_ROLES = ['owner', 'member'] as const;
export type ResellerRole = (typeof RESELLER_ROLES)[number];

export function isResellerRole(value: unknown): value is ResellerRole {
  return typeof value === 'string' && (RESELLER_ROLES as readonly string[]).includes(value);
}

/** How long a session lasts from sign-in: a working day; the portal then asks to sign in again. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
