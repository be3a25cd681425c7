/**
 * Seals the ACME account key at rest with AES-256-GCM. The context (which account the key belongs to)
 * is bound as additional authenticated data, so a sealed key copied to another row does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
/** NIST SP 800-38D 8.2: a 96-bit IV from the CSPRNG per message. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value did not open: another key, another context, or damaged bytes. */
export class SealError extends Error {
  override readonly name = 'SealError';
}

/** AES-256-GCM with one configured key. */
export class KeyVault {
  readonly #key: Buffer;

  /** @param key 32 bytes. */
  constructor(key: Buffer) {
    this.#key = Buffer.from(key);
  }

  /** `v1.<base64 of iv | tag | ciphertext>`. */
  seal(plaintext: Buffer, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
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
}
