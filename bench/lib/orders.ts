import { buildCsr, ecKey, rsaKey } from '../../test/support/csr-factory.js';
import { progress } from './report.js';

/**
 * Complete order bodies, each with a CSR of its own (distinct names, so distinct bytes and digest: no
 * cache can flatter a figure). `tag` keeps the names of one run's sets apart.
 */
export function orderBodies(kind: 'rsa-2048' | 'p-256', count: number, tag = ''): string[] {
  const privateKey = kind === 'rsa-2048' ? rsaKey(2048) : ecKey('P-256');
  const bodies: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const domain = `bench-${i}${tag}-${kind}.example.com`;
    const { pem } = buildCsr({ privateKey, commonName: domain, sans: [domain] });
    bodies.push(
      JSON.stringify({
        product: 'dv-single',
        termMonths: 12,
        csr: pem,
        domains: [domain],
        approverEmail: 'admin@example.com',
        adminContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+49 30 1234567', country: 'DE' },
        language: 'en',
      }),
    );
    if (i % 1000 === 0 || i === count - 1) progress(`generating ${kind} CSRs`, i + 1, count);
  }
  return bodies;
}
