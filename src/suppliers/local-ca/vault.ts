import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { SealedBox } from '../shared/sealed-box.js';

/**
 * The CA's secrets at rest: private keys and approval codes waiting in the outbox are sealed (see
 * {@link SealedBox}); approval codes are stored only as an HMAC under a key derived from the same
 * secret (RFC 5869), so a copy of the database alone cannot test guesses against them.
 */
export class KeyVault extends SealedBox {
  readonly #codeKey: Buffer;

  /** @param encryptionKey 32 bytes (checked by the config). */
  constructor(encryptionKey: Buffer) {
    super(encryptionKey);
    this.#codeKey = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'local-ca approval codes', 32));
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
