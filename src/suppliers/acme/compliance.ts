/**
 * The compliance guard on what a CA returns: a certificate is delivered only when it is the one the
 * order asked for. A pure function, so that every rule is tested without a CA.
 */
import { X509Certificate, createPublicKey } from 'node:crypto';
import { comparableName } from '../../validation/domains.js';
import { csrPublicKeyInfo, pemBlocks, readCertificate, type CertificateFacts } from './x509.js';

/** What the guard compares. */
export interface ComplianceInput {
  /** The leaf as returned by the CA. */
  readonly certificatePem: string;
  /** The order's CSR, as submitted. */
  readonly csrPem: string;
  /** The order's names. */
  readonly names: readonly string[];
  /** BR 6.3.2: the longest validity allowed for a certificate issued now (200 days from 2026-03-15). */
  readonly maxValidityDays: number;
  /** Intermediates, leaf-issuer first: when given, each must have signed the one before it. */
  readonly chainPem?: readonly string[];
  /** The root to deliver: when given, it must have signed the last certificate of the chain. */
  readonly rootPem?: string;
}

/** The guard's verdict: the certificate's facts when it may be delivered, every finding when not. */
export type ComplianceResult = { readonly ok: true; readonly certificate: CertificateFacts } | { readonly ok: false; readonly findings: readonly string[] };

const DAY_MS = 86_400_000;

function canonicalSpki(spki: Buffer): Buffer {
  return createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'der' });
}

function signedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  return child.checkIssued(issuer) && child.verify(issuer.publicKey);
}

function chainFindings(leafPem: string, chainPem: readonly string[] | undefined, rootPem: string | undefined): string[] {
  if (chainPem === undefined && rootPem === undefined) return [];
  const findings: string[] = [];
  const parsed = (pem: string, what: string): X509Certificate | undefined => {
    try {
      return new X509Certificate(pem);
    } catch {
      findings.push(`The ${what} cannot be read as a certificate.`);
      return undefined;
    }
  };
  const path = [parsed(leafPem, 'certificate'), ...(chainPem ?? []).map((pem, index) => parsed(pem, `chain certificate ${index + 1}`))];
  if (rootPem !== undefined) path.push(parsed(rootPem, 'root certificate'));
  if (findings.length > 0) return findings;
  const certificates = path as X509Certificate[];
  for (let index = 0; index + 1 < certificates.length; index++) {
    const child = certificates[index]!;
    const issuer = certificates[index + 1]!;
    // The root may repeat the chain's last (self-signed) certificate; that link is trivially fine.
    if (child.fingerprint256 === issuer.fingerprint256) continue;
    if (!signedBy(child, issuer)) findings.push(`${child.subject.replace(/\n/g, ', ')} is not signed by ${issuer.subject.replace(/\n/g, ', ')}: the chain does not link (RFC 5280 6.1).`);
  }
  return findings;
}

/**
 * Checks a returned certificate against its order:
 * - its subjectAltName entries are exactly the order's names (BR 7.1.2.7.12), and a subject common
 *   name, if present, is one of them (BR 7.1.2.7.2);
 * - its public key is the CSR's (RFC 2986: the CSR proved possession of that key, no other);
 * - its validity, notBefore through notAfter inclusive (BR 1.6.1 "Validity Period"), is at most
 *   `maxValidityDays` (BR 6.3.2);
 * - with a chain and root, each certificate is signed by the next.
 * Never throws: unreadable input is a finding.
 */
export function checkIssuedCertificate(input: ComplianceInput): ComplianceResult {
  const [leafDer] = pemBlocks(input.certificatePem, 'CERTIFICATE');
  const [csrDer] = pemBlocks(input.csrPem, 'CERTIFICATE REQUEST');
  if (leafDer === undefined) return { ok: false, findings: ['The CA returned no PEM certificate.'] };
  if (csrDer === undefined) return { ok: false, findings: ["The order's CSR is not a PEM certificate request."] };
  let certificate: CertificateFacts;
  try {
    certificate = readCertificate(leafDer);
  } catch (error) {
    return { ok: false, findings: [`The certificate cannot be read: ${error instanceof Error ? error.message : String(error)}.`] };
  }
  const findings: string[] = [];

  const ordered = new Set(input.names.map(comparableName));
  const certified = [...certificate.dnsNames, ...certificate.ipAddresses].map(comparableName);
  const extra = [...new Set(certified.filter((name) => !ordered.has(name)))];
  const missing = [...ordered].filter((name) => !certified.includes(name));
  if (extra.length > 0) findings.push(`The certificate names ${extra.join(', ')}, which the order does not (BR 7.1.2.7.12).`);
  if (missing.length > 0) findings.push(`The certificate lacks ${missing.join(', ')} of the order.`);
  if (certificate.commonName !== undefined && !certified.includes(comparableName(certificate.commonName))) {
    findings.push(`The subject common name ${certificate.commonName} is none of the certificate's subjectAltName entries (BR 7.1.2.7.2).`);
  }

  try {
    if (!canonicalSpki(certificate.spki).equals(canonicalSpki(csrPublicKeyInfo(csrDer)))) {
      findings.push("The certificate's public key is not the CSR's: the subscriber does not hold its private key.");
    }
  } catch (error) {
    findings.push(`The public keys cannot be compared: ${error instanceof Error ? error.message : String(error)}.`);
  }

  const validityMs = certificate.notAfter.getTime() - certificate.notBefore.getTime() + 1000;
  if (validityMs <= 0) findings.push('The certificate ends before it begins.');
  else if (validityMs > input.maxValidityDays * DAY_MS) {
    const days = Math.round((validityMs / DAY_MS) * 100) / 100;
    findings.push(`The certificate is valid for ${days} days, more than the ${input.maxValidityDays} days allowed (BR 6.3.2).`);
  }

  findings.push(...chainFindings(input.certificatePem, input.chainPem, input.rootPem));
  return findings.length === 0 ? { ok: true, certificate } : { ok: false, findings };
}
