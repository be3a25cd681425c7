/**
 * The domain-control instructions email: for ACME orders it takes the place of the seed's approval
 * email. It tells the approver contact what to publish and where, and carries no link of any kind.
 *
 * The platform's mail port has this as an optional member, `sendDcvInstructions`, detected at run
 * time. A port without it still gets the instructions: they go on the order's timeline as the detail
 * of a `validation_started` event, for the reseller to pass on.
 */
import type { Language } from '../../domain/order.js';
import type { SupplierMailPort } from '../supplier.js';
import type { ChallengeType } from './config.js';

/** What to publish for one name. */
export interface DcvInstruction {
  /** The name as ordered, `*.example.com` for a wildcard. */
  readonly domain: string;
  readonly method: ChallengeType;
  /** dns-01: the TXT record's owner name, `_acme-challenge.<domain without *.>` (RFC 8555 8.4). */
  readonly recordName?: string;
  /** dns-01: always `TXT`. */
  readonly recordType?: 'TXT';
  /** dns-01: the record's value, the base64url SHA-256 digest of the key authorization (RFC 8555 8.4). */
  readonly recordValue?: string;
  /** http-01: where the file must answer, `http://<domain>/.well-known/acme-challenge/<token>` (RFC 8555 8.3). */
  readonly url?: string;
  /** http-01: the file's exact content, the key authorization (RFC 8555 8.3). */
  readonly content?: string;
  /**
   * The method the order asked for when ACME cannot use it for this name: `email` (ACME has no email
   * method) or `http` (a wildcard needs DNS, RFC 8555 7.1.3). The email says why the method differs.
   */
  readonly replaces?: 'email' | 'http' | 'dns';
}

/** One instructions email; one logical email per (order, recipient, sequence). */
export interface DcvInstructionsRequest {
  readonly orderId: string;
  /** The approver contact. */
  readonly to: string;
  readonly language: Language;
  /** 1 for the first email; each resend or new round counts up. */
  readonly sequence: number;
  /** Names still to validate; names the CA has validated already are left out. */
  readonly instructions: readonly DcvInstruction[];
  /** When the CA stops accepting these answers (RFC 8555 7.1.4 `expires`), if it said. */
  readonly expiresAt?: Date;
}

/** The optional member of the mail port. */
export interface DcvInstructionsMailPort {
  /** Queues the instructions email durably; returns once it is in the outbox. */
  sendDcvInstructions(request: DcvInstructionsRequest): Promise<void>;
}

/** Whether the platform's mail port can send instructions emails. */
export function canSendDcvInstructions(mail: SupplierMailPort): mail is SupplierMailPort & DcvInstructionsMailPort {
  return typeof (mail as Partial<DcvInstructionsMailPort>).sendDcvInstructions === 'function';
}

const REPLACED: Readonly<Record<NonNullable<DcvInstruction['replaces']>, string>> = {
  email: 'email approval is not available from this certificate authority',
  http: 'a wildcard name can only be validated in DNS',
  dns: 'an IP address can only be validated on its website',
};

/** The instructions as plain English sentences, for the timeline when no email can carry them. */
export function describeInstructions(instructions: readonly DcvInstruction[]): string {
  return instructions
    .map((instruction) => {
      const why = instruction.replaces === undefined ? '' : ` (${REPLACED[instruction.replaces]})`;
      if (instruction.method === 'dns-01') {
        return `${instruction.domain}: publish a DNS TXT record ${instruction.recordName} with the value ${instruction.recordValue}${why}.`;
      }
      return `${instruction.domain}: serve ${instruction.url} with the content ${instruction.content}${why}.`;
    })
    .join(' ');
}
