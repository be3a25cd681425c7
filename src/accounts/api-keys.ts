import { createHash, randomBytes } from 'node:crypto';

/** Key prefixes tell a person at a glance what a key is for; they carry no brand. */
export const KEY_PREFIX = { reseller: 'rk_live_', staff: 'sk_staff_' } as const;

/** A new secret API key (256 random bits) and what is stored of it: the hash and a short visible prefix. */
export function generateApiKey(kind: keyof typeof KEY_PREFIX): { secret: string; prefix: string; hash: string } {
  const secret = KEY_PREFIX[kind] + randomBytes(32).toString('base64url');
  return { secret, prefix: secret.slice(0, KEY_PREFIX[kind].length + 6), hash: hashApiKey(secret) };
}

/**
 * SHA-256 of a presented key. Keys are long random secrets, not passwords, so a fast unsalted hash is
 * the right tool: a leaked table cannot be reversed, and lookup stays one indexed equality.
 */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
