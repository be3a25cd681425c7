/**
 * Micro-benchmark of the embedded CA's leaf signing (`leafCertificate`: names, extensions, key
 * identifiers, TBSCertificate, ECDSA P-256 signature) against its anchor measured in the same run: a bare
 * `crypto.sign('sha256', tbs, key)` over a TBSCertificate of the same size — the work no CA can skip.
 *
 *   node --import tsx bench/local-ca-sign.ts [signings per round, default 3000]
 *
 * A script, not a test: it prints signings per second and the ratio; it asserts nothing.
 */
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { leafCertificate, type IssuingCa } from '../src/suppliers/local-ca/profiles.js';
import { DerCursor, Tag, parseDer } from '../src/validation/der.js';
import { ecdsaSigner, encodeName, keyIdentifier, randomSerial, OID } from '../src/suppliers/local-ca/x509.js';
import { ecKey, rsaKey } from '../test/support/csr-factory.js';

const COUNT = Number(process.argv[2] ?? 3000);
const ROUNDS = 5;

const intermediateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const intermediateSpki = createPublicKey(intermediateKey).export({ type: 'spki', format: 'der' });
const issuer: IssuingCa = {
  certificatePem: '',
  subject: encodeName([
    { type: OID.organizationName, value: 'Bench Trust' },
    { type: OID.commonName, value: 'Bench Trust TLS CA 1' },
  ]),
  keyId: keyIdentifier(intermediateSpki),
  signer: ecdsaSigner(intermediateKey),
  notAfter: new Date('2036-01-01T00:00:00Z'),
};
const notBefore = new Date('2026-11-26T12:00:00Z');
const notAfter = new Date(notBefore.getTime() + 199 * 86_400_000 - 1000);

function leaf(spki: Buffer, keyType: 'rsa' | 'ec', i: number): Buffer {
  return leafCertificate({
    issuer,
    serial: randomSerial(),
    subjectAttributes: [],
    names: [`bench-${i}.example.com`, `www.bench-${i}.example.com`],
    spki,
    keyType,
    validation: 'dv',
    notBefore,
    notAfter,
  });
}

/** Operations per second over `count` calls. */
function measure(run: (i: number) => void, count: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) run(i);
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function bench(label: string, subscriberKey: KeyObject, keyType: 'rsa' | 'ec'): void {
  const spki = createPublicKey(subscriberKey).export({ type: 'spki', format: 'der' });
  // The anchor signs a real TBSCertificate, the first element of a certificate.
  const certificate = parseDer(leaf(spki, keyType, 0));
  const tbsElement = new DerCursor(certificate, 'certificate').next(Tag.SEQUENCE, 'tbsCertificate');
  const tbs = certificate.bytes.subarray(tbsElement.start, tbsElement.end);
  const bare = () => void sign('sha256', tbs, intermediateKey);
  const full = (i: number) => void leaf(spki, keyType, i);
  measure(bare, 200);
  measure(full, 200);
  const anchors: number[] = [];
  const values: number[] = [];
  // Alternating rounds share whatever the machine is doing at the time.
  for (let round = 0; round < ROUNDS; round++) {
    anchors.push(measure(bare, COUNT));
    values.push(measure(full, COUNT));
  }
  const anchor = median(anchors);
  const value = median(values);
  process.stdout.write(`${label.padEnd(16)} bare sign ${anchor.toFixed(0).padStart(7)}/s   leafCertificate ${value.toFixed(0).padStart(7)}/s   ratio ${(value / anchor).toFixed(2)}\n`);
}

process.stdout.write(`${COUNT} signings per round, median of ${ROUNDS} alternating rounds, issuer ECDSA P-256\n`);
bench('RSA-2048 subject', rsaKey(2048), 'rsa');
bench('P-256 subject', ecKey('P-256'), 'ec');
