/**
 * A CSR mutation fuzzer: from real, valid requests it makes broken ones the way bugs and attackers do —
 * flipped bits, boundary bytes, truncations, lying DER lengths (zero, huge, indefinite), spliced and
 * duplicated slices, wrong tags, deep nesting — and hands them out as DER, as PEM, or as damaged PEM
 * text. Deterministic per seed, so a failure names the seed and case that reproduce it.
 */
import { buildCsr, ecKey, rsaKey } from './csr-factory.js';

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same cases on every machine. */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }
}

/** Valid requests to start from: RSA and EC keys, one name and many, an IP address, a wildcard. */
export function seedCsrs(): Buffer[] {
  const rsa = rsaKey(2048);
  const ec = ecKey('P-256');
  const p384 = ecKey('P-384');
  const many = Array.from({ length: 40 }, (_, i) => `host${i}.fuzz-example.com`);
  return [
    buildCsr({ privateKey: rsa, commonName: 'shop.fuzz-example.com', sans: ['shop.fuzz-example.com', 'www.shop.fuzz-example.com'] }).der,
    buildCsr({ privateKey: ec, commonName: '*.fuzz-example.com', sans: ['*.fuzz-example.com', 'fuzz-example.com'] }).der,
    buildCsr({ privateKey: p384, commonName: many[0], sans: many, subject: { organization: 'Fuzz GmbH', country: 'DE', locality: 'Berlin' } }).der,
    buildCsr({ privateKey: ec, sans: ['203.0.113.10', '2001:db8::1', 'ip.fuzz-example.com'] }).der,
  ];
}

/** Positions of plausible DER headers (a tag byte followed by a length): where lying lengths hurt most. */
function headerPositions(der: Buffer): number[] {
  const positions: number[] = [];
  for (let i = 0; i + 1 < der.length; i += 1) {
    const tag = der[i] as number;
    if (tag === 0x30 || tag === 0x31 || tag === 0x02 || tag === 0x03 || tag === 0x04 || tag === 0x06 || tag === 0x0c || tag === 0x13 || tag === 0xa0 || tag === 0xa3) positions.push(i);
  }
  return positions;
}

type Mutation = (der: Buffer, random: Prng) => Buffer;

const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x88, 0xff];

const MUTATIONS: readonly (readonly [name: string, mutate: Mutation])[] = [
  ['flip a bit', (der, r) => {
    const out = Buffer.from(der);
    const i = r.below(out.length);
    out[i] = (out[i] as number) ^ (1 << r.below(8));
    return out;
  }],
  ['flip several bits', (der, r) => {
    const out = Buffer.from(der);
    for (let n = 1 + r.below(16); n > 0; n -= 1) {
      const i = r.below(out.length);
      out[i] = (out[i] as number) ^ (1 << r.below(8));
    }
    return out;
  }],
  ['set a boundary byte', (der, r) => {
    const out = Buffer.from(der);
    out[r.below(out.length)] = r.pick(BOUNDARY_BYTES);
    return out;
  }],
  ['truncate', (der, r) => der.subarray(0, r.below(der.length))],
  ['append garbage', (der, r) => Buffer.concat([der, Buffer.from(Array.from({ length: 1 + r.below(64) }, () => r.below(256)))])],
  ['delete a slice', (der, r) => {
    const start = r.below(der.length);
    return Buffer.concat([der.subarray(0, start), der.subarray(start + 1 + r.below(32))]);
  }],
  ['duplicate a slice', (der, r) => {
    const start = r.below(der.length);
    const slice = der.subarray(start, start + 1 + r.below(64));
    return Buffer.concat([der.subarray(0, start), slice, slice, der.subarray(start + slice.length)]);
  }],
  ['lie about a length', (der, r) => {
    const positions = headerPositions(der);
    if (positions.length === 0) return der;
    const at = r.pick(positions) + 1;
    const lie = r.pick([
      [0x00],
      [0x80], // indefinite length, forbidden in DER
      [0x84, 0xff, 0xff, 0xff, 0xff],
      [0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
      [0x81, 0x7f], // a non-minimal long form
      [0x82, 0x00, 0x05],
      [(der[at] as number) + 1],
      [Math.max(0, (der[at] as number) - 1)],
    ]);
    return Buffer.concat([der.subarray(0, at), Buffer.from(lie), der.subarray(at + 1)]);
  }],
  ['change a tag', (der, r) => {
    const positions = headerPositions(der);
    if (positions.length === 0) return der;
    const out = Buffer.from(der);
    out[r.pick(positions)] = r.pick([0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x1e, 0xa0, 0xbf, 0x1f]);
    return out;
  }],
  ['nest deeply', (der, r) => {
    let out = der.subarray(0, r.below(8));
    for (let depth = 0, max = 50 + r.below(2000); depth < max; depth += 1) out = Buffer.concat([Buffer.from([0x30, 0x80]), out]);
    return out;
  }],
  ['splice two requests', (der, r) => {
    const cut = r.below(der.length);
    return Buffer.concat([der.subarray(0, cut), der.subarray(r.below(der.length))]);
  }],
];

/** How a mutant is handed to the decoder. */
export type Encoding = 'der' | 'pem' | 'damaged-pem';

/** One fuzz case: what was done, and the input. */
export interface FuzzCase {
  readonly index: number;
  readonly mutations: readonly string[];
  readonly encoding: Encoding;
  readonly input: string | Buffer;
}

function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE REQUEST-----\n`;
}

function damage(text: string, r: Prng): string {
  switch (r.below(6)) {
    case 0:
      return text.replace('-----END CERTIFICATE REQUEST-----', '');
    case 1:
      return text.replace('CERTIFICATE REQUEST', r.pick(['CERTIFICATE', 'NEW CERTIFICATE REQUEST', 'PRIVATE KEY', 'X']));
    case 2: {
      const i = r.below(text.length);
      return `${text.slice(0, i)}${r.pick(['!', '\u0000', '\u202e', '€', '====', '\r\n\r\n', '-----'])}${text.slice(i)}`;
    }
    case 3:
      return `${text}${text}`;
    case 4:
      return text.replace(/\n/g, r.pick(['', '\r\n', ' ', '\t']));
    default:
      return text.slice(0, r.below(text.length));
  }
}

/** `count` cases from `seeds`, deterministic for `seed`. */
export function* csrMutants(seeds: readonly Buffer[], count: number, seed = 1): Generator<FuzzCase> {
  const random = new Prng(seed);
  for (let index = 0; index < count; index += 1) {
    let der = random.pick(seeds);
    const applied: string[] = [];
    for (let n = 1 + random.below(3); n > 0; n -= 1) {
      const [name, mutate] = random.pick(MUTATIONS);
      der = mutate(der, random);
      applied.push(name);
    }
    const encoding: Encoding = random.pick(['der', 'pem', 'pem', 'damaged-pem']);
    const input = encoding === 'der' ? der : encoding === 'pem' ? pem(der) : damage(pem(der), random);
    yield { index, mutations: applied, encoding, input };
  }
}
