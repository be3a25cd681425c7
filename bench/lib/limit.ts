import { createPublicKey, verify } from 'node:crypto';

/** Where a DER element's value starts and ends, trusting the input: the anchor checks nothing it need not. */
function tlv(der: Buffer, offset: number): { start: number; end: number } {
  let length = der[offset + 1] ?? 0;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i += 1) length = length * 256 + (der[start + i] ?? 0);
    start += count;
  }
  return { start, end: start + length };
}

/**
 * The limit of CSR validation, and nothing more: PEM to DER, the three parts of the request, the
 * SubjectPublicKeyInfo imported and the signature verified with node:crypto — the work no validation
 * of a CSR can skip. The anchor of the validate scenarios.
 */
export function verifyCsrOnly(pem: string): boolean {
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

/** Calls per second of `run` over `inputs`, as the median of alternating rounds against `anchor`. */
export function compareRates<T>(inputs: readonly T[], anchor: (input: T) => unknown, run: (input: T) => unknown, rounds = 5): { anchor: number; value: number } {
  const rate = (fn: (input: T) => unknown, items: readonly T[]) => {
    const start = process.hrtime.bigint();
    for (const item of items) if (fn(item) === false) throw new Error('a benchmarked call failed');
    return items.length / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  rate(anchor, inputs.slice(0, 200));
  rate(run, inputs.slice(0, 200));
  const anchors: number[] = [];
  const values: number[] = [];
  // Alternating rounds share whatever else the machine is doing at the time.
  for (let round = 0; round < rounds; round += 1) {
    anchors.push(rate(anchor, inputs));
    values.push(rate(run, inputs));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return { anchor: median(anchors), value: median(values) };
}
