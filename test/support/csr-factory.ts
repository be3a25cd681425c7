/**
 * Builds real PKCS #10 requests during a test or benchmark run: signed with node:crypto by this file's own
 * small encoder, or made by `openssl req` as a second, independent encoder. Also makes the keys the rules
 * are about, including crafted RSA keys (ROCA, close primes, odd sizes) that can really sign.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  checkPrimeSync,
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  generatePrimeSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Tag,
  encodeBitString,
  encodeContext,
  encodeInteger,
  encodeNull,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeSet,
  encodeString,
} from '../../src/validation/der.js';
import type { CsrSubject } from '../../src/validation/types.js';

/** What {@link buildCsr} makes. */
export interface BuiltCsr {
  readonly pem: string;
  readonly der: Buffer;
}

/** Options of {@link buildCsr}. */
export interface BuildCsrOptions {
  /** Signs the request; its public key is the request's key unless `publicKeyInfo` is given. */
  readonly privateKey: KeyObject;
  readonly commonName?: string;
  /** DNS names and IP addresses (v4 or v6, any textual form), in order. */
  readonly sans?: readonly string[];
  /** Further subject attributes; `commonName` above wins over `subject.commonName`. */
  readonly subject?: Partial<CsrSubject>;
  readonly signatureHash?: 'sha256' | 'sha384' | 'sha512' | 'sha1' | 'md5';
  /** Signs an RSA request with RSASSA-PSS (salt length = hash length) instead of PKCS #1 v1.5. */
  readonly pss?: boolean;
  /** Flips one bit of the signature. */
  readonly tamper?: boolean;
  /** The CSR version field; RFC 2986 knows only 0. */
  readonly version?: number;
  /** A SubjectPublicKeyInfo (DER) to put in the request instead of the signing key's: for keys that cannot sign. */
  readonly publicKeyInfo?: Buffer;
}

const OIDS = {
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
} as const;

const SUBJECT_ORDER: readonly { readonly field: keyof CsrSubject; readonly oid: string; readonly tag: number }[] = [
  { field: 'country', oid: '2.5.4.6', tag: Tag.PRINTABLE_STRING },
  { field: 'state', oid: '2.5.4.8', tag: Tag.UTF8_STRING },
  { field: 'locality', oid: '2.5.4.7', tag: Tag.UTF8_STRING },
  { field: 'organization', oid: '2.5.4.10', tag: Tag.UTF8_STRING },
  { field: 'organizationalUnit', oid: '2.5.4.11', tag: Tag.UTF8_STRING },
  { field: 'commonName', oid: '2.5.4.3', tag: Tag.UTF8_STRING },
  { field: 'email', oid: '1.2.840.113549.1.9.1', tag: Tag.IA5_STRING },
];

const RSA_SIGNATURES = {
  sha256: '1.2.840.113549.1.1.11',
  sha384: '1.2.840.113549.1.1.12',
  sha512: '1.2.840.113549.1.1.13',
  sha1: '1.2.840.113549.1.1.5',
  md5: '1.2.840.113549.1.1.4',
} as const;

