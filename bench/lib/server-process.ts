/**
 * The servers under test, in a process of their own so that the load generator's heap (tens of
 * thousands of prepared request bodies) never pauses them. Prints one JSON line with their addresses,
 * then serves until SIGTERM.
 */
import { createPublicKey, verify } from 'node:crypto';
import Fastify from 'fastify';
import { FixedClock } from '../../src/domain/clock.js';
import { createHttpApp } from '../../src/cli/platform.js';
import { startTestPlatform } from '../../test/support/platform.js';
import { JSON_BODY_LIMIT } from '../../src/http/app.js';
import { openStore } from '../../src/store/database.js';

/** A DER element: where its value starts and ends. */
function tlv(der: Buffer, offset: number): { start: number; end: number } {
  let length = der[offset + 1] as number;
  let start = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i += 1) length = length * 256 + (der[start + i] as number);
    start += n;
  }
  return { start, end: start + length };
}

const HASH_BY_OID: Readonly<Record<string, string>> = {
  '2a864886f70d01010b': 'sha256', // sha256WithRSAEncryption
  '2a8648ce3d040302': 'sha256', // ecdsa-with-SHA256
};

/**
 * The limit route's work, and nothing more: PEM to DER, the parts of the CSR, the public key imported
 * and the signature verified with node:crypto. What no validation of a CSR can skip.
 */
function verifyCsrOnly(pem: string): boolean {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const outer = tlv(der, 0);
  const info = tlv(der, outer.start);
  const algorithm = tlv(der, info.end);
  const signature = tlv(der, algorithm.end);
  const oid = tlv(der, algorithm.start);
  const version = tlv(der, info.start);
  const subject = tlv(der, version.end);
  const spki = tlv(der, subject.end);
  const key = createPublicKey({ key: der.subarray(subject.end, spki.end), format: 'der', type: 'spki' });
  const hash = HASH_BY_OID[der.subarray(oid.start, oid.end).toString('hex')] ?? 'sha256';
  return verify(hash, der.subarray(outer.start, info.end), key, der.subarray(signature.start + 1, signature.end));
}

const url = process.env.BENCH_STORE_URL;
const store = await openStore(url ? { kind: 'postgres', url } : { kind: 'pglite' });

const limitApp = Fastify({ bodyLimit: JSON_BODY_LIMIT });
limitApp.post('/limit', async (request) => ({ valid: verifyCsrOnly((request.body as { csr: string }).csr) }));
await limitApp.listen({ port: 0, host: '127.0.0.1' });

const bareApp = Fastify({ bodyLimit: JSON_BODY_LIMIT });
bareApp.post('/bare', async () => ({ ok: true }));
await bareApp.listen({ port: 0, host: '127.0.0.1' });

const { platform } = await startTestPlatform(store, new FixedClock(), {});
// Rate limiting stays on, as in production, with a limit the benchmark cannot reach.
const app = await createHttpApp(platform, { rateLimit: { max: 1_000_000_000, windowMs: 60_000 } });
await app.listen({ port: 0, host: '127.0.0.1' });
const { apiKey } = await platform.accounts.createReseller({ name: 'Bench', repEmail: 'rep@example.com' });

const address = (server: { address(): unknown }) => `http://127.0.0.1:${(server.address() as { port: number }).port}`;
process.stdout.write(
  `${JSON.stringify({ limit: address(limitApp.server), bare: address(bareApp.server), app: address(app.server), apiKey: apiKey.secret, db: store.kind })}\n`,
);

process.once('SIGTERM', async () => {
  await Promise.all([app.close(), limitApp.close(), bareApp.close()]);
  await store.close();
  process.exit(0);
});
