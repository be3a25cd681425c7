/**
 * The CA's root and intermediate: made on the first start, kept in `localca_authorities` with their
 * private keys sealed, loaded by every later start.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SupplierError, type SqlPort } from '../supplier.js';
import { intermediateCertificate, rootCertificate, type IssuingCa } from './profiles.js';
import { insertAuthorities, listAuthorities, type AuthorityRow } from './repository.js';
import { SealError } from '../shared/sealed-box.js';
import type { KeyVault } from './vault.js';
import { ecdsaSigner, fromPem, keyIdentifier, readCertificate, toPem, wholeSeconds } from './x509.js';

/** The loaded CA: the intermediate that signs subscriber certificates, and the root above it. */
export interface Authorities {
  readonly rootPem: string;
  readonly intermediate: IssuingCa;
}

/** Lifetimes of the CA certificates; the intermediate ends well before the root, so its chain stays valid to its end. */
const ROOT_VALIDITY_YEARS = 25;
const INTERMEDIATE_VALIDITY_YEARS = 10;

function yearsAfter(start: Date, years: number): Date {
  const end = new Date(start);
  end.setUTCFullYear(end.getUTCFullYear() + years);
  // RFC 5280 4.1.2.5: notAfter is inclusive, so the last second belongs to the validity period.
  return new Date(end.getTime() - 1000);
}

function sealContext(role: AuthorityRow['role']): string {
  return `localca_authorities:${role}`;
}

function spkiOf(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

/** Makes a root (ECDSA P-384) and an intermediate (ECDSA P-256) signed by it, with their keys sealed. */
function newAuthorities(organizationName: string, vault: KeyVault, now: Date): { root: AuthorityRow; intermediate: AuthorityRow } {
  const notBefore = wholeSeconds(now);
  const rootKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const rootSpki = spkiOf(rootKey);
  const rootDer = rootCertificate({ organizationName, privateKey: rootKey, spki: rootSpki, notBefore, notAfter: yearsAfter(notBefore, ROOT_VALIDITY_YEARS) });
  const rootSummary = readCertificate(rootDer);
  const root: IssuingCa = {
    certificatePem: toPem(rootDer, 'CERTIFICATE'),
    subject: rootSummary.subject,
    keyId: keyIdentifier(rootSpki),
    signer: ecdsaSigner(rootKey),
    notAfter: rootSummary.notAfter,
  };
  const intermediateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const intermediateDer = intermediateCertificate({
    organizationName,
    spki: spkiOf(intermediateKey),
    issuer: root,
    notBefore,
    notAfter: yearsAfter(notBefore, INTERMEDIATE_VALIDITY_YEARS),
  });
  const seal = (key: KeyObject, role: AuthorityRow['role']) => vault.seal(key.export({ type: 'pkcs8', format: 'der' }), sealContext(role));
  return {
    root: { role: 'root', certificatePem: root.certificatePem, privateKeySealed: seal(rootKey, 'root') },
    intermediate: { role: 'intermediate', certificatePem: toPem(intermediateDer, 'CERTIFICATE'), privateKeySealed: seal(intermediateKey, 'intermediate') },
  };
}

/**
 * Opens a stored key and checks that it belongs to its certificate.
 * @throws SupplierError when the configured key does not open it or the pair does not match.
 */
function openKey(row: AuthorityRow, vault: KeyVault): { key: KeyObject; certificate: ReturnType<typeof readCertificate> } {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: vault.open(row.privateKeySealed, sealContext(row.role)), format: 'der', type: 'pkcs8' });
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
    throw new SupplierError(
      'invalid_config',
      "local-ca: encryptionKey does not open the CA's stored private keys; configure the key they were sealed with (a different key would need a new CA, and every issued certificate would lose its chain).",
      { retryable: false },
    );
  }
  const certificate = readCertificate(fromPem(row.certificatePem, 'CERTIFICATE'));
  if (!certificate.spki.equals(spkiOf(key))) {
    throw new SupplierError('ca_damaged', `local-ca: the stored ${row.role} private key does not belong to the stored ${row.role} certificate.`, { retryable: false });
  }
  return { key, certificate };
}

/**
 * Loads the CA, creating it on the first start. Two processes starting at once both make a CA, but
 * only one pair is stored (one statement, `on conflict do nothing`) and both go on with that one.
 * @throws SupplierError when the stored CA is incomplete or does not open with the configured key.
 */
export async function loadAuthorities(sql: SqlPort, vault: KeyVault, organizationName: string, now: Date): Promise<Authorities> {
  let rows = await listAuthorities(sql);
  if (rows.length === 0) {
    const created = newAuthorities(organizationName, vault, now);
    await insertAuthorities(sql, created.root, created.intermediate, now);
    rows = await listAuthorities(sql);
  }
  const rootRow = rows.find((row) => row.role === 'root');
  const intermediateRow = rows.find((row) => row.role === 'intermediate');
  if (rootRow === undefined || intermediateRow === undefined) {
    throw new SupplierError('ca_damaged', 'local-ca: the database holds only half of the CA (root or intermediate is missing); restore both from a backup instead of starting a new CA over them.', { retryable: false });
  }
  // The root key is opened only to prove that the configured key is the right one; it signs nothing at run time.
  openKey(rootRow, vault);
  const intermediate = openKey(intermediateRow, vault);
  return {
    rootPem: rootRow.certificatePem,
    intermediate: {
      certificatePem: intermediateRow.certificatePem,
      subject: intermediate.certificate.subject,
      keyId: keyIdentifier(intermediate.certificate.spki),
      signer: ecdsaSigner(intermediate.key),
      notAfter: intermediate.certificate.notAfter,
    },
  };
}
