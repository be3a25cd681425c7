import { buildCsr, ecKey } from './csr-factory.js';

let counter = 0;

/** A unique registrable test domain per call, so orders never collide across tests. */
export function uniqueDomain(): string {
  counter += 1;
  return `shop-${process.pid}-${counter}-${Date.now().toString(36)}.com`;
}

/** A complete, valid dv-single order body for a fresh domain, with a CSR made during the run. */
export function orderBody(overrides: Record<string, unknown> = {}, domain = uniqueDomain()): Record<string, unknown> {
  const { pem } = buildCsr({ privateKey: ecKey('P-256'), commonName: domain, sans: [domain] });
  return {
    product: 'dv-single',
    termMonths: 12,
    csr: pem,
    domains: [domain],
    approverEmail: `admin@${domain}`,
    adminContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+49 30 1234567', country: 'DE' },
    language: 'en',
    ...overrides,
  };
}
