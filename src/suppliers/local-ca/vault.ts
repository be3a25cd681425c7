import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Format tag of a sealed value, so that a later change of scheme can read old rows. */
const VERSION = 'v1';
/** NIST SP 800-38D 8.2.2: a 96-bit random IV; far fewer than 2^32 seals are made with one key. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Raised when a sealed value does not open: another key, another context, or altered bytes. */
export class SealError extends Error {
  override readonly name = 'SealError';
}

/**
 * The CA's secrets at rest. Private keys (and approval codes waiting in the outbox) are sealed with
 * AES-256-GCM under the configured key; the row they belong to is the additional authenticated data,
 * so a sealed value copied into another row does not open. Approval codes are stored only as an HMAC
 * under a key derived from the same secret (RFC 5869), so a copy of the database alone cannot test
 * guesses against them.
 */
export class KeyVault {
  readonly #key: Buffer;
  readonly #codeKey: Buffer;

  /** @param encryptionKey 32 bytes (checked by the config). */
  constructor(encryptionKey: Buffer) {
    this.#key = Buffer.from(encryptionKey);
    this.#codeKey = Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), 'local-ca approval codes', 32));
  }

  /** Encrypts and authenticates `plaintext` for the row named by `context`. */
  seal(plaintext: Uint8Array, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /**
   * Opens a value made by {@link seal} for the same `context`.
   * @throws SealError when the key, the context or the bytes differ.
   */
  open(sealed: string, context: string): Buffer {
    const [version, payload] = sealed.split('.');
    if (version !== VERSION || payload === undefined) throw new SealError(`sealed value for ${context} has an unknown format`);
    const bytes = Buffer.from(payload, 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SealError(`sealed value for ${context} is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new SealError(`sealed value for ${context} does not open with this key`);
    }
  }

  /** The stored digest of an approval code (already normalised) for one order. */
  codeDigest(supplierOrderId: string, code: string): string {
    return createHmac('sha256', this.#codeKey).update(`${supplierOrderId}\n${code}`).digest('hex');
  }

  /** Whether `code` matches `digest`, in constant time (the digests are always 32 bytes of hex). */
  codeMatches(supplierOrderId: string, code: string, digest: string): boolean {
    const expected = Buffer.from(digest, 'hex');
    const actual = Buffer.from(this.codeDigest(supplierOrderId, code), 'hex');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}
