/**
 * Micro-benchmark of `decodeCsr` (no cache) against its anchor measured in the same run: a bare loop that
 * only turns the PEM into DER, walks to the three parts of the request, imports the SubjectPublicKeyInfo and
 * verifies the signature with node:crypto — the work no CSR validation can skip.
 *
 *   node --import tsx bench/csr-micro.ts [distinct CSRs per key type, default 2000]
 *
 * A script, not a test: it prints decodes per second and the ratio; it asserts nothing.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { decodeCsr } from '../src/validation/csr.js';
import { buildCsr, ecKey, rsaKey } from '../test/support/csr-factory.js';

const COUNT = Number(process.argv[2] ?? 2000);
const ROUNDS = 5;

/** Where an element's value starts and ends, trusting the input: the anchor checks nothing it need not. */
function tlv(der: Buffer, offset: number): { start: number; end: number } {
  let length = der[offset + 1] ?? 0;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start + i] ?? 0);
    start += count;
  }
  return { start, end: start + length };
}

function bareVerify(pem: string): boolean {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const outer = tlv(der, 0);
  const info = tlv(der, outer.start);
  const algorithm = tlv(der, info.end);
  const signature = tlv(der, algorithm.end);
  const version = tlv(der, info.start);
  const subject = tlv(der, version.end);
  const spki = tlv(der, subject.end);
  const key = createPublicKey({ key: der.subarray(subject.end, spki.end), format: 'der', type: 'spki' });
  return verify('sha256', der.subarray(outer.start, info.end), key, der.subarray(signature.start + 1, signature.end));
}

function decodes(pem: string): boolean {
  return decodeCsr(pem).ok;
}

/** Calls per second over all inputs; every call must succeed, so a broken path cannot look fast. */
function measure(run: (pem: string) => boolean, inputs: readonly string[]): number {
  const start = process.hrtime.bigint();
  for (const pem of inputs) if (!run(pem)) throw new Error('a CSR failed to verify');
  return inputs.length / (Number(process.hrtime.bigint() - start) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function bench(label: string, privateKey: KeyObject): void {
  const inputs = Array.from({ length: COUNT }, (_, i) => buildCsr({ privateKey, commonName: `bench-${i}.example.com`, sans: [`bench-${i}.example.com`, `www.bench-${i}.example.com`] }).pem);
  measure(bareVerify, inputs.slice(0, 200));
  measure(decodes, inputs.slice(0, 200));
  const bare: number[] = [];
  const full: number[] = [];
  // Alternating rounds share whatever the machine is doing at the time.
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(measure(bareVerify, inputs));
    full.push(measure(decodes, inputs));
  }
  const anchor = median(bare);
  const value = median(full);
  process.stdout.write(
    `${label.padEnd(9)} bare verify ${anchor.toFixed(0).padStart(7)}/s   decodeCsr ${value.toFixed(0).padStart(7)}/s   ratio ${(value / anchor).toFixed(2)}\n`,
  );
}

process.stdout.write(`${COUNT} distinct CSRs per key type, median of ${ROUNDS} alternating rounds, no cache\n`);
bench('RSA-2048', rsaKey(2048));
bench('P-256', ecKey('P-256'));
