import type { DocumentKind } from '../domain/documents.js';
import type { Language } from '../domain/order.js';
import type { ProductCode, ValidationLevel } from '../domain/products.js';
import type { RevocationReason } from '../domain/revocation.js';

/**
 * The ports a supplier adapter is handed by the wiring (DESIGN.md Components): its own storage, an
 * event sink back to the platform, and a mail port. Adapters import nothing of the platform beyond
 * `domain` and `validation`; everything else reaches them through these interfaces.
 */

/** Plain SQL on the platform's database, for the adapter's own tables (names prefixed by the adapter). */
export interface SqlPort {
  /** Runs one statement with `$1…` parameters and returns its rows. */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs `work` in one transaction: all of its statements commit together or not at all. */
  transaction<T>(work: (tx: SqlPort) => Promise<T>): Promise<T>;
}

/** How a domain's control is proven for one name of an order. */
export type DcvMethod = { readonly method: 'email'; readonly email: string } | { readonly method: 'dns' } | { readonly method: 'http' };

/** Everything a supplier needs to fulfil an order; the CSR is passed on unchanged. */
export interface SubmitRequest {
  /** The platform's order id: submission is idempotent per order id. */
  readonly orderId: string;
  readonly product: ProductCode;
  readonly validation: ValidationLevel;
  readonly csrPem: string;
  readonly domains: readonly { readonly name: string; readonly dcv: DcvMethod }[];
  readonly approverEmail: string;
  readonly adminContact: { readonly firstName: string; readonly lastName: string; readonly email: string; readonly phone: string; readonly country: string };
  readonly organization: Record<string, unknown> | null;
  readonly language: Language;
  /** Certificate lifetime to ask for, a little under the Baseline Requirements' maximum (domain/validity.ts). */
  readonly validityDays: number;
  /**
   * Suppliers are always told to contact the reseller directly wherever possible (seed): who to
   * contact for documents and questions.
   */
  readonly contactFor: { readonly name: string; readonly email: string };
}

export interface SubmitResponse {
  /** The supplier's own reference for the order. */
  readonly supplierOrderId: string;
}

/** A certificate as issued: the leaf and the chain up to (not including) the root, and the root. */
export interface IssuedCertificate {
  readonly certificatePem: string;
  /** Intermediates, leaf-issuer first. */
  readonly chainPem: readonly string[];
  readonly rootPem: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** What the supplier says an order's state is. */
export type SupplierOrderState =
  | { readonly state: 'awaiting_validation' }
  | { readonly state: 'issued'; readonly certificate: IssuedCertificate }
  | { readonly state: 'cancelled'; readonly reason: string }
  | { readonly state: 'rejected'; readonly reason: string };

/** Events a supplier reports back through its sink, each with a stable id (delivery may repeat). */
/** The request id an `issued` event names for an order's first certificate; reissues and renewals bring their own. */
export const INITIAL_REQUEST_ID = 'initial';

export type SupplierEvent =
  | { readonly type: 'validation_started'; readonly eventId: string; readonly orderId: string; readonly supplierOrderId: string; readonly detail: string }
  | { readonly type: 'approval_email_sent'; readonly eventId: string; readonly orderId: string; readonly to: string }
  | { readonly type: 'issued'; readonly eventId: string; readonly orderId: string; readonly requestId: string; readonly certificate: IssuedCertificate }
  | { readonly type: 'hold'; readonly eventId: string; readonly orderId: string; readonly reason: string }
  | { readonly type: 'hold_released'; readonly eventId: string; readonly orderId: string }
  /** OV/EV: the supplier needs documents to validate the organisation; `requestId` is the supplier's, answered documents name it. */
  | { readonly type: 'documents_requested'; readonly eventId: string; readonly orderId: string; readonly requestId: string; readonly kind: DocumentKind; readonly note: string }
  | { readonly type: 'cancelled'; readonly eventId: string; readonly orderId: string; readonly reason: string }
  | { readonly type: 'rejected'; readonly eventId: string; readonly orderId: string; readonly reason: string }
  /** A reissue or renewal (`requestId`) ended without a certificate; the order keeps the ones it has. */
  | { readonly type: 'request_declined'; readonly eventId: string; readonly orderId: string; readonly requestId: string; readonly reason: string }
  /**
   * Something staff must look at that the order's state alone does not say, e.g. a certificate the
   * adapter withheld because it did not match the order (a compliance incident).
   */
  | { readonly type: 'incident'; readonly eventId: string; readonly orderId: string; readonly kind: 'compliance'; readonly detail: string };

/** The platform's end of a supplier's events. `emit` returns once the event is durably recorded. */
export interface SupplierEventSink {
  emit(event: SupplierEvent): Promise<void>;
}

/** The generic approval email a supplier asks the platform to send (it leaves from the private mail domain). */
export interface ApprovalEmailRequest {
  readonly orderId: string;
  readonly to: string;
  readonly domains: readonly string[];
  /** A link to the supplier's own validation site; never the platform's website. */
  readonly approvalUrl: string;
  readonly approvalCode: string;
  readonly expiresAt: Date;
  readonly language: Language;
  /** Distinguishes a resend from the first email: one logical email per (order, recipient, sequence). */
  readonly sequence: number;
}

/** The ACME challenge types a customer can be asked to prepare (RFC 8555 8.3, 8.4). */
export type ChallengeType = 'dns-01' | 'http-01';

/** What to publish for one name to prove control of it (a supplier without email approval, e.g. ACME). */
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
   * The method the order asked for when the supplier cannot use it for this name: `email` (ACME has
   * no email method), `http` (a wildcard needs DNS, RFC 8555 7.1.3) or `dns` (an IP address needs the
   * website). The order's `dcv` follows, and the email says why the method differs.
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

export interface SupplierMailPort {
  /** Queues the approval email durably; returns once it is in the outbox. */
  sendApprovalEmail(request: ApprovalEmailRequest): Promise<void>;
  /**
   * Queues the domain-control instructions email (what to publish, where; no links) that takes the
   * approval email's place for suppliers without email approval. Optional: a port without it gets the
   * instructions on the order's timeline instead.
   */
  sendDcvInstructions?(request: DcvInstructionsRequest): Promise<void>;
}

/**
 * Thrown by adapters. `retryable` failures are retried with backoff (not before `retryAt` when the
 * supplier said when, e.g. a rate limit); the others end the attempt at this supplier.
 */
export class SupplierError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  /** When the supplier allows the next attempt, if it said. */
  readonly retryAt: Date | undefined;

