import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { leafCertificate, type IssuingCa } from '../../src/suppliers/local-ca/profiles.js';
import { ecdsaSigner, encodeName, keyIdentifier, OID, randomSerial } from '../../src/suppliers/local-ca/x509.js';
import { decodeCsr } from '../../src/validation/csr.js';
import { DerCursor, parseDer, Tag } from '../../src/validation/der.js';
import { buildCsr, ecKey, rsaKey } from '../../test/support/csr-factory.js';
import { compareRates, verifyCsrOnly } from '../lib/limit.js';
import type { Measurement } from '../lib/report.js';
import type { Scenario } from '../lib/scenario.js';

const DEFAULT_COUNT = Number(process.env.BENCH_PRIMITIVE_COUNT ?? 2000);

/** A leaf as the embedded CA builds it, from an ECDSA P-256 intermediate. */
function leafBuilder(): { build(spki: Buffer, keyType: 'rsa' | 'ec', i: number): Buffer; key: KeyObject } {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const issuer: IssuingCa = {
    certificatePem: '',
    subject: encodeName([
      { type: OID.organizationName, value: 'Bench Trust' },
      { type: OID.commonName, value: 'Bench Trust TLS CA 1' },
    ]),
    keyId: keyIdentifier(createPublicKey(key).export({ type: 'spki', format: 'der' })),
    signer: ecdsaSigner(key),
    notAfter: new Date('2036-01-01T00:00:00Z'),
  };
  const notBefore = new Date('2026-11-26T12:00:00Z');
  const notAfter = new Date(notBefore.getTime() + 199 * 86_400_000);
  return {
    key,
    build: (spki, keyType, i) =>
      leafCertificate({ issuer, serial: randomSerial(), subjectAttributes: [], names: [`bench-${i}.example.com`, `www.bench-${i}.example.com`], spki, keyType, validation: 'dv', notBefore, notAfter, crlUrl: 'http://127.0.0.1/crl/bench.crl' }),
  };
}

/** In-process primitives beside their anchors: CSR decoding vs. bare verification, leaf building vs. bare signing. */
export function createPrimitivesScenario(overrides: { readonly count?: number } = {}): Scenario {
  const COUNT = overrides.count ?? DEFAULT_COUNT;
  return {
    name: 'primitives',
    description: 'decodeCsr vs. bare PEM+verify; embedded CA leaf build+sign vs. bare ECDSA signature (one core, no cache)',
    async run() {
      const rows: Measurement[] = [];
      for (const [label, privateKey, keyType] of [
        ['rsa-2048', rsaKey(2048), 'rsa'],
        ['p-256', ecKey('P-256'), 'ec'],
      ] as const) {
        const csrs = Array.from({ length: COUNT }, (_, i) => buildCsr({ privateKey, commonName: `bench-${i}.example.com`, sans: [`bench-${i}.example.com`, `www.bench-${i}.example.com`] }).pem);
        const decode = compareRates(csrs, verifyCsrOnly, (pem) => decodeCsr(pem).ok);
        rows.push({ scenario: 'primitives', case: label, metric: 'decodeCsr', value: decode.value, unit: 'CSRs/s', anchor: { name: 'bare PEM+verify/s', value: decode.anchor }, ratio: decode.value / decode.anchor });

        const leaf = leafBuilder();
        const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
        const certificate = parseDer(leaf.build(spki, keyType, 0));
        const tbsElement = new DerCursor(certificate, 'certificate').next(Tag.SEQUENCE, 'tbsCertificate');
        const tbs = certificate.bytes.subarray(tbsElement.start, tbsElement.end);
        const indexes = Array.from({ length: COUNT }, (_, i) => i);
        const signing = compareRates(indexes, () => sign('sha256', tbs, leaf.key), (i) => leaf.build(spki, keyType, i));
        rows.push({ scenario: 'primitives', case: `${label} subject`, metric: 'leaf build+sign', value: signing.value, unit: 'certs/s', anchor: { name: 'bare P-256 sign/s', value: signing.anchor }, ratio: signing.value / signing.anchor });
      }
      return rows;
    },
  };
}

export const primitivesScenario = createPrimitivesScenario();
