/**
 * The CA's three certificate profiles — root, TLS subordinate CA and subscriber — after the Baseline
 * Requirements section 7.1.2, and the subject names they carry.
 */
import type { KeyObject } from 'node:crypto';
import type { ValidationLevel } from '../../domain/products.js';
import { encodeOctetString } from '../../validation/der.js';
import {
  KeyUsageBit,
  OID,
  authorityKeyIdentifier,
  basicConstraints,
  certificatePolicies,
  crlDistributionPoints,
  ecdsaSigner,
  encodeName,
  extendedKeyUsage,
  extension,
  keyIdentifier,
  keyUsage,
  randomSerial,
  signCertificate,
  subjectAltName,
  type NameAttribute,
  type Signer,
} from './x509.js';

/** BR 7.1.6.1: the CA/Browser Forum's reserved policy identifier for each validation level. */
export const POLICY_OIDS: Readonly<Record<ValidationLevel, string>> = Object.freeze({
  dv: '2.23.140.1.2.1',
  ov: '2.23.140.1.2.2',
  ev: '2.23.140.1.1',
});

/** A CA certificate that signs others, with what signing needs. */
export interface IssuingCa {
  readonly certificatePem: string;
  /** Its encoded subject Name, which becomes the issuer of what it signs. */
  readonly subject: Buffer;
  /** Its subjectKeyIdentifier, which becomes the authorityKeyIdentifier of what it signs. */
  readonly keyId: Buffer;
  readonly signer: Signer;
  readonly notAfter: Date;
}

/**
 * The CA's own names: the organisation and a common name, nothing else of the operator — the CA
 * is its own organisation (BR 7.1.2.10.2 forbids organizationalUnitName in these certificates).
 */
export function caName(organizationName: string, role: 'root' | 'intermediate'): Buffer {
  // The intermediate signs DV, OV and EV certificates alike, so its name says TLS, not one level.
  const commonName = role === 'root' ? `${organizationName} Root R1` : `${organizationName} TLS CA 1`;
  return encodeName([
    { type: OID.organizationName, value: organizationName },
    { type: OID.commonName, value: commonName },
  ]);
}

const CA_KEY_USAGE = keyUsage([KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign]);

/** A self-signed root (BR 7.1.2.1): CA without a path length, keyCertSign and cRLSign, its own key identifier; no policies, no EKU. */
export function rootCertificate(options: { readonly organizationName: string; readonly privateKey: KeyObject; readonly spki: Buffer; readonly notBefore: Date; readonly notAfter: Date }): Buffer {
  const subject = caName(options.organizationName, 'root');
  return signCertificate(
    {
      serial: randomSerial(),
      issuer: subject,
      subject,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      spki: options.spki,
      extensions: [
        extension(OID.basicConstraints, true, basicConstraints(true)),
        extension(OID.keyUsage, true, CA_KEY_USAGE),
        extension(OID.subjectKeyIdentifier, false, encodeOctetString(keyIdentifier(options.spki))),
      ],
    },
    ecdsaSigner(options.privateKey),
  );
}

/**
 * The TLS subordinate CA (BR 7.1.2.6): CA with pathLenConstraint 0, so it signs end entities only;
 * serverAuth as its only extended key usage (7.1.2.10.6); the three reserved policy identifiers of what
 * it issues (7.1.2.10.5).
 */
export function intermediateCertificate(options: { readonly organizationName: string; readonly spki: Buffer; readonly issuer: IssuingCa; readonly notBefore: Date; readonly notAfter: Date }): Buffer {
  return signCertificate(
    {
      serial: randomSerial(),
      issuer: options.issuer.subject,
      subject: caName(options.organizationName, 'intermediate'),
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      spki: options.spki,
      extensions: [
        extension(OID.authorityKeyIdentifier, false, authorityKeyIdentifier(options.issuer.keyId)),
        extension(OID.basicConstraints, true, basicConstraints(true, 0)),
        extension(OID.keyUsage, true, CA_KEY_USAGE),
        extension(OID.extKeyUsage, false, extendedKeyUsage([OID.serverAuth])),
        extension(OID.certificatePolicies, false, certificatePolicies([POLICY_OIDS.dv, POLICY_OIDS.ov, POLICY_OIDS.ev])),
        extension(OID.subjectKeyIdentifier, false, encodeOctetString(keyIdentifier(options.spki))),
      ],
    },
    options.issuer.signer,
  );
}

/** What a subscriber certificate is made of. */
export interface LeafRequest {
  readonly issuer: IssuingCa;
  readonly serial: bigint;
  /** Subject attributes before the common name (OV/EV organisation data); empty for DV. */
  readonly subjectAttributes: readonly NameAttribute[];
  /** The certificate's names, first one also the common name. */
  readonly names: readonly string[];
  /** The CSR's SubjectPublicKeyInfo, unchanged. */
  readonly spki: Buffer;
  readonly keyType: 'rsa' | 'ec';
  readonly validation: ValidationLevel;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Where the issuer publishes its CRL: the CA's own validation site. */
  readonly crlUrl: string;
}

/** The extensions every subscriber certificate of a kind shares, encoded once. */
const LEAF_KEY_USAGE = {
  rsa: extension(OID.keyUsage, true, keyUsage([KeyUsageBit.digitalSignature, KeyUsageBit.keyEncipherment])),
  ec: extension(OID.keyUsage, true, keyUsage([KeyUsageBit.digitalSignature])),
} as const;
const LEAF_EXTENDED_KEY_USAGE = extension(OID.extKeyUsage, false, extendedKeyUsage([OID.serverAuth]));
const LEAF_BASIC_CONSTRAINTS = extension(OID.basicConstraints, true, basicConstraints(false));
const LEAF_POLICIES: Readonly<Record<ValidationLevel, Buffer>> = {
  dv: extension(OID.certificatePolicies, false, certificatePolicies([POLICY_OIDS.dv])),
  ov: extension(OID.certificatePolicies, false, certificatePolicies([POLICY_OIDS.ov])),
  ev: extension(OID.certificatePolicies, false, certificatePolicies([POLICY_OIDS.ev])),
};

