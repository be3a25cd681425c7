/**
 * The domain-control instructions email: for ACME orders it takes the place of the seed's approval
 * email. It tells the approver contact what to publish and where, and carries no link of any kind.
 *
 * The platform's mail port has this as an optional member, `sendDcvInstructions`, detected at run
 * time. A port without it still gets the instructions: they go on the order's timeline as the detail
 * of a `validation_started` event, for the reseller to pass on.
 */
import type { DcvInstruction, DcvInstructionsRequest, SupplierMailPort } from '../supplier.js';

/** What to publish, and the email's request: part of the supplier interface. */
export type { DcvInstruction, DcvInstructionsRequest } from '../supplier.js';

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
