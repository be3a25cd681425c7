import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('configuration from the environment', () => {
  it('defaults to the embedded CA alone, without ACME', () => {
    const config = loadConfig({});
    expect(config.supplierChain).toEqual(['local-ca']);
    expect(config.productChains).toEqual({});
    expect(config.acme).toBeUndefined();
  });

  it('reads the supplier lists, per product too, and an ACME CA with External Account Binding', () => {
    const config = loadConfig({
      SUPPLIERS: 'acme, local-ca',
      SUPPLIERS_OV_SINGLE: 'local-ca',
      ACME_DIRECTORY_URL: 'https://acme.ca.example/directory',
      ACME_EAB_KID: 'kid-1',
      ACME_EAB_HMAC_KEY: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ',
      ACME_CONTACT_EMAIL: 'pki@platform.example',
      ACME_PREFERRED_CHALLENGE: 'http-01',
      ACME_POLL_INTERVAL_MS: '2000',
    });
    expect(config.supplierChain).toEqual(['acme', 'local-ca']);
    expect(config.productChains).toEqual({ 'ov-single': ['local-ca'] });
    expect(config.acme).toMatchObject({
      directoryUrl: 'https://acme.ca.example/directory',
      eab: { kid: 'kid-1', hmacKey: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ' },
      contactEmail: 'pki@platform.example',
      preferredChallenge: 'http-01',
      pollIntervalMs: 2000,
    });
  });

  it('refuses a half-made ACME configuration with a sentence naming the variable', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ACME_EAB_KID: 'kid-1' }, /ACME_EAB_KID is set but ACME_DIRECTORY_URL is not/],
      [{ ACME_DIRECTORY_URL: 'http://acme.ca.example/directory' }, /ACME_DIRECTORY_URL must be the https URL/],
      [{ ACME_DIRECTORY_URL: 'https://acme.ca.example/directory', ACME_EAB_KID: 'kid-1' }, /ACME_EAB_KID and ACME_EAB_HMAC_KEY go together/],
      [{ ACME_DIRECTORY_URL: 'https://acme.ca.example/directory', ACME_PREFERRED_CHALLENGE: 'tls-alpn-01' }, /ACME_PREFERRED_CHALLENGE must be dns-01 or http-01/],
      [{ SUPPLIERS: 'acme,Local CA' }, /SUPPLIERS must be a comma-separated list of supplier names/],
    ];
    for (const [env, message] of cases) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    }
  });
});