/**
 * A subscriber certificate (BR 7.1.2.7): subject CN = the first name (7.1.4.3: it repeats a SAN) after
 * any organisation attributes; every name in subjectAltName; keyUsage digitalSignature, plus
 * keyEncipherment for RSA keys (7.1.2.7.11); serverAuth only (7.1.2.7.10); cA FALSE; exactly one
 * reserved policy identifier (7.1.2.7.9); the issuer's CRL as the one distribution point (7.1.2.11.2).
 */
export function leafCertificate(request: LeafRequest): Buffer {
  const [commonName] = request.names;
  if (commonName === undefined) throw new RangeError('a certificate needs at least one name');
  return signCertificate(
    {
      serial: request.serial,
      issuer: request.issuer.subject,
      subject: encodeName([...request.subjectAttributes, { type: OID.commonName, value: commonName }]),
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      spki: request.spki,
      extensions: [
        extension(OID.authorityKeyIdentifier, false, authorityKeyIdentifier(request.issuer.keyId)),
        extension(OID.subjectKeyIdentifier, false, encodeOctetString(keyIdentifier(request.spki))),
        LEAF_KEY_USAGE[request.keyType],
        LEAF_EXTENDED_KEY_USAGE,
        LEAF_BASIC_CONSTRAINTS,
        // The subject is never empty (it has the CN), so subjectAltName is not critical (RFC 5280 4.2.1.6).
        extension(OID.subjectAltName, false, subjectAltName(request.names)),
        LEAF_POLICIES[request.validation],
        extension(OID.cRLDistributionPoints, false, crlDistributionPoints(request.crlUrl)),
      ],
    },
    request.issuer.signer,
  );
}

/** EV Guidelines 7.1.4.2.3: the businessCategory text for each category of the order form. */
const BUSINESS_CATEGORY_TEXT: Readonly<Record<string, string>> = {
  private_organization: 'Private Organization',
  government_entity: 'Government Entity',
  business_entity: 'Business Entity',
  non_commercial_entity: 'Non-Commercial Entity',
};

/** The PrintableString alphabet (X.680 41.4). */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]+$/;

function text(organization: Record<string, unknown>, key: string): string | undefined {
  const value = organization[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The subject attributes an OV or EV certificate carries before its common name, in the order of
 * BR 7.1.4.2 (countryName, stateOrProvinceName, localityName, organizationName), then the EV
 * attributes of EV Guidelines 7.1.4.2 (businessCategory, jurisdiction, serialNumber = registration
 * number). Never organizationalUnitName (BR 7.1.2.7.2 forbids it). DV has none (BR 7.1.2.7.2).
 * @returns the attributes, or a sentence saying what is missing.
 */
export function subscriberAttributes(validation: ValidationLevel, organization: Record<string, unknown> | null): NameAttribute[] | string {
  if (validation === 'dv') return [];
  if (organization === null) return `${validation.toUpperCase()} certificates name the organisation, and the order carries none`;
  const legalName = text(organization, 'legalName');
  const city = text(organization, 'city');
  const country = text(organization, 'country');
  if (legalName === undefined || city === undefined || country === undefined || !/^[A-Z]{2}$/.test(country)) {
    return 'the organisation needs a legal name, a city and a two-letter country code (BR 7.1.2.7.4)';
  }
  const state = text(organization, 'state');
  const attributes: NameAttribute[] = [
    { type: OID.countryName, value: country, printable: true },
    ...(state === undefined ? [] : [{ type: OID.stateOrProvinceName, value: state }]),
    { type: OID.localityName, value: city },
    { type: OID.organizationName, value: legalName },
  ];
  if (validation === 'ov') return attributes;

  const category = BUSINESS_CATEGORY_TEXT[text(organization, 'businessCategory') ?? ''];
  const registrationNumber = text(organization, 'registrationNumber');
  const jurisdictionCountry = text(organization, 'jurisdictionCountry') ?? country;
  if (category === undefined || registrationNumber === undefined || !/^[A-Z]{2}$/.test(jurisdictionCountry)) {
    return 'an EV organisation needs a business category, a registration number and a jurisdiction country (EV Guidelines 7.1.4.2)';
  }
  // X.520 declares serialNumber a PrintableString, which has no other characters.
  if (!PRINTABLE.test(registrationNumber)) return 'the registration number may hold only letters, digits, spaces and \' ( ) + , - . / : = ? (X.520 serialNumber)';
  const jurisdictionState = text(organization, 'jurisdictionState');
  const jurisdictionLocality = text(organization, 'jurisdictionLocality');
  return [
    ...attributes,
    { type: OID.businessCategory, value: category },
    ...(jurisdictionLocality === undefined ? [] : [{ type: OID.jurisdictionLocalityName, value: jurisdictionLocality }]),
    ...(jurisdictionState === undefined ? [] : [{ type: OID.jurisdictionStateOrProvinceName, value: jurisdictionState }]),
    { type: OID.jurisdictionCountryName, value: jurisdictionCountry, printable: true },
    { type: OID.serialNumber, value: registrationNumber, printable: true },
  ];
}
