/**
 * Revocation reasons a subscriber may give (RFC 5280 5.3.1 CRLReason; CA/Browser Forum BR 7.2.2 and
 * 4.9.1.1 list the ones a subscriber may choose). `privilegeWithdrawn` and the others are the CA's own.
 */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
} as const;

export type RevocationReason = keyof typeof REVOCATION_REASONS;

export const isRevocationReason = (value: unknown): value is RevocationReason =>
  typeof value === 'string' && Object.prototype.hasOwnProperty.call(REVOCATION_REASONS, value);

/** The RFC 5280 CRLReason code of a reason. */
export const revocationReasonCode = (reason: RevocationReason): number => REVOCATION_REASONS[reason];