  constructor(code: string, message: string, options: { retryable: boolean; retryAt?: Date }) {
    super(message);
    this.name = 'SupplierError';
    this.code = code;
    this.retryable = options.retryable;
    this.retryAt = options.retryAt;
  }
}

/** The operations every supplier has. Optional capabilities are separate interfaces, detected at run time. */
export interface Supplier {
  readonly name: string;
  /** The validation levels it issues; absent: all. The platform sends it no order of another level. */
  readonly validationLevels?: readonly ValidationLevel[];
  /** Idempotent per `orderId`: a repeated call returns the first call's supplier order, never a second one. */
  submit(request: SubmitRequest): Promise<SubmitResponse>;
  status(supplierOrderId: string): Promise<SupplierOrderState>;
  /** Releases whatever the adapter holds (listeners, timers). */
  close(): Promise<void>;
}

export interface CancelCapability {
  cancel(request: { readonly supplierOrderId: string; readonly reason: string }): Promise<void>;
}

export interface ApprovalCapability {
  /** Resends the approval email, to a new allowed address if one is given. */
  resendApproval(request: { readonly supplierOrderId: string; readonly approverEmail?: string }): Promise<void>;
}

/** A document the platform forwards: `id` is the platform's, and a repeated submission of the same id changes nothing. */
export interface SubmittedDocument {
  readonly id: string;
  /** The supplier's id of the document request it answers. */
  readonly requestId: string;
  readonly type: DocumentKind;
  readonly name: string;
  readonly contentType: string;
  readonly content: Uint8Array;
}

export interface DocumentsCapability {
  /** Takes documents for an order's open document requests; idempotent per document id. */
  submitDocuments(request: { readonly supplierOrderId: string; readonly documents: readonly SubmittedDocument[] }): Promise<void>;
}

/**
 * A further certificate within an order: a reissue (new CSR, possibly changed names) or the next
 * certificate of a subscription term (a renewal). The certificate is reported as an `issued` event
 * with this `requestId`, at once or after validation.
 */
export interface ReissueRequest {
  readonly supplierOrderId: string;
  /** The platform's request id: idempotent per id (a repeated call changes nothing). */
  readonly requestId: string;
  /** Default `reissue`. */
  readonly kind?: 'reissue' | 'renewal';
  readonly csrPem: string;
  readonly validityDays: number;
  /**
   * The names of the new certificate and how each proves control. Absent: the order's names as they
   * are. Names the supplier has not validated for this order (added SANs) are validated before issuance.
   */
  readonly domains?: readonly { readonly name: string; readonly dcv: DcvMethod }[];
  /**
   * Validate every name again, even if the previous validation could still be reused: the platform
   * decides this from the BR reuse period (domain/validity.ts `dcvReusable`). An email-validated name
   * gets a new approval email.
   */
  readonly revalidate?: boolean;
  /** The approver contact for names validated by email (the order's unless changed). */
  readonly approverEmail?: string;
  readonly language?: Language;
}

export interface ReissueCapability {
  /** Issues a further certificate within the order (a reissue or a renewal); idempotent per `requestId`. */
  reissue(request: ReissueRequest): Promise<void>;
}

