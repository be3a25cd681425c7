import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (RFC 7914) from node:crypto. Parameters follow OWASP's Password Storage
 * Cheat Sheet (N=2^15, r=8, p=3, equivalent to its N=2^17, p=1 recommendation at less memory) and are
 * kept in each hash, so they can be raised later without invalidating stored passwords.
 */
const PARAMS = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_LENGTH = 32;
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }, length: number): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; allow twice that so the default 32 MiB cap does not refuse it.
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS, KEY_LENGTH);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` matches `stored`, compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = FORMAT.exec(stored);
  if (!match) return false;
  const expected = Buffer.from(match[5] as string, 'base64url');
  const key = await derive(password, Buffer.from(match[4] as string, 'base64url'), { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) }, expected.length);
  return timingSafeEqual(key, expected);
}

/**
 * A hash of no one's password: sign-in with an unknown address verifies against it, so the answer takes
 * as long as for a known address and does not tell which addresses have accounts.
 */
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('base64url'));
  return decoy;
}
let decoy: Promise<string> | undefined;

/** A password a person can type from a printout: four groups of five characters of Crockford's base32 (100 bits). */
export function generatePassword(): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const chars = [...randomBytes(20)].map((b) => alphabet[b & 31]);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}