const HASH_OIDS = { sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3', sha1: '1.3.14.3.2.26', md5: '1.2.840.113549.2.5' } as const;
const HASH_BYTES = { sha256: 32, sha384: 48, sha512: 64, sha1: 20, md5: 16 } as const;
const ECDSA_SIGNATURES: Partial<Record<keyof typeof HASH_OIDS, string>> = {
  sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3',
  sha512: '1.2.840.10045.4.3.4',
  sha1: '1.2.840.10045.4.1',
};

/** IPv4 or IPv6 text to its bytes, independent of the decoder's parser; undefined for anything else. */
function ipBytes(text: string): Buffer | undefined {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  if (!isIPv6(text)) return undefined;
  let hex = text;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(hex);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    hex = `${hex.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = hex.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return Buffer.from(all.map((group) => group.padStart(4, '0')).join(''), 'hex');
}

function subjectName(options: BuildCsrOptions): Buffer {
  const values: Partial<CsrSubject> = { ...options.subject, ...(options.commonName !== undefined && { commonName: options.commonName }) };
  const rdns = SUBJECT_ORDER.flatMap(({ field, oid, tag }) => {
    const value = values[field];
    return value === undefined ? [] : [encodeSet(encodeSequence(encodeOid(oid), encodeString(tag, value)))];
  });
  return encodeSequence(...rdns);
}

function requestedExtensions(sans: readonly string[]): Buffer {
  if (sans.length === 0) return encodeContext(0, true);
  const generalNames = sans.map((name) => {
    const ip = ipBytes(name);
    return ip === undefined ? encodeContext(2, false, Buffer.from(name, 'latin1')) : encodeContext(7, false, ip);
  });
  const subjectAltName = encodeSequence(encodeOid(OIDS.subjectAltName), encodeOctetString(encodeSequence(...generalNames)));
  const attribute = encodeSequence(encodeOid(OIDS.extensionRequest), encodeSet(encodeSequence(subjectAltName)));
  return encodeContext(0, true, attribute);
}

function pssParameters(hash: keyof typeof HASH_OIDS): Buffer {
  const hashAlgorithm = encodeSequence(encodeOid(HASH_OIDS[hash]), encodeNull());
  return encodeSequence(
    encodeContext(0, true, hashAlgorithm),
    encodeContext(1, true, encodeSequence(encodeOid(OIDS.mgf1), hashAlgorithm)),
    encodeContext(2, true, encodeInteger(HASH_BYTES[hash])),
  );
}

/** The AlgorithmIdentifier and the node:crypto call that fit the key type. */
function signer(privateKey: KeyObject, hash: keyof typeof HASH_OIDS, pss: boolean): { algorithm: Buffer; sign: (data: Buffer) => Buffer } {
  const type = privateKey.asymmetricKeyType;
  if (type === 'rsa' || type === 'rsa-pss') {
    if (pss || type === 'rsa-pss') {
      const saltLength = HASH_BYTES[hash];
      return {
        algorithm: encodeSequence(encodeOid(OIDS.rsassaPss), pssParameters(hash)),
        sign: (data) => sign(hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }),
      };
    }
    return { algorithm: encodeSequence(encodeOid(RSA_SIGNATURES[hash]), encodeNull()), sign: (data) => sign(hash, data, privateKey) };
  }
  if (type === 'ec') {
    const oid = ECDSA_SIGNATURES[hash];
    if (oid === undefined) throw new Error(`ECDSA has no ${hash} signature algorithm`);
    return { algorithm: encodeSequence(encodeOid(oid)), sign: (data) => sign(hash, data, privateKey) };
  }
  if (type === 'dsa') return { algorithm: encodeSequence(encodeOid('2.16.840.1.101.3.4.3.2')), sign: (data) => sign('sha256', data, privateKey) };
  if (type === 'ed25519') return { algorithm: encodeSequence(encodeOid('1.3.101.112')), sign: (data) => sign(null, data, privateKey) };
  if (type === 'ed448') return { algorithm: encodeSequence(encodeOid('1.3.101.113')), sign: (data) => sign(null, data, privateKey) };
  throw new Error(`buildCsr cannot sign with a ${type ?? 'symmetric'} key`);
}

/** PEM with 64-character lines. */
function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

const publicKeyInfos = new WeakMap<KeyObject, Buffer>();

/** The SubjectPublicKeyInfo of a private key, exported once per key: benchmarks build tens of thousands of CSRs. */
function publicKeyInfoOf(privateKey: KeyObject): Buffer {
  let spki = publicKeyInfos.get(privateKey);
  if (spki === undefined) {
    spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    publicKeyInfos.set(privateKey, spki);
  }
  return spki;
}

/** Builds and signs a CSR with node:crypto. */
export function buildCsr(options: BuildCsrOptions): BuiltCsr {
  const hash = options.signatureHash ?? 'sha256';
  const spki = options.publicKeyInfo ?? publicKeyInfoOf(options.privateKey);
  const info = encodeSequence(encodeInteger(options.version ?? 0), subjectName(options), spki, requestedExtensions(options.sans ?? []));
  const { algorithm, sign: signData } = signer(options.privateKey, hash, options.pss ?? false);
  const signature = signData(info);
  if (options.tamper) signature[signature.length - 1]! ^= 0x01;
  const der = encodeSequence(info, algorithm, encodeBitString(signature));
  return { pem: toPem(der), der };
}

// ---- keys ---------------------------------------------------------------------------------------

const keys = new Map<string, KeyObject>();

/** Generates a key once per process and label: RSA key generation takes up to seconds. */
function cached(label: string, make: () => KeyObject): KeyObject {
  let key = keys.get(label);
  if (key === undefined) {
    key = make();
    keys.set(label, key);
  }
  return key;
}

/** An RSA private key of `bits` bits (one per size and exponent in a process). */
export function rsaKey(bits = 2048, publicExponent = 65537): KeyObject {
  return cached(`rsa:${bits}:${publicExponent}`, () => generateKeyPairSync('rsa', { modulusLength: bits, publicExponent }).privateKey);
}

/** A 1024-bit RSA key, too small under BR 6.1.5. */
export function smallRsaKey(bits = 1024): KeyObject {
  return rsaKey(bits);
}

/** An EC private key on a named curve; P-521 and secp256k1 exist to be refused. */
export function ecKey(curve: 'P-256' | 'P-384' | 'P-521' | 'secp256k1' = 'P-256'): KeyObject {
  return cached(`ec:${curve}`, () => generateKeyPairSync('ec', { namedCurve: curve }).privateKey);
}

/** Keys of types a TLS CA refuses: DSA (small parameters, for speed), EdDSA, and an RSASSA-PSS-only key. */
export function otherKey(type: 'dsa' | 'ed25519' | 'ed448' | 'rsa-pss'): KeyObject {
  return cached(type, () => {
    switch (type) {
      case 'dsa':
        return generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).privateKey;
      case 'ed25519':
        return generateKeyPairSync('ed25519').privateKey;
      case 'ed448':
        return generateKeyPairSync('ed448').privateKey;
      case 'rsa-pss':
        return generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey;
    }
  });
}

function modInverse(value: bigint, modulus: bigint): bigint {
  let [oldR, r] = [((value % modulus) + modulus) % modulus, modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  if (oldR !== 1n) throw new RangeError('no modular inverse: the values share a factor');
  return ((oldS % modulus) + modulus) % modulus;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

function base64url(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex').toString('base64url');
}

function randomBelow(limit: bigint): bigint {
  const bytes = Math.ceil(limit.toString(16).length / 2) + 8;
  return BigInt(`0x${randomBytes(bytes).toString('hex')}`) % limit;
}

/** The modulus of an RSA key, from its JWK. */
export function rsaModulus(key: KeyObject): bigint {
  const { n } = key.export({ format: 'jwk' });
  return BigInt(`0x${Buffer.from(n ?? '', 'base64url').toString('hex')}`);
}

/** An RSA private key from its primes, complete with CRT values, so crafted keys can sign. */
export function rsaKeyFromPrimes(p: bigint, q: bigint, e = 65537n): KeyObject {
  const d = modInverse(e, (p - 1n) * (q - 1n));
  const jwk = {
    kty: 'RSA',
    n: base64url(p * q),
    e: base64url(e),
    d: base64url(d),
    p: base64url(p),
    q: base64url(q),
    dp: base64url(d % (p - 1n)),
    dq: base64url(d % (q - 1n)),
    qi: base64url(modInverse(q, p)),
  };
  return createPrivateKey({ key: jwk, format: 'jwk' });
}

/** A prime whose p - 1 is coprime to 65537, so e = 65537 has an inverse. */
function usablePrime(candidate: bigint): boolean {
  return (candidate - 1n) % 65537n !== 0n && checkPrimeSync(candidate);
}

/** A 2048-bit RSA key whose primes lie within a few thousand of each other: Fermat factors it at once (BR 6.1.1.3). */
export function closePrimeRsaKey(): KeyObject {
  return cached('rsa:close-primes', () => {
    for (;;) {
      const p = generatePrimeSync(1024, { bigint: true });
      if ((p - 1n) % 65537n === 0n) continue;
      let q = p + 2n;
      while (!usablePrime(q)) q += 2n;
      return rsaKeyFromPrimes(p, q);
    }
  });
}

/** An RSA key whose modulus has 2052 bits, a size not divisible by 8 (BR 6.1.5). */
export function oddSizeRsaKey(): KeyObject {
  return cached('rsa:2052', () => {
    for (;;) {
      const p = generatePrimeSync(1026, { bigint: true });
      const q = generatePrimeSync(1026, { bigint: true });
      if (p !== q && usablePrime(p) && usablePrime(q) && (p * q).toString(2).length % 8 !== 0) return rsaKeyFromPrimes(p, q);
    }
  });
}

function firstPrimes(count: number): bigint[] {
  const primes: bigint[] = [];
  for (let candidate = 2; primes.length < count; candidate++) {
    if (primes.every((prime) => candidate % Number(prime) !== 0)) primes.push(BigInt(candidate));
  }
  return primes;
}

/**
 * An RSA key with the ROCA structure (CVE-2017-15361): each prime is k·M + (65537^a mod M), M the product of
 * the first n primes that Infineon's RSALib used for the key size (39 primes up to 960-bit keys, 71 up to
 * 1952, 126 up to 3936; Nemec et al., CCS 2017, table 1). Random small k and a, a few dozen prime tests.
 */
export function rocaRsaKey(bits: 1024 | 2048 = 2048): KeyObject {
  return cached(`rsa:roca:${bits}`, () => {
    const primeBits = BigInt(bits / 2);
    const m = firstPrimes(bits <= 960 ? 39 : bits <= 1952 ? 71 : 126).reduce((product, prime) => product * prime, 1n);
    // Primes from 0.75 · 2^primeBits up: the top two bits set make the product exactly `bits` long.
    const low = (3n << (primeBits - 2n)) / m + 1n;
    const high = ((1n << primeBits) - m) / m;
    const prime = (): bigint => {
      for (;;) {
        const candidate = (low + randomBelow(high - low)) * m + modPow(65537n, randomBelow(1n << 40n), m);
        if (usablePrime(candidate)) return candidate;
      }
    };
    return rsaKeyFromPrimes(prime(), prime());
  });
}

/** An rsaEncryption SubjectPublicKeyInfo for any modulus and exponent, even ones no private key could match. */
export function rsaPublicKeyInfo(modulus: bigint, exponent: bigint): Buffer {
  const algorithm = encodeSequence(encodeOid(OIDS.rsaEncryption), encodeNull());
  return encodeSequence(algorithm, encodeBitString(encodeSequence(encodeInteger(modulus), encodeInteger(exponent))));
}

// ---- openssl ------------------------------------------------------------------------------------

/**
 * Makes a CSR with `openssl req -new -batch` and the given extra arguments (e.g. `-subj`, `-addext
 * subjectAltName=DNS:example.com,IP:192.0.2.1`, `-sha384`, `-sigopt rsa_padding_mode:pss`): a second encoder
 * that shares no code with this file. Signs with `privateKey`, by default the process's RSA-2048 key.
 */
export function opensslCsr(args: readonly string[], privateKey: KeyObject = rsaKey(2048)): BuiltCsr {
  const dir = mkdtempSync(join(tmpdir(), 'certbroker-csr-'));
  try {
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const pem = execFileSync('/usr/bin/openssl', ['req', '-new', '-batch', '-key', keyFile, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const body = /-----BEGIN CERTIFICATE REQUEST-----([\s\S]*?)-----END CERTIFICATE REQUEST-----/.exec(pem)?.[1];
    if (body === undefined) throw new Error(`openssl req printed no CSR: ${pem}`);
    return { pem, der: Buffer.from(body, 'base64') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether `openssl req -verify` accepts a CSR's self-signature: an independent check of PEM this project
 * writes. OpenSSL 3.0 exits 0 even when verification fails, so its verdict is read from what it prints.
 */
export function opensslVerifies(pem: string): boolean {
  const run = spawnSync('/usr/bin/openssl', ['req', '-noout', '-verify'], { input: pem, encoding: 'utf8' });
  return run.status === 0 && /verify OK/.test(`${run.stdout}${run.stderr}`);
}