/** One certificate of an order to revoke, with an RFC 5280 reason. */
export interface RevokeRequest {
  readonly supplierOrderId: string;
  /** Hex, as in `IssuedCertificate.serialNumber`. */
  readonly serialNumber: string;
  readonly certificatePem: string;
  readonly reason: RevocationReason;
}

export interface RevokeCapability {
  /**
   * Revokes one certificate; idempotent per serial number (revoking a revoked certificate succeeds).
   * Resolves once the supplier has revoked it (for the embedded CA: its published CRL lists it).
   * @throws SupplierError (`retryable` when the supplier could not be reached)
   */
  revoke(request: RevokeRequest): Promise<void>;
}

/** A supplier's own desk, where it can cancel an order from its side (the embedded CA has one). */
export interface DeskCapability {
  /** Cancels the platform's order `orderId` on the supplier's own initiative; reported back as a `cancelled` event. */
  deskCancel(request: { readonly orderId: string; readonly reason: string }): Promise<void>;
}

/** An order as a supplier's validation desk sees it (OV/EV organisation validation). */
export interface DeskOrder {
  readonly orderId: string;
  readonly supplierOrderId: string;
  readonly product: string;
  readonly names: readonly string[];
  readonly organization: Record<string, unknown> | null;
  readonly organizationState: 'pending' | 'approved' | 'rejected' | 'not_required';
  /** Every name's domain control is validated. */
  readonly domainControlValidated: boolean;
  readonly hold: { readonly since: Date; readonly reason: string } | null;
  readonly documentRequests: readonly { readonly requestId: string; readonly kind: DocumentKind; readonly note: string; readonly requestedAt: Date; readonly answeredAt: Date | null }[];
}

/** A document as the supplier received it, with the checksum it computed itself. */
export interface DeskDocument {
  readonly documentId: string;
  readonly requestId: string;
  readonly type: DocumentKind;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly receivedAt: Date;
}

/**
 * A supplier's own organisation-validation desk (the embedded CA has one): its staff ask for documents,
 * review them, approve or reject the organisation, and hold an order. Every outcome reaches the
 * platform as a {@link SupplierEvent}, like any supplier's.
 */
export interface ValidationDeskCapability {
  /** Orders awaiting organisation validation, oldest first. */
  deskQueue(): Promise<DeskOrder[]>;
  deskOrder(request: { readonly orderId: string }): Promise<DeskOrder>;
  /** Asks for documents: reported as a `documents_requested` event. */
  deskRequestDocuments(request: { readonly orderId: string; readonly kind: DocumentKind; readonly note: string }): Promise<{ readonly requestId: string }>;
  deskDocuments(request: { readonly orderId: string }): Promise<DeskDocument[]>;
  /** Approves the organisation (issuance follows once domain control is validated too), or rejects it: reported as a `rejected` event. */
  deskDecideOrganization(request: { readonly orderId: string; readonly decision: 'approve' | 'reject'; readonly reason: string }): Promise<void>;
  /** Holds an order (a `hold` event) or lifts the hold (`hold_released`); nothing is issued while it is held. */
  deskHold(request: { readonly orderId: string; readonly hold: boolean; readonly reason: string }): Promise<void>;
}

export const hasDesk = (s: Supplier): s is Supplier & DeskCapability => typeof (s as Partial<DeskCapability>).deskCancel === 'function';
export const hasValidationDesk = (s: Supplier): s is Supplier & ValidationDeskCapability => typeof (s as Partial<ValidationDeskCapability>).deskDecideOrganization === 'function';
export const canCancel = (s: Supplier): s is Supplier & CancelCapability => typeof (s as Partial<CancelCapability>).cancel === 'function';
export const canResendApproval = (s: Supplier): s is Supplier & ApprovalCapability => typeof (s as Partial<ApprovalCapability>).resendApproval === 'function';
export const canTakeDocuments = (s: Supplier): s is Supplier & DocumentsCapability => typeof (s as Partial<DocumentsCapability>).submitDocuments === 'function';
export const canReissue = (s: Supplier): s is Supplier & ReissueCapability => typeof (s as Partial<ReissueCapability>).reissue === 'function';
export const canRevoke = (s: Supplier): s is Supplier & RevokeCapability => typeof (s as Partial<RevokeCapability>).revoke === 'function';

/** What an adapter factory is handed by the wiring. */
export interface SupplierPorts {
  readonly sql: SqlPort;
  readonly events: SupplierEventSink;
  readonly mail: SupplierMailPort;
  readonly clock: { now(): Date };
}

/** An adapter registered by name: validates its own config at start-up and fails fast with a clear sentence. */
export interface SupplierFactory<Config = Record<string, unknown>> {
  readonly name: string;
  create(config: Config, ports: SupplierPorts): Promise<Supplier>;
}
