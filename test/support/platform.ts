import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Clock } from '../../src/domain/clock.js';
import { createPlatform, type Platform, type PlatformOptions } from '../../src/cli/platform.js';
import { startSmtpSink, type SmtpSink } from '../../src/mail/sink.js';
import { createSmtpTransport } from '../../src/mail/transport.js';
import type { Store } from '../../src/store/database.js';

/** One DKIM key per test process: RSA key generation is slow and the key's identity does not matter here. */
const DKIM_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export const TEST_MAIL_DOMAIN = 'mail.example.net';
export const TEST_PLATFORM_NAME = 'certbroker';
export const TEST_PUBLIC_BASE_URL = 'https://portal.certbroker.test';

/** A platform on `store` whose mail goes over real SMTP to a sink of its own, with a short job backoff. */
export async function startTestPlatform(
  store: Store,
  clock: Clock,
  overrides: Partial<Pick<PlatformOptions, 'jobs' | 'webhooksAllowPrivateTargets' | 'fraud' | 'acme' | 'supplierChain' | 'productChains'>> & { encryptionKey?: Buffer } = {},
): Promise<{ platform: Platform; sink: SmtpSink; close(): Promise<void> }> {
  const sink = await startSmtpSink({ port: 0 });
  const platform = await createPlatform({
    store,
    clock,
    mail: {
      domain: TEST_MAIL_DOMAIN,
      dkimSelector: 's1',
      dkimPrivateKeyPem: DKIM_KEY,
      replyKey: randomBytes(32),
      platformName: TEST_PLATFORM_NAME,
      publicBaseUrl: TEST_PUBLIC_BASE_URL,
      transport: createSmtpTransport(`smtp://127.0.0.1:${sink.port}`, TEST_MAIL_DOMAIN),
    },
    localCa: { encryptionKey: overrides.encryptionKey ?? randomBytes(32), dcvPort: 0 },
    webhooksAllowPrivateTargets: overrides.webhooksAllowPrivateTargets ?? true,
    jobs: overrides.jobs ?? { backoffMs: () => 1, maxAttempts: 5 },
    ...(overrides.fraud !== undefined && { fraud: overrides.fraud }),
    ...(overrides.acme !== undefined && { acme: overrides.acme }),
    ...(overrides.supplierChain !== undefined && { supplierChain: overrides.supplierChain }),
    ...(overrides.productChains !== undefined && { productChains: overrides.productChains }),
  });
  return {
    platform,
    sink,
    close: async () => {
      await platform.close();
      await sink.close();
    },
  };
}
