import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Secrets } from './config.js';

const SECRETS_FILE = 'secrets.json';

/**
 * The platform's secrets: those given in the environment win; the rest are generated once and kept in
 * `CERTBROKER_DATA_DIR/secrets.json` (mode 0600) so that a restart finds the same CA keys and DKIM key.
 * Processes on several machines must share them through the environment.
 */
export function loadSecrets(dataDir: string, given: Partial<Secrets>): Secrets {
  const file = join(dataDir, SECRETS_FILE);
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>) : {};
  const secrets: Secrets = {
    caKeyEncryptionKey: given.caKeyEncryptionKey ?? stored.caKeyEncryptionKey ?? randomBytes(32).toString('base64'),
    dkimPrivateKeyPem:
      given.dkimPrivateKeyPem ??
      stored.dkimPrivateKeyPem ??
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    replySigningKey: given.replySigningKey ?? stored.replySigningKey ?? randomBytes(32).toString('base64'),
    acmeKeyEncryptionKey: given.acmeKeyEncryptionKey ?? stored.acmeKeyEncryptionKey ?? randomBytes(32).toString('base64'),
  };
  const toStore = { ...stored, ...Object.fromEntries(Object.entries(secrets).filter(([k]) => !(k in given))) };
  if (JSON.stringify(toStore) !== JSON.stringify(stored)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify(toStore, null, 2)}\n`, { mode: 0o600 });
  }
  if (Buffer.from(secrets.caKeyEncryptionKey, 'base64').length !== 32) throw new Error('CA_KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded.');
  if (Buffer.from(secrets.acmeKeyEncryptionKey, 'base64').length !== 32) throw new Error('ACME_ACCOUNT_KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded.');
  return secrets;
}
