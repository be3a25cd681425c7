import type { Language } from '../domain/order.js';
import type { ProductCode, ValidationLevel } from '../domain/products.js';

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
export type SupplierEvent =
  | { readonly type: 'validation_started'; readonly eventId: string; readonly orderId: string; readonly supplierOrderId: string; readonly detail: string }
  | { readonly type: 'approval_email_sent'; readonly eventId: string; readonly orderId: string; readonly to: string }
  | { readonly type: 'issued'; readonly eventId: string; readonly orderId: string; readonly requestId: string; readonly certificate: IssuedCertificate }
  | { readonly type: 'hold'; readonly eventId: string; readonly orderId: string; readonly reason: string }
  | { readonly type: 'hold_released'; readonly eventId: string; readonly orderId: string }
  | { readonly type: 'cancelled'; readonly eventId: string; readonly orderId: string; readonly reason: string }
  | { readonly type: 'rejected'; readonly eventId: string; readonly orderId: string; readonly reason: string };

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

export interface SupplierMailPort {
  /** Queues the approval email durably; returns once it is in the outbox. */
  sendApprovalEmail(request: ApprovalEmailRequest): Promise<void>;
}

/** Thrown by adapters. `retryable` failures are retried with backoff; the others end the attempt. */
export class SupplierError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { retryable: boolean }) {
    super(message);
    this.name = 'SupplierError';
    this.code = code;
    this.retryable = options.retryable;
  }
}

/** The operations every supplier has. Optional capabilities are separate interfaces, detected at run time. */
export interface Supplier {
  readonly name: string;
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

export interface DocumentsCapability {
  submitDocuments(request: { readonly supplierOrderId: string; readonly documents: readonly { readonly name: string; readonly contentType: string; readonly content: Uint8Array }[] }): Promise<void>;
}

export interface ReissueCapability {
  /** Issues a replacement certificate for a new CSR within the order; idempotent per `requestId`. */
  reissue(request: { readonly supplierOrderId: string; readonly requestId: string; readonly csrPem: string; readonly validityDays: number }): Promise<void>;
}

/** A supplier's own desk, where it can cancel an order from its side (the embedded CA has one). */
export interface DeskCapability {
  /** Cancels the platform's order `orderId` on the supplier's own initiative; reported back as a `cancelled` event. */
  deskCancel(request: { readonly orderId: string; readonly reason: string }): Promise<void>;
}

export const hasDesk = (s: Supplier): s is Supplier & DeskCapability => typeof (s as Partial<DeskCapability>).deskCancel === 'function';
export const canCancel = (s: Supplier): s is Supplier & CancelCapability => typeof (s as Partial<CancelCapability>).cancel === 'function';
export const canResendApproval = (s: Supplier): s is Supplier & ApprovalCapability => typeof (s as Partial<ApprovalCapability>).resendApproval === 'function';
export const canTakeDocuments = (s: Supplier): s is Supplier & DocumentsCapability => typeof (s as Partial<DocumentsCapability>).submitDocuments === 'function';
export const canReissue = (s: Supplier): s is Supplier & ReissueCapability => typeof (s as Partial<ReissueCapability>).reissue === 'function';

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
