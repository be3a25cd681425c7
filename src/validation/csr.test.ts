import { checkPrimeSync, createECDH, createHash, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildCsr,
  closePrimeRsaKey,
  ecKey,
  oddSizeRsaKey,
  opensslCsr,
  opensslVerifies,
  otherKey,
  rocaRsaKey,
  rsaKey,
  rsaKeyFromPrimes,
  rsaModulus,
  rsaPublicKeyInfo,
  smallRsaKey,
} from '../../test/support/csr-factory.js';
import { checkRsaKey, createCsrDecoder, decodeCsr, fermatFactor, isRocaVulnerable } from './csr.js';
import { encodeBitString, encodeContext, encodeInteger, encodeOid, encodeSequence } from './der.js';
import type { Checked, DecodedCsr, WeakKeyBlocklist } from './types.js';

function codes(result: Checked<DecodedCsr>): string[] {
  return result.ok ? [] : result.errors.map((error) => error.code);
}

function decoded(result: Checked<DecodedCsr>): DecodedCsr {
  if (!result.ok) throw new Error(`expected a valid CSR, got ${JSON.stringify(result.errors)}`);
  return result.value;
}

function messageOf(result: Checked<DecodedCsr>): string {
  return result.ok ? '' : result.errors.map((error) => error.message).join(' | ');
}

