import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { insertReseller } from '../../src/store/accounts.repository.js';
import type { Executor } from '../../src/store/database.js';
import { newId } from '../../src/store/ids.js';
import { insertOrder } from '../../src/store/orders.repository.js';
import { dkimTxtRecord } from '../../src/mail/config.js';

/** A reseller and one of its orders, inserted directly: outbox rows reference both. */
export async function insertOrderFixture(db: Executor, at: Date): Promise<{ resellerId: string; orderId: string; domain: string }> {
  const resellerId = newId('res');
  const orderId = newId('ord');
  const domain = `shop-${orderId.slice(4, 12)}.example`;
  await insertReseller(db, { id: resellerId, name: 'Hosting Partner GmbH', repEmail: 'rep@hosting-partner.example', currency: 'EUR', creditLimit: 0, createdAt: at });
  await insertOrder(db, {
    id: orderId,
    resellerId,
    product: 'dv-single',
    termMonths: 12,
    csrPem: '-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n',
    csrSha256: orderId,
    domains: [{ name: domain, unicode: domain, dcv: { method: 'email', email: `admin@${domain}` } }],
    approverEmail: `admin@${domain}`,
    adminContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@customer.example', phone: '+49 30 1234567', country: 'DE' },
    organization: null,
    language: 'en',
    priceAmount: 900,
    currency: 'EUR',
    idempotencyKey: orderId,
    requestHash: orderId,
    createdAt: at,
  });
  return { resellerId, orderId, domain };
}

/** A certificate as a supplier returns it: leaf signed by an issuer whose name the test chooses. */
export interface TestCertificate {
  readonly certificatePem: string;
  readonly chainPem: readonly string[];
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Issues a real leaf certificate for `domain` from a fresh CA named `issuerName`, with openssl. */
export function issueTestCertificate(domain: string, issuerName = 'Test Issuing CA'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'mail-cert-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-subj', `/CN=${issuerName}`, '-days', '30');
    openssl('req', ...ec, '-keyout', file('leaf.key'), '-out', file('leaf.csr'), '-subj', `/CN=${domain}`);
    openssl('x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '30', '-out', file('leaf.pem'));
    const certificatePem = readFileSync(file('leaf.pem'), 'ascii');
    const leaf = new X509Certificate(certificatePem);
    return {
      certificatePem,
      chainPem: [readFileSync(file('ca.pem'), 'ascii')],
      serialNumber: leaf.serialNumber,
      notBefore: new Date(leaf.validFrom),
      notAfter: new Date(leaf.validTo),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A port that was free a moment ago: for a relay that is down now and starts later on the same port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** A DNS resolver for mailauth that knows one DKIM record and nothing else (tests use no DNS). */
export function dkimResolver(recordName: string, publicKeyPem: string): (name: string, rrtype: string) => Promise<string[][]> {
  const record = dkimTxtRecord(publicKeyPem);
  return async (name, rrtype) => {
    if (rrtype === 'TXT' && name.toLowerCase() === recordName.toLowerCase()) return [[record]];
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}