function spkiOf(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

function nextPrime(from: bigint): bigint {
  let candidate = from | 1n;
  while (!checkPrimeSync(candidate)) candidate += 2n;
  return candidate;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

const example = buildCsr({ privateKey: rsaKey(2048), commonName: 'example.com', sans: ['example.com', 'www.example.com'] });

describe('input forms', () => {
  it('decodes PEM', () => {
    const csr = decoded(decodeCsr(example.pem));
    expect(csr.names).toEqual(['example.com', 'www.example.com']);
    expect(csr.key).toEqual({ type: 'rsa', bits: 2048, exponent: 65537 });
    expect(csr.signatureAlgorithm).toBe('sha256WithRSAEncryption');
  });

  it('decodes DER given as a Buffer or a plain Uint8Array', () => {
    expect(decoded(decodeCsr(example.der)).sha256).toBe(sha256(example.der));
    expect(decoded(decodeCsr(new Uint8Array(example.der))).sha256).toBe(sha256(example.der));
  });

  it('decodes the base64 of the DER without armour, with or without line breaks', () => {
    expect(decodeCsr(example.der.toString('base64')).ok).toBe(true);
    expect(decodeCsr(example.pem.split('\n').slice(1, -2).join('\n')).ok).toBe(true);
  });

  it('decodes the bytes of a PEM file', () => {
    expect(decodeCsr(Buffer.from(`\n${example.pem}`)).ok).toBe(true);
  });

  it('accepts the NEW CERTIFICATE REQUEST label, CRLF, indentation, one long line and text around the block', () => {
    const body = example.der.toString('base64');
    const variants = [
      example.pem.replaceAll('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'),
      example.pem.replace(/\n/g, '\r\n'),
      example.pem.replace(/^/gm, '    '),
      `-----BEGIN CERTIFICATE REQUEST-----${body}-----END CERTIFICATE REQUEST-----`,
      `Here is my CSR:\n\n${example.pem}\nThanks!`,
    ];
    for (const text of variants) expect(decoded(decodeCsr(text)).sha256).toBe(sha256(example.der));
  });

  it('asks for a CSR when there is none', () => {
    for (const input of ['', '   \n\t', new Uint8Array()]) {
      expect(decodeCsr(input)).toEqual({ ok: false, errors: [expect.objectContaining({ path: 'csr', code: 'csr.required' })] });
    }
  });

  it('refuses text that is not a CSR', () => {
    for (const input of ['hello world!', 'hello', Buffer.from('not a csr')]) expect(codes(decodeCsr(input))).toEqual(['csr.not_pem']);
  });

  it('says so when a certificate or a private key is pasted instead', () => {
    const certificate = decodeCsr('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(codes(certificate)).toEqual(['csr.not_pem']);
    expect(messageOf(certificate)).toMatch(/certificate, not a certificate signing request/);
    const key = decodeCsr(rsaKey(2048).export({ type: 'pkcs8', format: 'pem' }) as string);
    expect(codes(key)).toEqual(['csr.not_pem']);
    expect(messageOf(key)).toMatch(/private key, which must stay secret/);
    expect(messageOf(decodeCsr('-----BEGIN <script>-----'))).toMatch(/a PEM block of another kind/);
  });

  it('refuses PEM without its END line or with a body that is not base64', () => {
    expect(messageOf(decodeCsr(example.pem.replace('-----END CERTIFICATE REQUEST-----', '')))).toMatch(/END CERTIFICATE REQUEST----- line is missing/);
    expect(messageOf(decodeCsr(example.pem.replace('\n', '\n!!')))).toMatch(/not valid base64/);
    expect(codes(decodeCsr('-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----'))).toEqual(['csr.not_pem']);
  });
});

describe('structure (RFC 2986)', () => {
  const outerLength = example.der.readUInt16BE(2);

  it('refuses truncated DER', () => {
    for (const cut of [1, 10, example.der.length - 4]) {
      const result = decodeCsr(example.der.subarray(0, example.der.length - cut));
      expect(codes(result)).toEqual(['csr.malformed']);
    }
  });

  it('refuses trailing data, in DER and in PEM', () => {
    const longer = Buffer.concat([example.der, Buffer.from([0])]);
    expect(codes(decodeCsr(longer))).toEqual(['csr.malformed']);
    expect(messageOf(decodeCsr(longer.toString('base64')))).toMatch(/1 unexpected bytes follow/);
  });

  it('refuses an indefinite length', () => {
    const indefinite = Buffer.concat([Buffer.from([0x30, 0x80]), example.der.subarray(4), Buffer.from([0, 0])]);
    expect(messageOf(decodeCsr(indefinite))).toMatch(/indefinite length/);
  });

  it('refuses a non-minimal length', () => {
    const padded = Buffer.concat([Buffer.from([0x30, 0x83, 0x00, outerLength >> 8, outerLength & 0xff]), example.der.subarray(4)]);
    expect(messageOf(decodeCsr(padded))).toMatch(/leading zero/);
  });

  it('refuses random bytes that merely start like a SEQUENCE', () => {
    expect(codes(decodeCsr(Buffer.from([0x30, 0x03, 0x01, 0x02, 0x03])))).toEqual(['csr.malformed']);
  });

  it('refuses DER shaped like a certificate', () => {
    const tbsCertificate = encodeSequence(encodeContext(0, true, encodeInteger(2)), encodeInteger(1), encodeSequence(encodeOid('1.2.840.113549.1.1.11')));
    const certificate = encodeSequence(tbsCertificate, encodeSequence(encodeOid('1.2.840.113549.1.1.11')), encodeBitString(Buffer.alloc(8)));
    expect(messageOf(decodeCsr(certificate))).toBe('The CSR is not a valid PKCS #10 request (RFC 2986): version at byte 4: expected INTEGER, found tag 0xa0.');
  });

  it('refuses a version other than 0', () => {
    const result = decodeCsr(buildCsr({ privateKey: rsaKey(2048), commonName: 'example.com', version: 1 }).pem);
    expect(codes(result)).toEqual(['csr.unsupported_version']);
    expect(messageOf(result)).toMatch(/RFC 2986 section 4.1/);
  });

  it('refuses control characters in the subject', () => {
    expect(messageOf(decodeCsr(buildCsr({ privateKey: ecKey('P-256'), commonName: 'evil.com\u0000.example.com' }).pem))).toMatch(/control character/);
  });

  it('refuses a DNS name that is not ASCII (dNSName is an IA5String)', () => {
    expect(codes(decodeCsr(buildCsr({ privateKey: ecKey('P-256'), sans: ['bücher.example'] }).pem))).toEqual(['csr.malformed']);
  });
});

describe('signature', () => {
  it('refuses a tampered signature', () => {
    const result = decodeCsr(buildCsr({ privateKey: rsaKey(2048), commonName: 'example.com', tamper: true }).pem);
    expect(codes(result)).toEqual(['csr.bad_signature']);
    expect(codes(decodeCsr(buildCsr({ privateKey: ecKey('P-256'), commonName: 'example.com', tamper: true }).pem))).toEqual(['csr.bad_signature']);
  });

  it('refuses a request changed after signing', () => {
    const der = Buffer.from(buildCsr({ privateKey: ecKey('P-256'), commonName: 'tamper.example.com' }).der);
    der[der.indexOf('tamper') + 3] = 'q'.charCodeAt(0);
    expect(codes(decodeCsr(der))).toEqual(['csr.bad_signature']);
  });

  it('refuses a request signed by another key than its own', () => {
    const result = decodeCsr(buildCsr({ privateKey: rsaKey(2048), publicKeyInfo: spkiOf(rsaKey(3072)), commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.bad_signature']);
  });

  it('refuses a signature algorithm that does not match the key', () => {
    const result = decodeCsr(buildCsr({ privateKey: rsaKey(2048), publicKeyInfo: spkiOf(ecKey('P-256')), commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.bad_signature']);
    expect(messageOf(result)).toMatch(/does not match its EC key/);
  });

  it.each([
    ['sha384', 'sha384WithRSAEncryption'],
    ['sha512', 'sha512WithRSAEncryption'],
  ] as const)('accepts RSA with %s', (signatureHash, name) => {
    expect(decoded(decodeCsr(buildCsr({ privateKey: rsaKey(2048), commonName: 'example.com', signatureHash }).pem)).signatureAlgorithm).toBe(name);
  });

  it.each([
    ['sha256', 'ecdsa-with-SHA256'],
    ['sha384', 'ecdsa-with-SHA384'],
    ['sha512', 'ecdsa-with-SHA512'],
  ] as const)('accepts ECDSA with %s', (signatureHash, name) => {
    expect(decoded(decodeCsr(buildCsr({ privateKey: ecKey('P-384'), commonName: 'example.com', signatureHash }).pem)).signatureAlgorithm).toBe(name);
  });

  it('accepts RSASSA-PSS with SHA-256 and SHA-512', () => {
    expect(decoded(decodeCsr(buildCsr({ privateKey: rsaKey(2048), commonName: 'example.com', pss: true }).pem)).signatureAlgorithm).toBe('rsassaPss-SHA256');
    expect(decoded(decodeCsr(buildCsr({ privateKey: rsaKey(2048), commonName: 'example.com', pss: true, signatureHash: 'sha512' }).pem)).signatureAlgorithm).toBe('rsassaPss-SHA512');
  });

  it('refuses RSASSA-PSS over SHA-1', () => {
    const result = decodeCsr(buildCsr({ privateKey: rsaKey(2048), commonName: 'example.com', pss: true, signatureHash: 'sha1' }).pem);
    expect(codes(result)).toEqual(['csr.unsupported_signature_algorithm']);
    expect(messageOf(result)).toMatch(/RSASSA-PSS using the hash SHA-1/);
  });

  it.each(['sha1', 'md5'] as const)('refuses RSA with %s', (signatureHash) => {
    const result = decodeCsr(buildCsr({ privateKey: rsaKey(2048), commonName: 'example.com', signatureHash }).pem);
    expect(codes(result)).toEqual(['csr.unsupported_signature_algorithm']);
    expect(messageOf(result)).toContain(`${signatureHash}WithRSAEncryption`);
    expect(messageOf(result)).toMatch(/SHA-256, SHA-384 or SHA-512/);
  });

  it('refuses ECDSA with SHA-1', () => {
    expect(codes(decodeCsr(buildCsr({ privateKey: ecKey('P-256'), commonName: 'example.com', signatureHash: 'sha1' }).pem))).toEqual(['csr.unsupported_signature_algorithm']);
  });

  it('reports a weak hash together with a key problem', () => {
    expect(codes(decodeCsr(buildCsr({ privateKey: smallRsaKey(1024), commonName: 'example.com', signatureHash: 'sha1' }).pem))).toEqual([
      'csr.rsa_too_small',
      'csr.unsupported_signature_algorithm',
    ]);
  });
});

describe('keys (BR 6.1.5, 6.1.6)', () => {
  it('accepts RSA 2048 and 3072, with exponent 65537 or 3', () => {
    expect(decoded(decodeCsr(buildCsr({ privateKey: rsaKey(3072), commonName: 'example.com' }).pem)).key).toEqual({ type: 'rsa', bits: 3072, exponent: 65537 });
    expect(decoded(decodeCsr(buildCsr({ privateKey: rsaKey(2048, 3), commonName: 'example.com' }).pem)).key).toEqual({ type: 'rsa', bits: 2048, exponent: 3 });
  });

  it('accepts ECDSA on P-256 and P-384', () => {
    expect(decoded(decodeCsr(buildCsr({ privateKey: ecKey('P-256'), commonName: 'example.com' }).pem)).key).toEqual({ type: 'ec', curve: 'P-256', bits: 256 });
    expect(decoded(decodeCsr(buildCsr({ privateKey: ecKey('P-384'), commonName: 'example.com' }).pem)).key).toEqual({ type: 'ec', curve: 'P-384', bits: 384 });
  });

  it('refuses RSA keys below 2048 bits', () => {
    const result = decodeCsr(buildCsr({ privateKey: smallRsaKey(1024), commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.rsa_too_small']);
    expect(messageOf(result)).toBe('BR 6.1.5: RSA keys must be at least 2048 bits; this key has 1024 bits.');
  });

  it('refuses an RSA modulus whose size is not a multiple of 8', () => {
    const result = decodeCsr(buildCsr({ privateKey: oddSizeRsaKey(), commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.rsa_modulus_not_multiple_of_8']);
    expect(messageOf(result)).toMatch(/2052 bits/);
  });

  it.each([
    ['even', 65536n],
    ['one', 1n],
    ['beyond 2^256 - 1', (1n << 256n) + 1n],
  ])('refuses an %s public exponent', (_, exponent) => {
    const publicKeyInfo = rsaPublicKeyInfo(rsaModulus(rsaKey(2048)), exponent);
    const result = decodeCsr(buildCsr({ privateKey: rsaKey(2048), publicKeyInfo, commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.rsa_bad_exponent']);
    expect(messageOf(result)).toMatch(/BR 6.1.6/);
  });

  it('refuses a modulus with a small factor', () => {
    const n = rsaModulus(rsaKey(2048));
    const publicKeyInfo = rsaPublicKeyInfo(n - (n % 3n), 65537n);
    expect(codes(decodeCsr(buildCsr({ privateKey: rsaKey(2048), publicKeyInfo, commonName: 'example.com' }).pem))).toEqual(['csr.rsa_small_factor']);
  });

  it('refuses RSA keys too large to verify', () => {
    const publicKeyInfo = rsaPublicKeyInfo((1n << 16400n) + 1n, 65537n);
    expect(codes(decodeCsr(buildCsr({ privateKey: rsaKey(2048), publicKeyInfo, commonName: 'example.com' }).pem))).toEqual(['csr.rsa_too_large']);
  });

  it.each([
    ['DSA', otherKey('dsa')],
    ['Ed25519', otherKey('ed25519')],
    ['Ed448', otherKey('ed448')],
    ['RSASSA-PSS', otherKey('rsa-pss')],
  ])('refuses %s keys', (name, privateKey) => {
    const result = decodeCsr(buildCsr({ privateKey, commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.unsupported_key']);
    expect(messageOf(result)).toContain(`this key is ${name}`);
  });

  it.each(['secp256k1', 'P-521'] as const)('refuses ECDSA on %s', (curve) => {
    const result = decodeCsr(buildCsr({ privateKey: ecKey(curve), commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.ec_curve_not_allowed']);
    expect(messageOf(result)).toContain(`this key uses ${curve}`);
  });

  it('refuses explicit curve parameters', () => {
    const point = spkiOf(ecKey('P-256')).subarray(-65);
    const explicit = encodeSequence(encodeSequence(encodeOid('1.2.840.10045.2.1'), encodeSequence(encodeInteger(1))), encodeBitString(point));
    const result = decodeCsr(buildCsr({ privateKey: ecKey('P-256'), publicKeyInfo: explicit, commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.ec_curve_not_allowed']);
    expect(messageOf(result)).toMatch(/explicit curve parameters/);
  });

  it('refuses a compressed EC point', () => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const compressed = encodeSequence(
      encodeSequence(encodeOid('1.2.840.10045.2.1'), encodeOid('1.2.840.10045.3.1.7')),
      encodeBitString(ecdh.getPublicKey(null, 'compressed')),
    );
    const result = decodeCsr(buildCsr({ privateKey: ecKey('P-256'), publicKeyInfo: compressed, commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.unsupported_key']);
    expect(messageOf(result)).toMatch(/compressed/);
  });

  it('refuses an EC point that is not on the curve', () => {
    const spki = Buffer.from(spkiOf(ecKey('P-256')));
    spki[spki.length - 1]! ^= 0x01;
    const result = decodeCsr(buildCsr({ privateKey: ecKey('P-256'), publicKeyInfo: spki, commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.malformed']);
    expect(messageOf(result)).toMatch(/not a point on its curve/);
  });

  it('refuses rsaEncryption without its NULL parameters (BR 7.1.3.1.1)', () => {
    const n = rsaModulus(rsaKey(2048));
    const spki = encodeSequence(encodeSequence(encodeOid('1.2.840.113549.1.1.1')), encodeBitString(encodeSequence(encodeInteger(n), encodeInteger(65537))));
    expect(messageOf(decodeCsr(buildCsr({ privateKey: rsaKey(2048), publicKeyInfo: spki, commonName: 'example.com' }).pem))).toMatch(/BR 7.1.3.1.1/);
  });
});

describe('weak RSA keys (BR 6.1.1.3)', () => {
  it('refuses a ROCA key of 2048 bits for ROCA alone', () => {
    const result = decodeCsr(buildCsr({ privateKey: rocaRsaKey(2048), commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.roca_vulnerable']);
    expect(messageOf(result)).toMatch(/CVE-2017-15361/);
  });

  it('reports ROCA on a 1024-bit key besides its size', () => {
    expect(codes(decodeCsr(buildCsr({ privateKey: rocaRsaKey(1024), commonName: 'example.com' }).pem))).toEqual(['csr.rsa_too_small', 'csr.roca_vulnerable']);
  });

  it('refuses a key whose primes are close', () => {
    const result = decodeCsr(buildCsr({ privateKey: closePrimeRsaKey(), commonName: 'example.com' }).pem);
    expect(codes(result)).toEqual(['csr.close_primes']);
    expect(messageOf(result)).toMatch(/Fermat/);
  });

  it('consults the blocklist with the bare modulus and refuses a blocked key', () => {
    const blockedHex = rsaModulus(rsaKey(2048)).toString(16);
    const seen: Uint8Array[] = [];
    const blocklist: WeakKeyBlocklist = {
      isBlocked(modulus) {
        seen.push(modulus);
        return Buffer.from(modulus).toString('hex') === blockedHex;
      },
    };
    const result = decodeCsr(example.pem, { blocklist });
    expect(codes(result)).toEqual(['csr.weak_key_blocklisted']);
    expect(messageOf(result)).toMatch(/CVE-2008-0166/);
    expect(seen[0]).toHaveLength(256);
    expect(seen[0]![0]).toBeGreaterThanOrEqual(0x80);
    expect(decodeCsr(buildCsr({ privateKey: rsaKey(3072), commonName: 'example.com' }).pem, { blocklist }).ok).toBe(true);
    expect(decodeCsr(buildCsr({ privateKey: ecKey('P-256'), commonName: 'example.com' }).pem, { blocklist }).ok).toBe(true);
    expect(seen).toHaveLength(2);
  });
});

describe('RSA key checks as functions', () => {
  const n = rsaModulus(rsaKey(2048));
  const modulus = Buffer.from(n.toString(16), 'hex');

  it('finds the ROCA fingerprint only in ROCA moduli', () => {
    expect(isRocaVulnerable(rsaModulus(rocaRsaKey(2048)))).toBe(true);
    expect(isRocaVulnerable(rsaModulus(rocaRsaKey(1024)))).toBe(true);
    expect(isRocaVulnerable(n)).toBe(false);
    for (let i = 0; i < 5; i++) {
      const fresh = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
      expect(isRocaVulnerable(rsaModulus(fresh))).toBe(false);
    }
  });

  it('factors close primes with Fermat and stops after the given rounds', () => {
    expect(fermatFactor(15n)).toEqual([3n, 5n]);
    const p = nextPrime(1n << 200n);
    expect(fermatFactor(p * p)).toEqual([p, p]);
    // A gap of about 2^104 between 201-bit primes needs about 2^208 / (8 · 2^200) = 32 rounds.
    const q = nextPrime(p + (1n << 104n));
    expect(fermatFactor(p * q)).toEqual([p, q]);
    expect(fermatFactor(p * q, 10)).toBeUndefined();
    // A gap of 2^106 needs about 512 rounds, more than BR 6.1.1.3's 100.
    expect(fermatFactor(p * nextPrime(p + (1n << 106n)))).toBeUndefined();
    expect(fermatFactor(n)).toBeUndefined();
  });

  it('starts Fermat at the exact square root for numbers of every size', () => {
    for (let bytes = 1; bytes <= 300; bytes += 7) {
      const x = BigInt(`0x${randomBytes(bytes).toString('hex')}`) | 1n;
      expect(fermatFactor(x * x, 1)).toEqual([x, x]);
      expect(fermatFactor(x * (x + 2n), 1)).toEqual([x, x + 2n]);
    }
  });

  it('signs and verifies with keys made from chosen primes', () => {
    const p = nextPrime((3n << 1022n) + 12345n);
    const q = nextPrime((3n << 1022n) + (1n << 1000n));
    const key = rsaKeyFromPrimes(p, q);
    expect(rsaModulus(key)).toBe(p * q);
    expect(decodeCsr(buildCsr({ privateKey: key, commonName: 'example.com' }).pem).ok).toBe(true);
  });

  it('checks the exponent against BR 6.1.6', () => {
    const exponentErrors = (exponent: bigint) => checkRsaKey(modulus, exponent).map((error) => error.code);
    expect(exponentErrors(65537n)).toEqual([]);
    expect(exponentErrors(3n)).toEqual([]);
    expect(exponentErrors((1n << 256n) - 1n)).toEqual([]);
    for (const bad of [-3n, 0n, 1n, 2n, 65536n, 1n << 256n, (1n << 256n) + 1n]) expect(exponentErrors(bad)).toEqual(['csr.rsa_bad_exponent']);
  });

  it('reports every broken rule at once', () => {
    expect(checkRsaKey(Buffer.from([0x0f, 0xff]), 4n).map((error) => error.code)).toEqual([
      'csr.rsa_too_small',
      'csr.rsa_modulus_not_multiple_of_8',
      'csr.rsa_bad_exponent',
      'csr.rsa_small_factor',
    ]);
  });
});

describe('subject and names', () => {
  const key = ecKey('P-256');
  const names = (options: { commonName?: string; sans?: string[] }) => decoded(decodeCsr(buildCsr({ privateKey: key, ...options }).pem));

  it('extracts the subject attributes', () => {
    const subject = { country: 'DE', state: 'Berlin', locality: 'Berlin', organization: 'Beispiel GmbH', organizationalUnit: 'IT', email: 'ops@example.com' };
    expect(decoded(decodeCsr(buildCsr({ privateKey: key, commonName: 'example.com', subject }).pem)).subject).toEqual({ ...subject, commonName: 'example.com' });
  });

  it('puts the CN first when it is not a SAN, lower-cased', () => {
    const csr = names({ commonName: 'Example.COM', sans: ['www.example.com'] });
    expect(csr.names).toEqual(['example.com', 'www.example.com']);
    expect(csr.subjectAltNames).toEqual(['www.example.com']);
    expect(csr.subject.commonName).toBe('Example.COM');
  });

  it('keeps SAN order when the CN is one of them', () => {
    expect(names({ commonName: 'WWW.example.com', sans: ['example.com', 'www.example.com'] }).names).toEqual(['example.com', 'www.example.com']);
  });

  it('takes the names from the SANs when there is no CN', () => {
    expect(names({ sans: ['b.example.com', 'a.example.com'] }).names).toEqual(['b.example.com', 'a.example.com']);
  });

  it('lists a name once however often it is asked for', () => {
    const csr = names({ sans: ['a.example.com', 'A.example.com'] });
    expect(csr.names).toEqual(['a.example.com']);
    expect(csr.subjectAltNames).toEqual(['a.example.com', 'A.example.com']);
  });

  it('prints IPv4 and IPv6 SANs canonically (RFC 5952)', () => {
    const csr = names({
      sans: ['192.0.2.1', '2001:0DB8:0000:0000:0000:0000:0000:0001', '::ffff:192.0.2.1', 'fe80:0:0:1:0:0:0:1', '2001:db8:0:0:1:0:0:1', '2001:db8:0:1:1:1:1:1', '::', '::1'],
    });
    expect(csr.names).toEqual(['192.0.2.1', '2001:db8::1', '::ffff:192.0.2.1', 'fe80:0:0:1::1', '2001:db8::1:0:0:1', '2001:db8:0:1:1:1:1:1', '::', '::1']);
  });

  it('accepts an IP address as the CN and matches it to the SAN in any notation', () => {
    expect(names({ commonName: '192.0.2.10' }).names).toEqual(['192.0.2.10']);
    expect(names({ commonName: '2001:DB8:0::1', sans: ['2001:db8::1'] }).names).toEqual(['2001:db8::1']);
    expect(names({ commonName: '::ffff:192.0.2.1' }).names).toEqual(['::ffff:192.0.2.1']);
  });

  it('keeps IDN A-labels and wildcards as they are', () => {
    expect(names({ commonName: '*.xn--bcher-kva.example', sans: ['xn--bcher-kva.example'] }).names).toEqual(['*.xn--bcher-kva.example', 'xn--bcher-kva.example']);
  });

  it.each(['my_host.example.com', 'example.com.', '-a.example.com', 'a..example.com', '*.*.example.com', 'www.*.example.com', `${'a'.repeat(64)}.example.com`, '1.2.3.999'])(
    'refuses the SAN %s',
    (san) => {
      const result = decodeCsr(buildCsr({ privateKey: key, sans: [san] }).pem);
      expect(codes(result)).toContain('csr.san_not_dns_name');
    },
  );

  it.each(['My Web Server', 'bücher.example', '010.1.1.1', '', 'example.com/path', '2001:db8::1::1'])('refuses the CN %j', (commonName) => {
    const result = decodeCsr(buildCsr({ privateKey: key, commonName, sans: ['example.com'] }).pem);
    expect(codes(result)).toEqual(['csr.cn_not_dns_name']);
    expect(messageOf(result)).toMatch(/BR 7.1.4.3/);
  });

  it('refuses a CSR without any name', () => {
    const result = decodeCsr(buildCsr({ privateKey: key, subject: { organization: 'Example Ltd' } }).pem);
    expect(codes(result)).toEqual(['csr.no_names']);
  });

  it('refuses email and URI SANs, made by openssl', () => {
    const result = decodeCsr(opensslCsr(['-subj', '/CN=example.com', '-addext', 'subjectAltName=DNS:example.com,email:ops@example.com,URI:https://example.com/'], key).pem);
    expect(codes(result)).toEqual(['csr.unsupported_san_type', 'csr.unsupported_san_type']);
    expect(messageOf(result)).toMatch(/an email address \(rfc822Name\).*a URI/);
  });

  it('refuses two common names (BR 7.1.4.1), made by openssl', () => {
    const result = decodeCsr(opensslCsr(['-subj', '/CN=a.example.com/CN=b.example.com'], key).pem);
    expect(codes(result)).toEqual(['csr.duplicate_subject_attribute']);
    expect(messageOf(result)).toMatch(/2 of common name/);
  });
});

describe('CSRs made by openssl', () => {
  it('decodes an RSA CSR with SANs and re-encodes the same PEM', () => {
    const made = opensslCsr(['-subj', '/C=DE/O=Beispiel GmbH/CN=example.org', '-addext', 'subjectAltName=DNS:example.org,DNS:www.example.org,IP:192.0.2.7']);
    const csr = decoded(decodeCsr(made.pem));
    expect(csr.subject).toEqual({ country: 'DE', organization: 'Beispiel GmbH', commonName: 'example.org' });
    expect(csr.names).toEqual(['example.org', 'www.example.org', '192.0.2.7']);
    expect(csr.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(csr.pem).toBe(made.pem);
  });

  it('decodes EC CSRs with IPv6 SANs and other hashes', () => {
    const p256 = decoded(decodeCsr(opensslCsr(['-subj', '/CN=example.net', '-addext', 'subjectAltName=DNS:example.net,IP:2001:db8:0:0:0:0:0:1'], ecKey('P-256')).pem));
    expect(p256.names).toEqual(['example.net', '2001:db8::1']);
    expect(p256.key).toEqual({ type: 'ec', curve: 'P-256', bits: 256 });
    const p384 = decoded(decodeCsr(opensslCsr(['-subj', '/CN=example.net', '-sha384'], ecKey('P-384')).pem));
    expect(p384.signatureAlgorithm).toBe('ecdsa-with-SHA384');
  });

  it('decodes RSASSA-PSS', () => {
    const made = opensslCsr(['-subj', '/CN=example.org', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']);
    expect(decoded(decodeCsr(made.pem)).signatureAlgorithm).toBe('rsassaPss-SHA256');
  });

  it('refuses SHA-1', () => {
    expect(codes(decodeCsr(opensslCsr(['-subj', '/CN=example.org', '-sha1']).pem))).toEqual(['csr.unsupported_signature_algorithm']);
  });

  it('refuses a small key', () => {
    expect(codes(decodeCsr(opensslCsr(['-subj', '/CN=example.org'], smallRsaKey(1024)).pem))).toEqual(['csr.rsa_too_small']);
  });
});

describe('output', () => {
  const csr = decoded(decodeCsr(example.pem.replace(/\n/g, '\r\n  ')));

  it('re-encodes PEM with 64-character lines that openssl verifies', () => {
    const lines = csr.pem.trim().split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE REQUEST-----');
    expect(lines.at(-1)).toBe('-----END CERTIFICATE REQUEST-----');
    expect(lines.slice(1, -2).every((line) => line.length === 64)).toBe(true);
    expect(csr.pem).toBe(example.pem);
    expect(opensslVerifies(csr.pem)).toBe(true);
    expect(opensslVerifies(buildCsr({ privateKey: rsaKey(2048), commonName: 'example.com', tamper: true }).pem)).toBe(false);
  });

  it('identifies the CSR and its key by SHA-256', () => {
    expect(csr.sha256).toBe(sha256(example.der));
    expect(csr.spkiSha256).toBe(sha256(spkiOf(rsaKey(2048))));
  });

  it('is frozen, since cached results are shared', () => {
    const result = decodeCsr(example.pem);
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(csr)).toBe(true);
    expect(Object.isFrozen(csr.names)).toBe(true);
    expect(Object.isFrozen(csr.subject)).toBe(true);
    expect(Object.isFrozen(csr.key)).toBe(true);
  });
});

describe('createCsrDecoder', () => {
  it('returns the cached result for the same DER, whatever the input form', () => {
    const decode = createCsrDecoder();
    const first = decode(example.pem);
    expect(first.ok).toBe(true);
    expect(decode(example.pem)).toBe(first);
    expect(decode(example.der)).toBe(first);
    expect(decode(example.pem.replace(/\n/g, '\r\n'))).toBe(first);
    expect(first).toEqual(decodeCsr(example.pem));
  });

  it('misses for a changed CSR', () => {
    const decode = createCsrDecoder();
    const first = decode(example.pem);
    const other = decode(buildCsr({ privateKey: rsaKey(2048), commonName: 'example.org' }).pem);
    expect(other).not.toBe(first);
    expect(decoded(other).names).toEqual(['example.org']);
  });

  it('caches refusals too, and consults the blocklist once per CSR', () => {
    let calls = 0;
    const decode = createCsrDecoder({ blocklist: { isBlocked: () => (calls++, false) } });
    const tampered = buildCsr({ privateKey: rsaKey(2048), commonName: 'example.com', tamper: true }).pem;
    expect(decode(tampered)).toBe(decode(tampered));
    expect(codes(decode(tampered))).toEqual(['csr.bad_signature']);
    expect(calls).toBe(1);
  });

  it('evicts the least recently used entry', () => {
    const decode = createCsrDecoder({ cacheSize: 2 });
    const [a, b, c] = ['a', 'b', 'c'].map((label) => buildCsr({ privateKey: ecKey('P-256'), commonName: `${label}.example.com` }).pem) as [string, string, string];
    const resultA = decode(a);
    const resultB = decode(b);
    expect(decode(a)).toBe(resultA);
    decode(c);
    expect(decode(a)).toBe(resultA);
    expect(decode(b)).not.toBe(resultB);
    expect(decode(b)).toEqual(resultB);
  });

  it('does not cache with cacheSize 0', () => {
    const decode = createCsrDecoder({ cacheSize: 0 });
    const first = decode(example.pem);
    expect(decode(example.pem)).not.toBe(first);
    expect(decode(example.pem)).toEqual(first);
  });

  it('refuses a nonsensical cache size', () => {
    expect(() => createCsrDecoder({ cacheSize: -1 })).toThrow(RangeError);
    expect(() => createCsrDecoder({ cacheSize: 1.5 })).toThrow(RangeError);
  });

  it('answers input errors without caching them', () => {
    const decode = createCsrDecoder();
    expect(codes(decode(''))).toEqual(['csr.required']);
    expect(codes(decode('garbage!'))).toEqual(['csr.not_pem']);
  });
});
